use serde::Deserialize;
use shared::app::companies;
use shared::db::Tx;
use shared::domain::permissions::{COMPANIES_READ, ORDERS_READ};
use shared::domain::{CompanyId, Page};
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "companies_orders",
    route: GET "/api/v1/companies-v2/{company_id}/orders",
    access: user[COMPANIES_READ, ORDERS_READ],
    tag: "companies",
    summary: "The company's orders, newest first, without line items; price is the order total (needs orders:read too)",
}

/// `group_by_contact` of the old API is accepted and ignored.
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Query {
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
        .response::<Vec<shared::app::companies::OrderSummary>>(200)
        .error(
            403,
            "The caller's role lacks the required permission or `orders:read`",
        );
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: CompanyId = call.path("company_id")?;
    let q: Query = call.query()?;
    let page = Page::parse(q.skip, q.limit)?;
    let orders = companies::orders(tx, id, page).await?;
    respond::ok(&orders)
}
