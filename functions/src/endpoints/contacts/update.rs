use serde::Deserialize;
use shared::app::contacts::{self, ContactChanges};
use shared::db::Tx;
use shared::domain::ContactId;
use shared::domain::permissions::CONTACTS_WRITE;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

use crate::endpoints::input::present;

shared::endpoint! {
    id: "contacts_update",
    route: PUT "/api/v1/contacts/{contact_id}",
    access: user[CONTACTS_WRITE],
    tag: "contacts",
    summary: "Update a contact: fields not sent are kept, null or blank clears email/phone",
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = shared::app::contacts::NAME_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    name: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(range(min = 1)))]
    company_id: Option<i64>,
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::clearable))]
    #[cfg_attr(feature = "openapi", schemars(length(max = shared::domain::Email::MAX_BYTES), email))]
    email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::clearable))]
    #[cfg_attr(feature = "openapi", schemars(length(max = shared::app::contacts::PHONE_MAX)))]
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

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: ContactId = call.path("contact_id")?;
    let input: Input = call.json()?;
    let changes = ContactChanges::parse(
        input.company_id,
        input.name.as_deref(),
        input.email.as_ref().map(Option::as_deref),
        input.phone.as_ref().map(Option::as_deref),
    )?;
    let contact = contacts::update(tx, id, changes).await?;
    respond::ok(&contact)
}
