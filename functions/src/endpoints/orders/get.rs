use shared::app::orders;
use shared::db::Tx;
use shared::domain::OrderId;
use shared::domain::permissions::ORDERS_READ;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "orders_get",
    route: GET "/api/v1/orders/{order_id}",
    access: user[ORDERS_READ],
    tag: "orders",
    summary: "One order with its line items (each with metal_name), contact and company",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<shared::app::orders::Order>(200);
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: OrderId = call.path("order_id")?;
    let order = orders::get(tx, id).await?;
    respond::ok(&order)
}
