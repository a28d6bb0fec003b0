use serde::Deserialize;
use shared::app::contacts::{self, NewContact};
use shared::domain::permissions::CONTACTS_WRITE;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "contacts_create",
    method: "POST",
    path: "/api/v1/contacts/",
    access: Access::User {
        permission: Some(CONTACTS_WRITE),
    },
    summary: "Create a contact of one of the tenant's companies (email unique within the company: 409)",
    tag: "contacts",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    name: String,
    company_id: i64,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
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

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let input: Input = call.json()?;
    let new = NewContact::parse(
        input.company_id,
        &input.name,
        input.email.as_deref(),
        input.phone.as_deref(),
    )?;
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let contact = contacts::create(&tx, new).await?;
    tx.commit().await?;
    respond::ok(&contact)
}
