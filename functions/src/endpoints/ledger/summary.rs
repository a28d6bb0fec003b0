use serde::Deserialize;
use shared::app::ledger;
use shared::db::Tx;
use shared::domain::DepartmentId;
use shared::domain::permissions::LEDGER_READ;
use shared::http::call::id_filter;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "ledger_summary",
    route: GET "/api/v1/department-ledger/summary",
    access: user[LEDGER_READ],
    tag: "department-ledger",
    summary: "Pieces held and sent out, and the fine weight held per metal, over every entry (archived ones too), of one department if asked",
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
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.query::<Query>()
        .response::<shared::app::ledger::Summary>(200);
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let q: Query = call.query()?;
    let department = id_filter::<DepartmentId>("department_id", q.department_id.as_deref())?;
    let summary = ledger::summary(tx, department).await?;
    respond::ok(&summary)
}
