use shared::app::departments;
use shared::db::Tx;
use shared::domain::DepartmentId;
use shared::domain::permissions::DEPARTMENTS_WRITE;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "departments_delete",
    route: DELETE "/api/v1/departments/{department_id}",
    access: user[DEPARTMENTS_WRITE],
    tag: "departments",
    summary: "Delete a department (not the Inventory department, not one with ledger entries: 409)",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.message().error(
        409,
        "The Inventory department, or a department with ledger entries",
    );
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: DepartmentId = call.path("department_id")?;
    departments::delete(tx, id).await?;
    respond::message("Department deleted")
}
