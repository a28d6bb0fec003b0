use serde::Deserialize;
use shared::app::addresses::{self, AddressChanges};
use shared::db::Tx;
use shared::domain::AddressId;
use shared::domain::permissions::COMPANIES_WRITE;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "addresses_update",
    route: PUT "/api/v1/addresses/{address_id}",
    access: user[COMPANIES_WRITE],
    tag: "addresses",
    summary: "Update an address (no company_id needed); fields not sent are kept; is_default true makes it the default",
}

/// A `company_id` in the body is ignored: an address never moves to another company.
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = shared::app::addresses::STREET_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    street_address: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = shared::app::addresses::CITY_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    city: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = shared::app::addresses::STATE_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    state: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(min = shared::app::addresses::ZIP_MIN, max = shared::app::addresses::ZIP_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    zip_code: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = shared::app::addresses::COUNTRY_MAX)))]
    country: Option<String>,
    #[serde(default)]
    is_default: Option<bool>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<shared::app::addresses::AddressRow>(200)
        .error(
            409,
            "Cannot unset the default address while the company has other addresses",
        );
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: AddressId = call.path("address_id")?;
    let input: Input = call.json()?;
    let changes = AddressChanges::parse(
        input.street_address.as_deref(),
        input.city.as_deref(),
        input.state.as_deref(),
        input.zip_code.as_deref(),
        input.country.as_deref(),
        input.is_default,
    )?;
    let address = addresses::update(tx, id, changes).await?;
    respond::ok(&address)
}
