//! Shipments (reference rules §9, decisions §3).
//!
//! * A shipment is for one of the tenant's orders (`order_id` is a body field: 422 naming it).
//! * It starts PREPARING; `tracking_number` and `notes` are kept on create (the old service dropped
//!   them). Blank optional texts are stored as null; a tracking number is unique in the tenant (409).
//! * Becoming SHIPPED sets `shipped_at`, becoming DELIVERED `delivered_at`, each the first time only.
//!   A shipment never changes its order's status.
//! * `weight` (gross grams of the shipped pieces) records the metal that leaves with them, for the
//!   metal reconciliation: of `metal_id`, or else of the order's metal (422 naming `metal_id` when
//!   the order has none); `fine_weight` = weight × the metal's purity, as a ledger entry computes
//!   it. A `metal_id` without a weight is refused; a null weight clears both.

use crate::db::Tx;
use crate::domain::amount::{Grams, Money, non_negative};
use crate::domain::metal_accounting::positive_grams;
use crate::domain::order::shipment_status;
use crate::domain::{MetalId, NonBlank, OrderId, Page, ShipmentId, optional_text};
use crate::error::{ApiError, ApiResult, DbError};
use crate::repo::shipments::{
    self as repo, ShipmentChanges as RepoChanges, ShipmentFields, ShippedMetal,
};

/// Answered by the API (and named in its OpenAPI document).
pub use crate::repo::shipments::ShipmentRow;

pub const TEXT_MAX: usize = 255;
pub const ADDRESS_MAX: usize = 1000;
pub const NOTES_MAX: usize = 2000;

const ORDER_FK: &str = "shipments_tenant_id_order_id_fkey";
const TRACKING_UNIQUE: &str = "shipments_tenant_id_tracking_number_key";

fn order_id(raw: i64) -> ApiResult<OrderId> {
    OrderId::new(raw).ok_or_else(|| ApiError::field("order_id", "must be a positive integer"))
}

fn cost(raw: Money) -> ApiResult<Money> {
    non_negative("shipping_cost", raw)
}

fn metal_id(raw: i64) -> ApiResult<MetalId> {
    MetalId::new(raw).ok_or_else(|| ApiError::field("metal_id", "must be a positive integer"))
}

fn weight(raw: Grams) -> ApiResult<Grams> {
    positive_grams("weight", raw)
}

fn weight_required() -> ApiError {
    ApiError::field("weight", "is required with metal_id")
}

/// A valid shipment to create.
#[derive(Debug)]
pub struct NewShipment {
    order: OrderId,
    tracking_number: Option<String>,
    carrier: Option<String>,
    shipping_address: NonBlank,
    shipping_cost: Option<Money>,
    notes: Option<String>,
    metal: Option<MetalId>,
    weight: Option<Grams>,
}

impl NewShipment {
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        order: i64,
        tracking_number: Option<&str>,
        carrier: Option<&str>,
        shipping_address: &str,
        shipping_cost: Option<Money>,
        notes: Option<&str>,
        metal: Option<i64>,
        weight_grams: Option<Grams>,
    ) -> ApiResult<Self> {
        let metal = metal.map(metal_id).transpose()?;
        if metal.is_some() && weight_grams.is_none() {
            return Err(weight_required());
        }
        Ok(NewShipment {
            metal,
            weight: weight_grams.map(weight).transpose()?,
            order: order_id(order)?,
            tracking_number: optional_text("tracking_number", tracking_number, TEXT_MAX)?,
            carrier: optional_text("carrier", carrier, TEXT_MAX)?,
            shipping_address: NonBlank::parse("shipping_address", shipping_address, ADDRESS_MAX)?,
            shipping_cost: shipping_cost.map(cost).transpose()?,
            notes: optional_text("notes", notes, NOTES_MAX)?,
        })
    }
}

/// A valid partial update: `None` keeps a field, `Some(None)` (null or blank) clears an optional one.
#[derive(Debug, Default)]
pub struct ShipmentChanges {
    order: Option<OrderId>,
    tracking_number: Option<Option<String>>,
    carrier: Option<Option<String>>,
    shipping_address: Option<NonBlank>,
    status: Option<&'static str>,
    shipping_cost: Option<Option<Money>>,
    notes: Option<Option<String>>,
    metal: Option<MetalId>,
    weight: Option<Option<Grams>>,
}

impl ShipmentChanges {
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        order: Option<i64>,
        tracking_number: Option<Option<&str>>,
        carrier: Option<Option<&str>>,
        shipping_address: Option<&str>,
        status: Option<&str>,
        shipping_cost: Option<Option<Money>>,
        notes: Option<Option<&str>>,
        metal: Option<i64>,
        weight_grams: Option<Option<Grams>>,
    ) -> ApiResult<Self> {
        let metal = metal.map(metal_id).transpose()?;
        if metal.is_some() && weight_grams == Some(None) {
            return Err(weight_required());
        }
        Ok(ShipmentChanges {
            metal,
            weight: weight_grams
                .map(|w| w.map(weight).transpose())
                .transpose()?,
            order: order.map(order_id).transpose()?,
            tracking_number: tracking_number
                .map(|t| optional_text("tracking_number", t, TEXT_MAX))
                .transpose()?,
            carrier: carrier
                .map(|c| optional_text("carrier", c, TEXT_MAX))
                .transpose()?,
            shipping_address: shipping_address
                .map(|a| NonBlank::parse("shipping_address", a, ADDRESS_MAX))
                .transpose()?,
            status: status.map(shipment_status).transpose()?,
            shipping_cost: shipping_cost.map(|c| c.map(cost).transpose()).transpose()?,
            notes: notes
                .map(|n| optional_text("notes", n, NOTES_MAX))
                .transpose()?,
        })
    }
}

fn not_found(id: ShipmentId) -> ApiError {
    ApiError::not_found("Shipment", id)
}

fn on_write_error<T>(
    result: Result<T, DbError>,
    order: Option<OrderId>,
    tracking: Option<&str>,
) -> ApiResult<T> {
    use crate::error::OnConstraint;
    result.on_constraints(&[
        (ORDER_FK, &|| {
            ApiError::field(
                "order_id",
                match order {
                    Some(o) => format!("Order with id {o} not found"),
                    None => "Order not found".to_string(),
                },
            )
        }),
        (TRACKING_UNIQUE, &|| {
            ApiError::Conflict(format!(
                "A shipment with tracking number '{}' already exists",
                tracking.unwrap_or_default()
            ))
        }),
    ])
}

pub async fn list(tx: &Tx<'_>, order: Option<OrderId>, page: Page) -> ApiResult<Vec<ShipmentRow>> {
    Ok(repo::list(tx, order, page).await?)
}

pub async fn get(tx: &Tx<'_>, id: ShipmentId) -> ApiResult<ShipmentRow> {
    repo::get(tx, id).await?.ok_or_else(|| not_found(id))
}

/// The metal `weight` grams of the shipped pieces are of: `metal`, or else the order's metal.
async fn shipped_metal(
    tx: &Tx<'_>,
    metal: Option<MetalId>,
    order: OrderId,
    weight: Grams,
) -> ApiResult<ShippedMetal> {
    let c = repo::metal_choice(tx, metal, order).await?;
    if !c.order_found {
        return Err(ApiError::field(
            "order_id",
            format!("Order with id {order} not found"),
        ));
    }
    match (c.metal_id, c.fine_percentage, metal) {
        (Some(metal), Some(purity), _) => Ok(ShippedMetal {
            metal,
            weight,
            fine_weight: purity.fine_weight(weight),
        }),
        (_, _, Some(m)) => Err(ApiError::field(
            "metal_id",
            format!("Metal with id {m} not found"),
        )),
        (_, _, None) => Err(ApiError::field(
            "metal_id",
            format!("is required with weight: order {order} has no metal"),
        )),
    }
}

pub async fn create(tx: &Tx<'_>, new: NewShipment) -> ApiResult<ShipmentRow> {
    let metal = match new.weight {
        Some(w) => Some(shipped_metal(tx, new.metal, new.order, w).await?),
        None => None,
    };
    let fields = ShipmentFields {
        order: new.order,
        metal,
        tracking_number: new.tracking_number.as_deref(),
        carrier: new.carrier.as_deref(),
        shipping_address: new.shipping_address.as_str(),
        shipping_cost: new.shipping_cost,
        notes: new.notes.as_deref(),
    };
    // Read back in the same flight, by the id the insert drew.
    let (id, row) =
        futures_util::future::join(repo::insert(tx, &fields), repo::get_inserted(tx)).await;
    let id = on_write_error(id, Some(new.order), new.tracking_number.as_deref())?;
    row?.ok_or_else(|| not_found(id))
}

/// What an update makes of the shipment's metal: `None` leaves it, `Some(None)` clears it.
async fn metal_change(
    tx: &Tx<'_>,
    id: ShipmentId,
    ch: &ShipmentChanges,
) -> ApiResult<Option<Option<ShippedMetal>>> {
    if ch.metal.is_none() && ch.weight.is_none() {
        return Ok(None);
    }
    let old = get(tx, id).await?;
    let weight = match ch.weight {
        Some(w) => w,
        None => old.weight,
    };
    let Some(weight) = weight else {
        return match ch.metal {
            Some(_) => Err(weight_required()),
            None => Ok(Some(None)),
        };
    };
    let metal = ch.metal.or(old.metal_id);
    let order = ch.order.unwrap_or(old.order_id);
    Ok(Some(Some(shipped_metal(tx, metal, order, weight).await?)))
}

pub async fn update(tx: &Tx<'_>, id: ShipmentId, ch: ShipmentChanges) -> ApiResult<ShipmentRow> {
    let metal = metal_change(tx, id, &ch).await?;
    let tracking = ch.tracking_number.as_ref().map(|t| t.as_deref());
    let changes = RepoChanges {
        order: ch.order,
        tracking_number: tracking,
        carrier: ch.carrier.as_ref().map(|c| c.as_deref()),
        shipping_address: ch.shipping_address.as_ref().map(NonBlank::as_str),
        status: ch.status,
        shipping_cost: ch.shipping_cost,
        notes: ch.notes.as_ref().map(|n| n.as_deref()),
        metal,
    };
    // Read back after the update, in the same flight.
    let (found, row) =
        futures_util::future::join(repo::update(tx, id, &changes), repo::get(tx, id)).await;
    if !on_write_error(found, ch.order, tracking.flatten())? {
        return Err(not_found(id));
    }
    row?.ok_or_else(|| not_found(id))
}

pub async fn delete(tx: &Tx<'_>, id: ShipmentId) -> ApiResult<()> {
    if repo::delete(tx, id).await? {
        Ok(())
    } else {
        Err(not_found(id))
    }
}
