use serde::Deserialize;
use shared::app::ledger::{self, ListQuery};
use shared::db::Tx;
use shared::domain::permissions::LEDGER_READ;
use shared::domain::{DepartmentId, OrderId, Page};
use shared::http::call::{date_filter, id_filter, lenient_bool};
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "ledger_list",
    route: GET "/api/v1/department-ledger/",
    access: user[LEDGER_READ],
    tag: "department-ledger",
    summary: "Ledger entries, newest date first, with their order number, metal and in/out columns; filters by department, order and date range; archived ones only with include_archived=true; the whole ledger unless skip or limit is given",
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Query {
    /// Text, so that an empty `department_id=` means "no filter".
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "i64", range(min = 1), description = "Only this department's entries.")
    )]
    department_id: Option<String>,
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "i64", range(min = 1), description = "Only this order's entries.")
    )]
    order_id: Option<String>,
    /// `YYYY-MM-DD`, inclusive; empty: no bound.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::date))]
    date_from: Option<String>,
    /// `YYYY-MM-DD`, inclusive; empty: no bound.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::date))]
    date_to: Option<String>,
    /// Also the archived entries.
    #[serde(default, deserialize_with = "lenient_bool")]
    include_archived: bool,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.query::<Query>()
        .paged()
        .response::<Vec<shared::app::ledger::LedgerEntryRow>>(200);
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let q: Query = call.query()?;
    // Not paged unless asked: the ledger page shows every entry of its filter.
    let page = call.page_if_asked()?;
    let query = ListQuery {
        department: id_filter::<DepartmentId>("department_id", q.department_id.as_deref())?,
        order: id_filter::<OrderId>("order_id", q.order_id.as_deref())?,
        date_from: date_filter("date_from", q.date_from.as_deref())?,
        date_to: date_filter("date_to", q.date_to.as_deref())?,
        include_archived: q.include_archived,
        skip: page.map_or(0, Page::skip),
        limit: page.map(Page::limit),
    };
    let list = ledger::list(tx, &query).await?;
    respond::ok(&list)
}
