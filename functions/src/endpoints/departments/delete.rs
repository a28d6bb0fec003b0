use shared::app::departments;
use shared::domain::DepartmentId;
use shared::domain::permissions::DEPARTMENTS_WRITE;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "departments_delete",
    method: "DELETE",
    path: "/api/v1/departments/{department_id}",
    access: Access::User {
        permission: Some(DEPARTMENTS_WRITE),
    },
    summary: "Delete a department (not the Inventory department, not one with ledger entries: 409)",
    tag: "departments",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.message().error(
        409,
        "The Inventory department, or a department with ledger entries",
    );
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let id: DepartmentId = call.path("department_id")?;
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    departments::delete(&tx, id).await?;
    tx.commit().await?;
    respond::message("Department deleted")
}
