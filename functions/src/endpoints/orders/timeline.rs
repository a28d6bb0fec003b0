use shared::app::orders;
use shared::db::Tx;
use shared::domain::OrderId;
use shared::domain::permissions::ORDERS_READ;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "orders_timeline",
    route: GET "/api/v1/orders/{order_id}/timeline",
    access: user[ORDERS_READ],
    tag: "orders",
    summary: "The order's production steps from its non-archived ledger entries: per department pending (OUT only), in_progress (IN only), completed (IN and OUT)",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<shared::app::orders::Timeline>(200);
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: OrderId = call.path("order_id")?;
    let timeline = orders::timeline(tx, id).await?;
    respond::ok(&timeline)
}
