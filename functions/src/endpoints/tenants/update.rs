use serde::Deserialize;
use shared::app::tenants::{self, NAME_MAX, TenantChanges};
use shared::db::Tx;
use shared::domain::permissions::TENANT_MANAGE;
use shared::domain::tenant::Subdomain;
use shared::domain::{NonBlank, TenantId};
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "tenants_update",
    route: PUT "/api/v1/tenants/{tenant_id}",
    access: user[TENANT_MANAGE],
    tag: "tenants",
    summary: "Change the caller's own tenant: name, subdomain, active flag",
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = NAME_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    name: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(regex(pattern = crate::openapi::SUBDOMAIN)))]
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

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: TenantId = call.path("tenant_id")?;
    let input: Input = call.json()?;
    let changes = TenantChanges {
        name: input
            .name
            .as_deref()
            .map(|n| NonBlank::parse("name", n, NAME_MAX))
            .transpose()?,
        subdomain: input
            .subdomain
            .as_deref()
            .map(Subdomain::parse)
            .transpose()?,
        is_active: input.is_active,
    };
    let tenant = tenants::update(tx, id, changes).await?;
    respond::ok(&tenant)
}
