use shared::app::users;
use shared::db::Tx;
use shared::domain::UserId;
use shared::domain::permissions::USERS_MANAGE;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "users_delete",
    route: DELETE "/api/v1/users/{user_id}",
    access: user[USERS_MANAGE],
    tag: "users",
    summary: "Deactivate a user (users are never removed) and end their sessions",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.message().error(
        409,
        "Cannot deactivate or demote the last active admin of the tenant",
    );
}

async fn handle(ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: UserId = call.path("user_id")?;
    users::deactivate(ctx, tx, id).await?;
    respond::message("User deactivated successfully")
}
