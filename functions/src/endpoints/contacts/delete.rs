use shared::app::contacts;
use shared::db::Tx;
use shared::domain::ContactId;
use shared::domain::permissions::CONTACTS_WRITE;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "contacts_delete",
    route: DELETE "/api/v1/contacts/{contact_id}",
    access: user[CONTACTS_WRITE],
    tag: "contacts",
    summary: "Delete a contact; 409 while it has orders",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.message().error(409, "The contact has orders");
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: ContactId = call.path("contact_id")?;
    contacts::delete(tx, id).await?;
    respond::message("Contact deleted successfully")
}
