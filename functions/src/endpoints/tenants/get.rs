use shared::app::tenants;
use shared::domain::TenantId;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "tenants_get",
    method: "GET",
    path: "/api/v1/tenants/{tenant_id}",
    access: Access::User { permission: None },
    summary: "The caller's own tenant (any other id is not found)",
    tag: "tenants",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<shared::app::tenants::TenantRow>(200)
        .error(404, "Not the caller's tenant (or no such tenant)");
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let id: TenantId = call.path("tenant_id")?;
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let tenant = tenants::get(&tx, id).await?;
    tx.commit().await?;
    respond::ok(&tenant)
}
