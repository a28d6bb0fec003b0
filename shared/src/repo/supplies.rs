//! The generic inventory (gemstones, tools, packaging …) of the current tenant.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::row::{self, from_row};
use crate::db::Tx;
use crate::domain::amount::{Quantity, UnitPrice};
use crate::domain::{SupplyId, TenantId};
use crate::error::DbError;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SupplyRow {
    pub id: SupplyId,
    pub tenant_id: TenantId,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub quantity: Quantity,
    pub unit: Option<String>,
    pub cost_per_unit: Option<UnitPrice>,
    pub supplier: Option<String>,
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, tenant_id, name, type, quantity, unit, cost_per_unit, \
     supplier, notes, created_at, updated_at";

from_row!(SupplyRow {
    id,
    tenant_id,
    name,
    kind: "type",
    quantity,
    unit,
    cost_per_unit,
    supplier,
    notes,
    created_at,
    updated_at,
});

pub async fn list(tx: &Tx<'_>, skip: i64, limit: i64) -> Result<Vec<SupplyRow>, DbError> {
    let sql = format!(
        "select {COLUMNS} from supplies where tenant_id = app_current_tenant()
          order by id offset $1 limit $2"
    );
    row::all(&tx.query(&sql, &[&skip, &limit]).await?)
}

pub async fn get(tx: &Tx<'_>, id: SupplyId) -> Result<Option<SupplyRow>, DbError> {
    let sql = format!(
        "select {COLUMNS} from supplies where id = $1 and tenant_id = app_current_tenant()"
    );
    row::optional(tx.query_opt(&sql, &[&id]).await?)
}

pub struct NewSupply<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    pub quantity: Quantity,
    pub unit: &'a str,
    pub cost_per_unit: Option<UnitPrice>,
    pub supplier: Option<&'a str>,
    pub notes: Option<&'a str>,
}

pub async fn insert(tx: &Tx<'_>, s: &NewSupply<'_>) -> Result<SupplyRow, DbError> {
    let sql = format!(
        "insert into supplies (name, type, quantity, unit, cost_per_unit, supplier, notes)
         values ($1, $2, $3, $4, $5, $6, $7)
         returning {COLUMNS}"
    );
    let row = tx
        .query_one(
            &sql,
            &[
                &s.name,
                &s.kind,
                &s.quantity,
                &s.unit,
                &s.cost_per_unit,
                &s.supplier,
                &s.notes,
            ],
        )
        .await?;
    row::one(row)
}

/// Fields to change; for the optional columns `Some(None)` clears the value.
#[derive(Debug, Default)]
pub struct SupplyPatch {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub quantity: Option<Quantity>,
    pub unit: Option<String>,
    pub cost_per_unit: Option<Option<UnitPrice>>,
    pub supplier: Option<Option<String>>,
    pub notes: Option<Option<String>>,
}

pub async fn update(
    tx: &Tx<'_>,
    id: SupplyId,
    p: &SupplyPatch,
) -> Result<Option<SupplyRow>, DbError> {
    let sql = format!(
        "update supplies
            set name = coalesce($2, name),
                type = coalesce($3, type),
                quantity = coalesce($4, quantity),
                unit = coalesce($5, unit),
                cost_per_unit = case when $6 then $7 else cost_per_unit end,
                supplier = case when $8 then $9 else supplier end,
                notes = case when $10 then $11 else notes end
          where id = $1 and tenant_id = app_current_tenant()
          returning {COLUMNS}"
    );
    let (set_cost, cost) = split(&p.cost_per_unit);
    let (set_supplier, supplier) = split(&p.supplier);
    let (set_notes, notes) = split(&p.notes);
    row::optional(
        tx.query_opt(
            &sql,
            &[
                &id,
                &p.name,
                &p.kind,
                &p.quantity,
                &p.unit,
                &set_cost,
                &cost,
                &set_supplier,
                &supplier,
                &set_notes,
                &notes,
            ],
        )
        .await?,
    )
}

fn split<T: Clone>(v: &Option<Option<T>>) -> (bool, Option<T>) {
    match v {
        Some(inner) => (true, inner.clone()),
        None => (false, None),
    }
}

pub async fn delete(tx: &Tx<'_>, id: SupplyId) -> Result<bool, DbError> {
    Ok(tx
        .execute(
            "delete from supplies where id = $1 and tenant_id = app_current_tenant()",
            &[&id.get()],
        )
        .await?
        > 0)
}
