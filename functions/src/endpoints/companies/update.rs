use serde::Deserialize;
use shared::app::companies::{self, CompanyChanges};
use shared::db::Tx;
use shared::domain::CompanyId;
use shared::domain::permissions::COMPANIES_WRITE;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

use crate::endpoints::input::present;

shared::endpoint! {
    id: "companies_update",
    route: PUT "/api/v1/companies-v2/{company_id}",
    access: user[COMPANIES_WRITE],
    tag: "companies",
    summary: "Update a company: fields not sent are kept, null or blank clears address/phone/email",
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = shared::app::companies::NAME_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::clearable))]
    #[cfg_attr(feature = "openapi", schemars(length(max = shared::app::companies::ADDRESS_MAX)))]
    address: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::clearable))]
    #[cfg_attr(feature = "openapi", schemars(length(max = shared::app::companies::PHONE_MAX)))]
    phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::clearable))]
    #[cfg_attr(feature = "openapi", schemars(length(max = shared::domain::Email::MAX_BYTES), email))]
    email: Option<Option<String>>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<shared::app::companies::CompanyView>(200)
        .error(409, "A company with this name already exists");
}

/// Also serves the legacy alias `PUT /api/v1/companies/{company_id}`.
pub(crate) async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: CompanyId = call.path("company_id")?;
    let input: Input = call.json()?;
    let changes = CompanyChanges::parse(
        input.name.as_deref(),
        input.address.as_ref().map(Option::as_deref),
        input.phone.as_ref().map(Option::as_deref),
        input.email.as_ref().map(Option::as_deref),
    )?;
    let company = companies::update(tx, id, changes).await?;
    respond::ok(&company)
}
