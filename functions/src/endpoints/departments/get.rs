use shared::app::departments;
use shared::db::Tx;
use shared::domain::DepartmentId;
use shared::domain::permissions::DEPARTMENTS_READ;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "departments_get",
    route: GET "/api/v1/departments/{department_id}",
    access: user[DEPARTMENTS_READ],
    tag: "departments",
    summary: "One department with its metal balances",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<shared::app::departments::DepartmentWithBalances>(200);
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: DepartmentId = call.path("department_id")?;
    let department = departments::get(tx, id).await?;
    respond::ok(&department)
}
