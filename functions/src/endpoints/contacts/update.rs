use serde::Deserialize;
use shared::app::contacts::{self, ContactChanges};
use shared::domain::ContactId;
use shared::domain::permissions::CONTACTS_WRITE;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

use crate::endpoints::input::present;

pub const ENDPOINT: Endpoint = Endpoint {
    id: "contacts_update",
    method: "PUT",
    path: "/api/v1/contacts/{contact_id}",
    access: Access::User {
        permission: Some(CONTACTS_WRITE),
    },
    summary: "Update a contact: fields not sent are kept, null or blank clears email/phone",
    tag: "contacts",
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
    #[serde(default)]
    company_id: Option<i64>,
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::clearable))]
    email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::clearable))]
    phone: Option<Option<String>>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<shared::app::contacts::ContactRow>(200)
        .error(
            422,
            "Invalid input, or `company_id` is not one of the tenant's companies",
        )
        .error(
            409,
            "A contact with this email already exists for the company",
        );
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let id: ContactId = call.path("contact_id")?;
    let input: Input = call.json()?;
    let changes = ContactChanges::parse(
        input.company_id,
        input.name.as_deref(),
        input.email.as_ref().map(Option::as_deref),
        input.phone.as_ref().map(Option::as_deref),
    )?;
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let contact = contacts::update(&tx, id, changes).await?;
    tx.commit().await?;
    respond::ok(&contact)
}
