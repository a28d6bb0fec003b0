use serde::Deserialize;
use shared::app::companies::{self, NewCompany};
use shared::db::Tx;
use shared::domain::permissions::COMPANIES_WRITE;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "companies_create",
    route: POST "/api/v1/companies-v2/",
    access: user[COMPANIES_WRITE],
    tag: "companies",
    summary: "Create a company (the name is unique in the tenant: 409)",
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = companies::NAME_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    name: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = companies::ADDRESS_MAX)))]
    address: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = companies::PHONE_MAX)))]
    phone: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = shared::domain::Email::MAX_BYTES), email))]
    email: Option<String>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<shared::app::companies::CompanyView>(200)
        .error(409, "A company with this name already exists");
}

/// Also serves the legacy alias `POST /api/v1/companies/`.
pub(crate) async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let input: Input = call.json()?;
    let new = NewCompany::parse(
        &input.name,
        input.address.as_deref(),
        input.phone.as_deref(),
        input.email.as_deref(),
    )?;
    let company = companies::create(tx, new).await?;
    respond::ok(&company)
}
