//! Shipments of orders. A shipment belongs to one order of the same tenant (composite foreign key
//! `shipments_tenant_id_order_id_fkey`); its tracking number is unique in the tenant
//! (`shipments_tenant_id_tracking_number_key`).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::row::{self, from_row};
use crate::db::Tx;
use crate::domain::amount::{Grams, Money};
use crate::domain::metal::Purity;
use crate::domain::{MetalId, OrderId, Page, ShipmentId, TenantId};
use crate::error::DbError;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ShipmentRow {
    pub id: ShipmentId,
    pub tenant_id: TenantId,
    pub order_id: OrderId,
    /// The shipped order's number.
    pub order_number: String,
    pub tracking_number: Option<String>,
    pub carrier: Option<String>,
    pub shipping_address: String,
    pub status: String,
    pub shipping_cost: Option<Money>,
    pub shipped_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub notes: Option<String>,
    /// The metal of the shipped pieces (null when their weight was not recorded).
    pub metal_id: Option<MetalId>,
    pub metal_code: Option<String>,
    /// Gross grams of metal shipped.
    pub weight: Option<Grams>,
    /// `weight` × the metal's purity: the fine grams that left with the shipment.
    pub fine_weight: Option<Grams>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

from_row!(ShipmentRow {
    id,
    tenant_id,
    order_id,
    order_number,
    tracking_number,
    carrier,
    shipping_address,
    status,
    shipping_cost,
    shipped_at,
    delivered_at,
    notes,
    metal_id,
    metal_code,
    weight,
    fine_weight,
    created_at,
    updated_at,
});

const SHIPMENT_SELECT: &str =
    "select s.id, s.tenant_id, s.order_id, o.order_number, s.tracking_number, s.carrier,
            s.shipping_address, s.status, s.shipping_cost, s.shipped_at, s.delivered_at, s.notes,
            s.metal_id, m.code as metal_code, s.weight, s.fine_weight, s.created_at, s.updated_at
       from shipments s
       join orders o on o.tenant_id = s.tenant_id and o.id = s.order_id
       left join metals m on m.tenant_id = s.tenant_id and m.id = s.metal_id";

/// Shipments newest first, optionally of one order.
pub async fn list(
    tx: &Tx<'_>,
    order: Option<OrderId>,
    page: Page,
) -> Result<Vec<ShipmentRow>, DbError> {
    let sql = format!(
        "{SHIPMENT_SELECT}
          where s.tenant_id = app_current_tenant() and ($1::int8 is null or s.order_id = $1)
          order by s.created_at desc, s.id desc
         offset $2 limit $3"
    );
    row::all(
        &tx.query(&sql, &[&order, &page.skip(), &page.limit()])
            .await?,
    )
}

pub async fn get(tx: &Tx<'_>, id: ShipmentId) -> Result<Option<ShipmentRow>, DbError> {
    let sql = format!("{SHIPMENT_SELECT} where s.id = $1 and s.tenant_id = app_current_tenant()");
    row::optional(tx.query_opt(&sql, &[&id]).await?)
}

/// The shipment this session inserted last (`currval` of the table's identity, in a subquery so
/// that it is evaluated once and the index serves): for reading back an insert sent in the same
/// flight, before its id is known.
pub async fn get_inserted(tx: &Tx<'_>) -> Result<Option<ShipmentRow>, DbError> {
    let sql = format!(
        "{SHIPMENT_SELECT} where s.id = (select currval(pg_get_serial_sequence('shipments', 'id')))
            and s.tenant_id = app_current_tenant()"
    );
    row::optional(tx.query_opt(&sql, &[]).await?)
}

/// The metal a shipment's pieces are of, and their gross and fine grams.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShippedMetal {
    pub metal: MetalId,
    pub weight: Grams,
    pub fine_weight: Grams,
}

/// What a shipment's metal can be: `metal`, or else its order's metal as the order pages show it
/// (the order's own, or its first line item's). `order_found` is false when the order is not the
/// tenant's.
pub struct MetalChoice {
    pub order_found: bool,
    pub metal_id: Option<MetalId>,
    pub fine_percentage: Option<Purity>,
}

from_row!(MetalChoice {
    order_found,
    metal_id,
    fine_percentage,
});

pub async fn metal_choice(
    tx: &Tx<'_>,
    metal: Option<MetalId>,
    order: OrderId,
) -> Result<MetalChoice, DbError> {
    row::one(
        tx.query_one(
            "select o.id is not null as order_found, m.id as metal_id, m.fine_percentage
               from (select 1) one
               left join orders o on o.tenant_id = app_current_tenant() and o.id = $2
               left join metals m
                 on m.tenant_id = app_current_tenant()
                and m.id = coalesce($1, o.metal_id,
                                    (select i.metal_id from order_line_items i
                                      where i.tenant_id = app_current_tenant()
                                        and i.order_id = o.id and i.metal_id is not null
                                      order by i.id limit 1))",
            &[&metal, &order],
        )
        .await?,
    )
}

pub struct ShipmentFields<'a> {
    pub order: OrderId,
    pub metal: Option<ShippedMetal>,
    pub tracking_number: Option<&'a str>,
    pub carrier: Option<&'a str>,
    pub shipping_address: &'a str,
    pub shipping_cost: Option<Money>,
    pub notes: Option<&'a str>,
}

/// A new shipment, PREPARING. An order that is not the tenant's is `DbError::ForeignKey`, a taken
/// tracking number `DbError::Unique`.
pub async fn insert(tx: &Tx<'_>, f: &ShipmentFields<'_>) -> Result<ShipmentId, DbError> {
    let r = tx
        .query_one(
            "insert into shipments (order_id, tracking_number, carrier, shipping_address,
                                    shipping_cost, notes, metal_id, weight, fine_weight)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             returning id",
            &[
                &f.order,
                &f.tracking_number,
                &f.carrier,
                &f.shipping_address,
                &f.shipping_cost,
                &f.notes,
                &f.metal.map(|m| m.metal),
                &f.metal.map(|m| m.weight),
                &f.metal.map(|m| m.fine_weight),
            ],
        )
        .await?;
    row::get(&r, "id")
}

/// `None` keeps a field, `Some(None)` clears an optional one.
pub struct ShipmentChanges<'a> {
    pub order: Option<OrderId>,
    pub tracking_number: Option<Option<&'a str>>,
    pub carrier: Option<Option<&'a str>>,
    pub shipping_address: Option<&'a str>,
    pub status: Option<&'a str>,
    pub shipping_cost: Option<Option<Money>>,
    pub notes: Option<Option<&'a str>>,
    pub metal: Option<Option<ShippedMetal>>,
}

/// Whether the shipment exists. Becoming SHIPPED sets `shipped_at`, DELIVERED `delivered_at`, each
/// only when not already set. Same constraint errors as `insert`.
pub async fn update(
    tx: &Tx<'_>,
    id: ShipmentId,
    ch: &ShipmentChanges<'_>,
) -> Result<bool, DbError> {
    Ok(tx
        .execute(
            "update shipments
                set order_id = coalesce($2, order_id),
                    tracking_number = case when $3 then $4 else tracking_number end,
                    carrier = case when $5 then $6 else carrier end,
                    shipping_address = coalesce($7, shipping_address),
                    status = coalesce($8, status),
                    shipping_cost = case when $9 then $10 else shipping_cost end,
                    notes = case when $11 then $12 else notes end,
                    metal_id = case when $13 then $14 else metal_id end,
                    weight = case when $13 then $15 else weight end,
                    fine_weight = case when $13 then $16 else fine_weight end,
                    shipped_at = case when $8 = 'SHIPPED' then coalesce(shipped_at, now())
                                      else shipped_at end,
                    delivered_at = case when $8 = 'DELIVERED' then coalesce(delivered_at, now())
                                        else delivered_at end
              where id = $1 and tenant_id = app_current_tenant()",
            &[
                &id,
                &ch.order,
                &ch.tracking_number.is_some(),
                &ch.tracking_number.flatten(),
                &ch.carrier.is_some(),
                &ch.carrier.flatten(),
                &ch.shipping_address,
                &ch.status,
                &ch.shipping_cost.is_some(),
                &ch.shipping_cost.flatten(),
                &ch.notes.is_some(),
                &ch.notes.flatten(),
                &ch.metal.is_some(),
                &ch.metal.flatten().map(|m| m.metal),
                &ch.metal.flatten().map(|m| m.weight),
                &ch.metal.flatten().map(|m| m.fine_weight),
            ],
        )
        .await?
        > 0)
}

pub async fn delete(tx: &Tx<'_>, id: ShipmentId) -> Result<bool, DbError> {
    Ok(tx
        .execute(
            "delete from shipments where id = $1 and tenant_id = app_current_tenant()",
            &[&id],
        )
        .await?
        > 0)
}
