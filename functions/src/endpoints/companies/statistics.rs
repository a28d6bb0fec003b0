use shared::app::companies;
use shared::domain::CompanyId;
use shared::domain::permissions::COMPANIES_READ;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "companies_statistics",
    method: "GET",
    path: "/api/v1/companies-v2/{company_id}/statistics",
    access: Access::User {
        permission: Some(COMPANIES_READ),
    },
    summary: "{company_id, total_balance, contact_count, order_count, average_order_value}",
    tag: "companies",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<shared::app::companies::CompanyStatistics>(200);
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let id: CompanyId = call.path("company_id")?;
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let stats = companies::statistics(&tx, id).await?;
    tx.commit().await?;
    respond::ok(&stats)
}
