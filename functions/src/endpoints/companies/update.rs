use serde::Deserialize;
use shared::app::companies::{self, CompanyChanges};
use shared::domain::CompanyId;
use shared::domain::permissions::COMPANIES_WRITE;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

use crate::endpoints::input::present;

pub const ENDPOINT: Endpoint = Endpoint {
    id: "companies_update",
    method: "PUT",
    path: "/api/v1/companies-v2/{company_id}",
    access: Access::User {
        permission: Some(COMPANIES_WRITE),
    },
    summary: "Update a company: fields not sent are kept, null or blank clears address/phone/email",
    tag: "companies",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    #[serde(default)]
    name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::clearable))]
    address: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::clearable))]
    phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::clearable))]
    email: Option<Option<String>>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<shared::app::companies::CompanyView>(200)
        .error(409, "A company with this name already exists");
}

/// Also serves the legacy alias `PUT /api/v1/companies/{company_id}`.
pub(crate) async fn handle(
    ctx: Ctx,
    call: Call,
) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let id: CompanyId = call.path("company_id")?;
    let input: Input = call.json()?;
    let changes = CompanyChanges::parse(
        input.name.as_deref(),
        input.address.as_ref().map(Option::as_deref),
        input.phone.as_ref().map(Option::as_deref),
        input.email.as_ref().map(Option::as_deref),
    )?;
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let company = companies::update(&tx, id, changes).await?;
    tx.commit().await?;
    respond::ok(&company)
}
