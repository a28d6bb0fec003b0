use shared::app::contacts;
use shared::db::Tx;
use shared::domain::ContactId;
use shared::domain::permissions::{CONTACTS_READ, ORDERS_READ};
use shared::http::{Call, Reply};

use crate::endpoints::shared_answers::orders_of;
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "contacts_orders",
    route: GET "/api/v1/contacts/{contact_id}/orders",
    access: user[CONTACTS_READ, ORDERS_READ],
    tag: "contacts",
    summary: "The contact's orders, newest first, without line items; order_date = created_at, price = order total (needs orders:read too)",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.paged()
        .response::<Vec<shared::app::companies::OrderSummary>>(200);
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    orders_of(call, "contact_id", |id: ContactId, page| {
        contacts::orders(tx, id, page)
    })
    .await
}
