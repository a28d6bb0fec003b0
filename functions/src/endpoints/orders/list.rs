use shared::app::orders;
use shared::db::Tx;
use shared::domain::permissions::ORDERS_READ;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "orders_list",
    route: GET "/api/v1/orders/",
    access: user[ORDERS_READ],
    tag: "orders",
    summary: "The tenant's orders, newest first, each with its line items, contact and company; price = order total",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.paged().response::<Vec<shared::app::orders::Order>>(200);
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let page = call.page()?;
    let list = orders::list(tx, page).await?;
    respond::ok(&list)
}
