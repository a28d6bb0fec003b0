use shared::app::auth;
use shared::db::Tx;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "auth_me",
    route: GET "/api/v1/auth/me",
    access: user[],
    tag: "auth",
    summary: "The current user, with the role as its name",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<auth::UserRow>(200);
}

async fn handle(_ctx: &Ctx, _call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let me = auth::me(tx).await?;
    respond::ok(&me)
}
