use serde::Deserialize;
use shared::app::companies;
use shared::db::Tx;
use shared::domain::permissions::COMPANIES_READ;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "companies_list",
    route: GET "/api/v1/companies-v2/",
    access: user[COMPANIES_READ],
    tag: "companies",
    summary: "Companies by name (search: case-insensitive substring), each with its contacts and total_balance",
}

/// `include_balance` of the old API is accepted and ignored: the balance is always included.
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Query {
    /// Only companies whose name contains this text (case-insensitive).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(with = "String"))]
    search: Option<String>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.query::<Query>()
        .paged()
        .response::<Vec<shared::app::companies::CompanyView>>(200);
}

/// Also serves the legacy alias `GET /api/v1/companies/`.
pub(crate) async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let q: Query = call.query()?;
    let page = call.page()?;
    let list = companies::list(tx, q.search.as_deref(), page).await?;
    respond::ok(&list)
}
