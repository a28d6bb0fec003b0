use serde::Deserialize;
use shared::app::addresses::{self, NewAddress};
use shared::domain::CompanyId;
use shared::domain::permissions::COMPANIES_WRITE;
use shared::http::call::lenient_bool;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "addresses_create",
    method: "POST",
    path: "/api/v1/companies/{company_id}/addresses",
    access: Access::User {
        permission: Some(COMPANIES_WRITE),
    },
    summary: "Add an address to the company (the path's company wins over a body company_id); the first address, is_default or ?set_as_default=true makes it the default",
    tag: "addresses",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

/// `company_id` (which the app sends) is accepted and ignored: the path names the company.
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    street_address: String,
    city: String,
    state: String,
    zip_code: String,
    #[serde(default)]
    country: Option<String>,
    #[serde(default)]
    is_default: Option<bool>,
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Query {
    /// Make the new address the company's default (as `is_default` does).
    #[serde(default, deserialize_with = "lenient_bool")]
    set_as_default: bool,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .query::<Query>()
        .response::<shared::app::addresses::AddressRow>(200)
        .error(404, "No such company in the caller's tenant");
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let company: CompanyId = call.path("company_id")?;
    let q: Query = call.query()?;
    let input: Input = call.json()?;
    let new = NewAddress::parse(
        &input.street_address,
        &input.city,
        &input.state,
        &input.zip_code,
        input.country.as_deref(),
        input.is_default.unwrap_or(false),
    )?;
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let address = addresses::create(&tx, company, new, q.set_as_default).await?;
    tx.commit().await?;
    respond::ok(&address)
}
