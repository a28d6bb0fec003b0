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
    name: String,
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
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
