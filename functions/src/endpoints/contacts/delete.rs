use shared::app::contacts;
use shared::domain::ContactId;
use shared::domain::permissions::CONTACTS_WRITE;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "contacts_delete",
    method: "DELETE",
    path: "/api/v1/contacts/{contact_id}",
    access: Access::User {
        permission: Some(CONTACTS_WRITE),
    },
    summary: "Delete a contact; 409 while it has orders",
    tag: "contacts",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.message().error(409, "The contact has orders");
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let id: ContactId = call.path("contact_id")?;
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    contacts::delete(&tx, id).await?;
    tx.commit().await?;
    respond::message("Contact deleted successfully")
}
