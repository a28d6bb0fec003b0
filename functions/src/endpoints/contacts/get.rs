use shared::app::contacts;
use shared::domain::ContactId;
use shared::domain::permissions::CONTACTS_READ;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "contacts_get",
    method: "GET",
    path: "/api/v1/contacts/{contact_id}",
    access: Access::User {
        permission: Some(CONTACTS_READ),
    },
    summary: "One contact with its company",
    tag: "contacts",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<shared::app::contacts::ContactRow>(200);
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let id: ContactId = call.path("contact_id")?;
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let contact = contacts::get(&tx, id).await?;
    tx.commit().await?;
    respond::ok(&contact)
}
