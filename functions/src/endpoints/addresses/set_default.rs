use serde::Deserialize;
use shared::app::addresses;
use shared::domain::permissions::COMPANIES_WRITE;
use shared::domain::{AddressId, CompanyId};
use shared::error::FieldError;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiError, ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "addresses_set_default",
    method: "POST",
    path: "/api/v1/addresses/{address_id}/set-default",
    access: Access::User {
        permission: Some(COMPANIES_WRITE),
    },
    summary: "Make the address its company's default; ?company_id= must be the address's company (400)",
    tag: "addresses",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Query {
    /// The address's own company.
    #[cfg_attr(feature = "openapi", schemars(range(min = 1)))]
    company_id: i64,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.query::<Query>()
        .response::<shared::app::addresses::AddressRow>(200)
        .error(400, "The address does not belong to `company_id`");
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let id: AddressId = call.path("address_id")?;
    let q: Query = call.query()?;
    let company = CompanyId::new(q.company_id).ok_or_else(|| {
        ApiError::Validation(vec![FieldError::new(
            &["query", "company_id"],
            "must be a positive integer",
            "value_error",
        )])
    })?;
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let address = addresses::set_default(&tx, id, company).await?;
    tx.commit().await?;
    respond::ok(&address)
}
