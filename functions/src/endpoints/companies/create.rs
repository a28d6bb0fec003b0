use serde::Deserialize;
use shared::app::companies::{self, NewCompany};
use shared::domain::permissions::COMPANIES_WRITE;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "companies_create",
    method: "POST",
    path: "/api/v1/companies-v2/",
    access: Access::User {
        permission: Some(COMPANIES_WRITE),
    },
    summary: "Create a company (the name is unique in the tenant: 409)",
    tag: "companies",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

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
pub(crate) async fn handle(
    ctx: Ctx,
    call: Call,
) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let input: Input = call.json()?;
    let new = NewCompany::parse(
        &input.name,
        input.address.as_deref(),
        input.phone.as_deref(),
        input.email.as_deref(),
    )?;
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let company = companies::create(&tx, new).await?;
    tx.commit().await?;
    respond::ok(&company)
}
