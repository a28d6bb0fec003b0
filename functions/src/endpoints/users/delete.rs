use shared::app::users;
use shared::domain::UserId;
use shared::domain::permissions::USERS_MANAGE;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "users_delete",
    method: "DELETE",
    path: "/api/v1/users/{user_id}",
    access: Access::User {
        permission: Some(USERS_MANAGE),
    },
    summary: "Deactivate a user (users are never removed) and end their sessions",
    tag: "users",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.message().error(
        409,
        "Cannot deactivate or demote the last active admin of the tenant",
    );
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let id: UserId = call.path("user_id")?;
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    users::deactivate(&ctx, &tx, id).await?;
    tx.commit().await?;
    respond::message("User deactivated successfully")
}
