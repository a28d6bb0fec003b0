use shared::app::users;
use shared::db::Tx;
use shared::domain::permissions::USERS_MANAGE;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "users_list",
    route: GET "/api/v1/users/",
    access: user[USERS_MANAGE],
    tag: "users",
    summary: "The users of the caller's tenant, role as its name",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<Vec<shared::app::users::UserRow>>(200);
}

async fn handle(_ctx: &Ctx, _call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let list = users::list(tx).await?;
    respond::ok(&list)
}
