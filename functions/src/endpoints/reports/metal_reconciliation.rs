use serde::Deserialize;
use shared::app::reconciliation;
use shared::db::Tx;
use shared::domain::MetalId;
use shared::domain::permissions::REPORTS_READ;
use shared::http::call::id_filter;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

use super::format::wants_csv;

shared::endpoint! {
    id: "reports_metal_reconciliation",
    route: GET "/api/v1/reports/metal-reconciliation",
    access: user[REPORTS_READ],
    tag: "reports",
    summary: "Where every fine gram of each metal is, as of now: purchased and deposited into the safe, issued to the floor, in the safe, in departments, lost, shipped, and the difference the records leave unexplained; as JSON, or CSV with format=csv or Accept: text/csv",
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Query {
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "i64", range(min = 1), description = "Only this metal.")
    )]
    metal_id: Option<String>,
    /// `json` (default) or `csv`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::report_format))]
    format: Option<String>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.query::<Query>()
        .response::<reconciliation::ReconciliationReport>(200)
        // With format=csv or Accept: text/csv: a header row and one line per group.
        .content(200, "text/csv", "The same report as CSV");
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let q: Query = call.query()?;
    let csv = wants_csv(call, q.format.as_deref())?;
    let metal = id_filter::<MetalId>("metal_id", q.metal_id.as_deref())?;
    let report = reconciliation::metal_reconciliation(tx, metal).await?;
    if csv {
        respond::raw(200, "text/csv; charset=utf-8", report.to_csv().into_bytes())
    } else {
        respond::ok(&report)
    }
}
