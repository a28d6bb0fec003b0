use serde::Deserialize;
use shared::app::addresses::{self, NewAddress};
use shared::db::Tx;
use shared::domain::CompanyId;
use shared::domain::permissions::COMPANIES_WRITE;
use shared::http::call::lenient_bool;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "addresses_create",
    route: POST "/api/v1/companies/{company_id}/addresses",
    access: user[COMPANIES_WRITE],
    tag: "addresses",
    summary: "Add an address to the company (the path's company wins over a body company_id); the first address, is_default or ?set_as_default=true makes it the default",
}

/// `company_id` (which the app sends) is accepted and ignored: the path names the company.
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = shared::app::addresses::STREET_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    street_address: String,
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = shared::app::addresses::CITY_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    city: String,
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = shared::app::addresses::STATE_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    state: String,
    #[cfg_attr(feature = "openapi", schemars(length(min = shared::app::addresses::ZIP_MIN, max = shared::app::addresses::ZIP_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    zip_code: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = shared::app::addresses::COUNTRY_MAX)))]
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

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
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
    let address = addresses::create(tx, company, new, q.set_as_default).await?;
    respond::ok(&address)
}
