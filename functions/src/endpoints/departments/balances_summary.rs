use shared::app::departments;
use shared::domain::permissions::DEPARTMENTS_READ;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "departments_balances_summary",
    method: "GET",
    path: "/api/v1/departments/balances/summary",
    access: Access::User {
        permission: Some(DEPARTMENTS_READ),
    },
    summary: "Active departments with their metal balances",
    tag: "departments",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<Vec<shared::app::departments::DepartmentWithBalances>>(200);
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let summary = departments::balances_summary(&tx).await?;
    tx.commit().await?;
    respond::ok(&summary)
}
