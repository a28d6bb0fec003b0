use serde::Deserialize;
use shared::app::tenants::{self, TenantChanges};
use shared::domain::permissions::TENANT_MANAGE;
use shared::domain::tenant::Subdomain;
use shared::domain::{NonBlank, TenantId};
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "tenants_update",
    method: "PUT",
    path: "/api/v1/tenants/{tenant_id}",
    access: Access::User {
        permission: Some(TENANT_MANAGE),
    },
    summary: "Change the caller's own tenant: name, subdomain, active flag",
    tag: "tenants",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    subdomain: Option<String>,
    #[serde(default)]
    is_active: Option<bool>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<shared::app::tenants::TenantRow>(200)
        .error(404, "Not the caller's tenant (or no such tenant)")
        .error(409, "Subdomain already exists");
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let id: TenantId = call.path("tenant_id")?;
    let input: Input = call.json()?;
    let changes = TenantChanges {
        name: input
            .name
            .as_deref()
            .map(|n| NonBlank::parse("name", n, 255))
            .transpose()?,
        subdomain: input
            .subdomain
            .as_deref()
            .map(Subdomain::parse)
            .transpose()?,
        is_active: input.is_active,
    };
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let tenant = tenants::update(&tx, id, changes).await?;
    tx.commit().await?;
    respond::ok(&tenant)
}
