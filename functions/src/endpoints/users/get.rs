use shared::app::users;
use shared::db::Tx;
use shared::domain::UserId;
use shared::domain::permissions::USERS_MANAGE;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "users_get",
    route: GET "/api/v1/users/{user_id}",
    access: user[USERS_MANAGE],
    tag: "users",
    summary: "One user of the caller's tenant",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<shared::app::users::UserRow>(200);
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: UserId = call.path("user_id")?;
    let user = users::get(tx, id).await?;
    respond::ok(&user)
}
