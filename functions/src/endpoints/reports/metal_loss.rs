use serde::Deserialize;
use shared::app::reports::{self, LossQuery};
use shared::db::Tx;
use shared::domain::loss::GroupBy;
use shared::domain::permissions::REPORTS_READ;
use shared::domain::{DepartmentId, MetalId, OrderId};
use shared::http::call::{date_filter, id_filter, lenient_bool};
use shared::http::{Call, Reply, respond};

use super::format::wants_csv;
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "reports_metal_loss",
    route: GET "/api/v1/reports/metal-loss",
    access: user[REPORTS_READ],
    tag: "reports",
    summary: "Metal loss per department, order, metal, day or month (combinable): pieces and gross grams in and out, loss and its percent, fine grams lost and their value, work in progress, tolerance flags; as JSON, or CSV with format=csv or Accept: text/csv",
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Query {
    /// Comma-separated, in the order wanted: `department`, `order`, `metal`, `day`, `month`
    /// (day with month groups by day, labelled with both; a repeat counts once). Default
    /// `department`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::group_by))]
    group_by: Option<String>,
    /// `YYYY-MM-DD`, inclusive: units whose day (their latest OUT entry's date, or latest entry's
    /// while nothing went out) is on or after it.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::date))]
    date_from: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::date))]
    date_to: Option<String>,
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "i64", range(min = 1), description = "Only this department.")
    )]
    department_id: Option<String>,
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "i64", range(min = 1), description = "Only this order.")
    )]
    order_id: Option<String>,
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "i64", range(min = 1), description = "Only this metal.")
    )]
    metal_id: Option<String>,
    /// Also the archived ledger entries.
    #[serde(default, deserialize_with = "lenient_bool")]
    include_archived: bool,
    /// `json` (default) or `csv`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::report_format))]
    format: Option<String>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.query::<Query>()
        .response::<shared::app::reports::LossReport>(200)
        // With format=csv or Accept: text/csv: a header row and one line per group.
        .content(200, "text/csv", "The same report as CSV");
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let q: Query = call.query()?;
    let csv = wants_csv(call, q.format.as_deref())?;
    let query = LossQuery {
        group_by: GroupBy::parse_list("group_by", q.group_by.as_deref())?,
        date_from: date_filter("date_from", q.date_from.as_deref())?,
        date_to: date_filter("date_to", q.date_to.as_deref())?,
        department: id_filter::<DepartmentId>("department_id", q.department_id.as_deref())?,
        order: id_filter::<OrderId>("order_id", q.order_id.as_deref())?,
        metal: id_filter::<MetalId>("metal_id", q.metal_id.as_deref())?,
        include_archived: q.include_archived,
    };
    let report = reports::metal_loss(tx, &query).await?;
    if csv {
        respond::raw(200, "text/csv; charset=utf-8", report.to_csv().into_bytes())
    } else {
        respond::ok(&report)
    }
}
