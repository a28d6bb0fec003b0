use serde::Deserialize;
use shared::app::companies;
use shared::db::Tx;
use shared::domain::Page;
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
    /// How many rows to skip (default 0).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(with = "i64", range(min = 0), extend("default" = 0)))]
    skip: Option<i64>,
    /// How many rows to return, 1 to 1000 (default 100).
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "i64", range(min = 1, max = 1000), extend("default" = 100))
    )]
    limit: Option<i64>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.query::<Query>()
        .response::<Vec<shared::app::companies::CompanyView>>(200);
}

/// Also serves the legacy alias `GET /api/v1/companies/`.
pub(crate) async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let q: Query = call.query()?;
    let page = Page::parse(q.skip, q.limit)?;
    let list = companies::list(tx, q.search.as_deref(), page).await?;
    respond::ok(&list)
}
