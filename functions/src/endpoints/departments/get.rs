use shared::app::departments;
use shared::domain::DepartmentId;
use shared::domain::permissions::DEPARTMENTS_READ;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "departments_get",
    method: "GET",
    path: "/api/v1/departments/{department_id}",
    access: Access::User {
        permission: Some(DEPARTMENTS_READ),
    },
    summary: "One department with its metal balances",
    tag: "departments",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<shared::app::departments::DepartmentWithBalances>(200);
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let id: DepartmentId = call.path("department_id")?;
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let department = departments::get(&tx, id).await?;
    tx.commit().await?;
    respond::ok(&department)
}
