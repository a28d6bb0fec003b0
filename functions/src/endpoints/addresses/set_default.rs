use serde::Deserialize;
use shared::app::addresses;
use shared::db::Tx;
use shared::domain::permissions::COMPANIES_WRITE;
use shared::domain::{AddressId, CompanyId};
use shared::error::FieldError;
use shared::http::{Call, Reply, respond};
use shared::{ApiError, ApiResult, Ctx};

shared::endpoint! {
    id: "addresses_set_default",
    route: POST "/api/v1/addresses/{address_id}/set-default",
    access: user[COMPANIES_WRITE],
    tag: "addresses",
    summary: "Make the address its company's default; ?company_id= must be the address's company (400)",
}

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

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: AddressId = call.path("address_id")?;
    let q: Query = call.query()?;
    let company = CompanyId::new(q.company_id).ok_or_else(|| {
        ApiError::Validation(vec![FieldError::new(
            &["query", "company_id"],
            "must be a positive integer",
            "value_error",
        )])
    })?;
    let address = addresses::set_default(tx, id, company).await?;
    respond::ok(&address)
}
