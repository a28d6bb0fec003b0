use serde::Deserialize;
use shared::app::addresses;
use shared::db::Tx;
use shared::domain::permissions::COMPANIES_READ;
use shared::domain::{CompanyId, Page};
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "addresses_list",
    route: GET "/api/v1/companies/{company_id}/addresses",
    access: user[COMPANIES_READ],
    tag: "addresses",
    summary: "The company's addresses, the default first",
}

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
        .response::<Vec<shared::app::addresses::AddressRow>>(200)
        .error(404, "No such company in the caller's tenant");
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let company: CompanyId = call.path("company_id")?;
    let q: Query = call.query()?;
    let page = Page::parse(q.skip, q.limit)?;
    let list = addresses::list(tx, company, page).await?;
    respond::ok(&list)
}
