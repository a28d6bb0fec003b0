use serde::Deserialize;
use shared::app::shipments::{self, ShipmentChanges};
use shared::db::Tx;
use shared::domain::ShipmentId;
use shared::domain::amount::{Grams, Money};
use shared::domain::permissions::SHIPMENTS_WRITE;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

use crate::endpoints::input::present;

shared::endpoint! {
    id: "shipments_update",
    route: PUT "/api/v1/shipments/{shipment_id}",
    access: user[SHIPMENTS_WRITE],
    tag: "shipments",
    summary: "Update a shipment; fields not sent are kept, null or blank clears the optional ones; SHIPPED sets shipped_at, DELIVERED delivered_at",
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    /// One of the tenant's orders.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(range(min = 1)))]
    order_id: Option<i64>,
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::clearable))]
    #[cfg_attr(feature = "openapi", schemars(length(max = shared::app::shipments::TEXT_MAX)))]
    tracking_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::clearable))]
    #[cfg_attr(feature = "openapi", schemars(length(max = shared::app::shipments::TEXT_MAX)))]
    carrier: Option<Option<String>>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = shared::app::shipments::ADDRESS_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    shipping_address: Option<String>,
    /// One of PREPARING, SHIPPED, IN_TRANSIT, DELIVERED, RETURNED.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::shipment_status))]
    status: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::clearable))]
    #[cfg_attr(feature = "openapi", schemars(range(min = 0)))]
    shipping_cost: Option<Option<Money>>,
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::clearable))]
    #[cfg_attr(feature = "openapi", schemars(length(max = shared::app::shipments::NOTES_MAX)))]
    notes: Option<Option<String>>,
    /// The metal of the shipped pieces (needs a weight, sent or kept).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(range(min = 1)))]
    metal_id: Option<i64>,
    /// Gross grams of metal shipped; null clears it and the metal.
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::clearable))]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::positive))]
    weight: Option<Option<Grams>>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<shared::app::shipments::ShipmentRow>(200)
        .error(422, "Invalid input, `order_id` or `metal_id` is not the tenant's, or a metal without a weight")
        .error(409, "Another shipment has this tracking number");
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: ShipmentId = call.path("shipment_id")?;
    let input: Input = call.json()?;
    let changes = ShipmentChanges::parse(
        input.order_id,
        input.tracking_number.as_ref().map(Option::as_deref),
        input.carrier.as_ref().map(Option::as_deref),
        input.shipping_address.as_deref(),
        input.status.as_deref(),
        input.shipping_cost,
        input.notes.as_ref().map(Option::as_deref),
        input.metal_id,
        input.weight,
    )?;
    let shipment = shipments::update(tx, id, changes).await?;
    respond::ok(&shipment)
}
