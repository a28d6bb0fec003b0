use serde::Deserialize;
use shared::app::companies;
use shared::domain::CompanyId;
use shared::domain::permissions::COMPANIES_READ;
use shared::http::call::lenient_bool;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "companies_get",
    method: "GET",
    path: "/api/v1/companies-v2/{company_id}",
    access: Access::User {
        permission: Some(COMPANIES_READ),
    },
    summary: "One company; include_contacts (default false) adds its contacts, include_balance (default true) its total_balance",
    tag: "companies",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Query {
    /// Fill `contacts` (otherwise null).
    #[serde(default, deserialize_with = "lenient_bool")]
    include_contacts: bool,
    /// Fill `total_balance` (otherwise null).
    #[serde(default = "yes", deserialize_with = "lenient_bool")]
    include_balance: bool,
}

fn yes() -> bool {
    true
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.query::<Query>()
        .response::<shared::app::companies::CompanyView>(200);
}

/// Also serves the legacy alias `GET /api/v1/companies/{company_id}`.
pub(crate) async fn handle(
    ctx: Ctx,
    call: Call,
) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let id: CompanyId = call.path("company_id")?;
    let q: Query = call.query()?;
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let company = companies::get(&tx, id, q.include_contacts, q.include_balance).await?;
    tx.commit().await?;
    respond::ok(&company)
}
