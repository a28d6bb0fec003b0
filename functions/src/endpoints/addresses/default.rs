use shared::app::addresses;
use shared::domain::CompanyId;
use shared::domain::permissions::COMPANIES_READ;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "addresses_default",
    method: "GET",
    path: "/api/v1/companies/{company_id}/addresses/default",
    access: Access::User {
        permission: Some(COMPANIES_READ),
    },
    summary: "The company's default address, or null",
    tag: "addresses",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<Option<shared::app::addresses::AddressRow>>(200)
        .error(404, "No such company in the caller's tenant");
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let company: CompanyId = call.path("company_id")?;
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let address = addresses::default_of(&tx, company).await?;
    tx.commit().await?;
    respond::ok(&address)
}
