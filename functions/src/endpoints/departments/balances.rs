use shared::app::departments;
use shared::db::Tx;
use shared::domain::DepartmentId;
use shared::domain::permissions::DEPARTMENTS_READ;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "departments_balances",
    route: GET "/api/v1/departments/{department_id}/balances",
    access: user[DEPARTMENTS_READ],
    tag: "departments",
    summary: "A department's metal balances (gross grams), by metal name",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<Vec<shared::app::departments::BalanceRow>>(200);
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: DepartmentId = call.path("department_id")?;
    let balances = departments::balances(tx, id).await?;
    respond::ok(&balances)
}
