use shared::app::roles;
use shared::db::Tx;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "roles_list",
    route: GET "/api/v1/roles/",
    access: user[],
    tag: "roles",
    summary: "The tenant's roles with their permissions",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<Vec<shared::app::roles::RoleResponse>>(200);
}

async fn handle(_ctx: &Ctx, _call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let list = roles::list(tx).await?;
    respond::ok(&list)
}
