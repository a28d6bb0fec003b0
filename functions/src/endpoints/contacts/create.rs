use serde::Deserialize;
use shared::app::contacts::{self, NewContact};
use shared::db::Tx;
use shared::domain::permissions::CONTACTS_WRITE;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "contacts_create",
    route: POST "/api/v1/contacts/",
    access: user[CONTACTS_WRITE],
    tag: "contacts",
    summary: "Create a contact of one of the tenant's companies (email unique within the company: 409)",
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = shared::app::contacts::NAME_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    name: String,
    #[cfg_attr(feature = "openapi", schemars(range(min = 1)))]
    company_id: i64,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = shared::domain::Email::MAX_BYTES), email))]
    email: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = shared::app::contacts::PHONE_MAX)))]
    phone: Option<String>,
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
    let input: Input = call.json()?;
    let new = NewContact::parse(
        input.company_id,
        &input.name,
        input.email.as_deref(),
        input.phone.as_deref(),
    )?;
    let contact = contacts::create(tx, new).await?;
    respond::ok(&contact)
}
