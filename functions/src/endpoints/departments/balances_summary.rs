use shared::app::departments;
use shared::db::Tx;
use shared::domain::permissions::DEPARTMENTS_READ;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "departments_balances_summary",
    route: GET "/api/v1/departments/balances/summary",
    access: user[DEPARTMENTS_READ],
    tag: "departments",
    summary: "Active departments with their metal balances",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<Vec<shared::app::departments::DepartmentWithBalances>>(200);
}

async fn handle(_ctx: &Ctx, _call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let summary = departments::balances_summary(tx).await?;
    respond::ok(&summary)
}
