use serde::Deserialize;
use shared::app::companies;
use shared::db::Tx;
use shared::domain::CompanyId;
use shared::domain::permissions::COMPANIES_READ;
use shared::http::call::lenient_bool;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "companies_get",
    route: GET "/api/v1/companies-v2/{company_id}",
    access: user[COMPANIES_READ],
    tag: "companies",
    summary: "One company; include_contacts (default false) adds its contacts, include_balance (default true) its total_balance",
}

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
pub(crate) async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: CompanyId = call.path("company_id")?;
    let q: Query = call.query()?;
    let company = companies::get(tx, id, q.include_contacts, q.include_balance).await?;
    respond::ok(&company)
}
