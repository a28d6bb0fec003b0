use shared::app::companies;
use shared::domain::CompanyId;
use shared::domain::permissions::COMPANIES_WRITE;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "companies_delete",
    method: "DELETE",
    path: "/api/v1/companies-v2/{company_id}",
    access: Access::User {
        permission: Some(COMPANIES_WRITE),
    },
    summary: "Delete a company and its addresses; 409 while contacts, orders or metal records refer to it",
    tag: "companies",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.message().error(
        409,
        "Contacts, orders, metal balances or metal transactions still refer to the company",
    );
}

/// Also serves the legacy alias `DELETE /api/v1/companies/{company_id}`.
pub(crate) async fn handle(
    ctx: Ctx,
    call: Call,
) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let id: CompanyId = call.path("company_id")?;
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    companies::delete(&tx, id).await?;
    tx.commit().await?;
    respond::message("Company deleted successfully")
}
