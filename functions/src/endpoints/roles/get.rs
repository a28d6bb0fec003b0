use shared::app::roles;
use shared::db::Tx;
use shared::domain::RoleId;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "roles_get",
    route: GET "/api/v1/roles/{role_id}",
    access: user[],
    tag: "roles",
    summary: "One of the tenant's roles with its permissions",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<shared::app::roles::RoleResponse>(200);
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: RoleId = call.path("role_id")?;
    let role = roles::get(tx, id).await?;
    respond::ok(&role)
}
