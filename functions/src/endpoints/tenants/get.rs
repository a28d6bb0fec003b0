use shared::app::tenants;
use shared::db::Tx;
use shared::domain::TenantId;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "tenants_get",
    route: GET "/api/v1/tenants/{tenant_id}",
    access: user[],
    tag: "tenants",
    summary: "The caller's own tenant (any other id is not found)",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<shared::app::tenants::TenantRow>(200)
        .error(404, "Not the caller's tenant (or no such tenant)");
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: TenantId = call.path("tenant_id")?;
    let tenant = tenants::get(tx, id).await?;
    respond::ok(&tenant)
}
