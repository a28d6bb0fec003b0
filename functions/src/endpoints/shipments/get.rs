use shared::app::shipments;
use shared::db::Tx;
use shared::domain::ShipmentId;
use shared::domain::permissions::SHIPMENTS_READ;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "shipments_get",
    route: GET "/api/v1/shipments/{shipment_id}",
    access: user[SHIPMENTS_READ],
    tag: "shipments",
    summary: "One shipment with its order_number",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<shared::app::shipments::ShipmentRow>(200);
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: ShipmentId = call.path("shipment_id")?;
    let shipment = shipments::get(tx, id).await?;
    respond::ok(&shipment)
}
