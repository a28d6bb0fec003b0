use shared::app::contacts;
use shared::db::Tx;
use shared::domain::ContactId;
use shared::domain::permissions::CONTACTS_READ;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "contacts_get",
    route: GET "/api/v1/contacts/{contact_id}",
    access: user[CONTACTS_READ],
    tag: "contacts",
    summary: "One contact with its company",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<shared::app::contacts::ContactRow>(200);
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: ContactId = call.path("contact_id")?;
    let contact = contacts::get(tx, id).await?;
    respond::ok(&contact)
}
