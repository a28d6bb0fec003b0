use serde::Deserialize;
use shared::app::addresses::{self, AddressChanges};
use shared::domain::AddressId;
use shared::domain::permissions::COMPANIES_WRITE;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "addresses_update",
    method: "PUT",
    path: "/api/v1/addresses/{address_id}",
    access: Access::User {
        permission: Some(COMPANIES_WRITE),
    },
    summary: "Update an address (no company_id needed); fields not sent are kept; is_default true makes it the default",
    tag: "addresses",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

/// A `company_id` in the body is ignored: an address never moves to another company.
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    #[serde(default)]
    street_address: Option<String>,
    #[serde(default)]
    city: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    zip_code: Option<String>,
    #[serde(default)]
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

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
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
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let address = addresses::update(&tx, id, changes).await?;
    tx.commit().await?;
    respond::ok(&address)
}
