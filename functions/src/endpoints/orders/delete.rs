use shared::app::orders;
use shared::db::Tx;
use shared::domain::OrderId;
use shared::domain::permissions::ORDERS_WRITE;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "orders_delete",
    route: DELETE "/api/v1/orders/{order_id}",
    access: user[ORDERS_WRITE],
    tag: "orders",
    summary: "Delete an order and its line items; 409 while ledger entries, metal transactions or shipments refer to it",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.message().error(
        409,
        "Ledger entries, metal transactions or shipments refer to the order",
    );
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: OrderId = call.path("order_id")?;
    orders::delete(tx, id).await?;
    respond::message("Order deleted successfully")
}
