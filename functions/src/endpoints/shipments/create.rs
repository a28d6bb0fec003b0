use serde::Deserialize;
use shared::app::shipments::{self, NewShipment};
use shared::db::Tx;
use shared::domain::amount::{Grams, Money};
use shared::domain::permissions::SHIPMENTS_WRITE;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "shipments_create",
    route: POST "/api/v1/shipments/",
    access: user[SHIPMENTS_WRITE],
    tag: "shipments",
    summary: "Create a PREPARING shipment of one of the tenant's orders (tracking number unique in the tenant: 409); a weight records the metal that leaves with it",
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
// A metal is the metal of a weight: `metal_id` alone is a 422 naming `weight`.
#[cfg_attr(
    feature = "openapi",
    schemars(extend("dependentRequired" = {"metal_id": ["weight"]}))
)]
struct Input {
    /// One of the tenant's orders.
    #[cfg_attr(feature = "openapi", schemars(range(min = 1)))]
    order_id: i64,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = shared::app::shipments::TEXT_MAX)))]
    tracking_number: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = shared::app::shipments::TEXT_MAX)))]
    carrier: Option<String>,
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = shared::app::shipments::ADDRESS_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    shipping_address: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(range(min = 0)))]
    shipping_cost: Option<Money>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = shared::app::shipments::NOTES_MAX)))]
    notes: Option<String>,
    /// The metal of the shipped pieces; defaults to the order's metal when `weight` is given.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(range(min = 1)))]
    metal_id: Option<i64>,
    /// Gross grams of metal shipped: the fine grams (× the metal's purity) leave the metal
    /// reconciliation's floor with the shipment. Required with `metal_id`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::positive))]
    weight: Option<Grams>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<shared::app::shipments::ShipmentRow>(200)
        .error(422, "Invalid input, `order_id` or `metal_id` is not the tenant's, or a weight without a metal")
        .error(409, "Another shipment has this tracking number");
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let input: Input = call.json()?;
    let new = NewShipment::parse(
        input.order_id,
        input.tracking_number.as_deref(),
        input.carrier.as_deref(),
        &input.shipping_address,
        input.shipping_cost,
        input.notes.as_deref(),
        input.metal_id,
        input.weight,
    )?;
    let shipment = shipments::create(tx, new).await?;
    respond::ok(&shipment)
}
