use serde::Deserialize;
use shared::app::supplies;
use shared::db::Tx;
use shared::domain::page::Page;
use shared::domain::permissions::SUPPLIES_READ;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "supplies_list",
    route: GET "/api/v1/supplies/",
    access: user[SUPPLIES_READ],
    tag: "supplies",
    summary: "Supplies in creation order (skip/limit)",
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
        .response::<Vec<shared::app::supplies::SupplyRow>>(200);
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let q: Query = call.query()?;
    let page = Page::parse(q.skip, q.limit)?;
    let list = supplies::list(tx, page).await?;
    respond::ok(&list)
}
