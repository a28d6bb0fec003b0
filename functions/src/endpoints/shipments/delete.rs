use shared::app::shipments;
use shared::db::Tx;
use shared::domain::ShipmentId;
use shared::domain::permissions::SHIPMENTS_WRITE;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "shipments_delete",
    route: DELETE "/api/v1/shipments/{shipment_id}",
    access: user[SHIPMENTS_WRITE],
    tag: "shipments",
    summary: "Delete a shipment",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.message();
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: ShipmentId = call.path("shipment_id")?;
    shipments::delete(tx, id).await?;
    respond::message("Shipment deleted successfully")
}
