use shared::app::roles;
use shared::db::Tx;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "roles_permissions",
    route: GET "/api/v1/roles/permissions",
    access: user[],
    tag: "roles",
    summary: "The global permission catalogue (resource:action)",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<Vec<shared::app::roles::PermissionRow>>(200);
}

async fn handle(_ctx: &Ctx, _call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let list = roles::permissions(tx).await?;
    respond::ok(&list)
}
