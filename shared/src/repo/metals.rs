//! The metal catalogue of the current tenant. Purity and cost are `numeric` in the database and
//! `Purity`/`UnitPrice` (exact decimals) here; they leave as JSON numbers.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::row::{self, from_row};
use crate::db::Tx;
use crate::domain::amount::UnitPrice;
use crate::domain::metal::Purity;
use crate::domain::{MetalId, TenantId};
use crate::error::DbError;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct MetalRow {
    pub id: MetalId,
    pub tenant_id: TenantId,
    pub code: String,
    pub name: String,
    pub metal_type: String,
    pub fine_percentage: Purity,
    pub average_cost_per_gram: Option<UnitPrice>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, tenant_id, code, name, metal_type, fine_percentage, \
     average_cost_per_gram, is_active, created_at, updated_at";

from_row!(MetalRow {
    id,
    tenant_id,
    code,
    name,
    metal_type,
    fine_percentage,
    average_cost_per_gram,
    is_active,
    created_at,
    updated_at,
});

/// Ordered by name (then id).
pub async fn list(tx: &Tx<'_>, include_inactive: bool) -> Result<Vec<MetalRow>, DbError> {
    let sql = format!(
        "select {COLUMNS} from metals
          where tenant_id = app_current_tenant() and ($1 or is_active)
          order by name, id"
    );
    row::all(&tx.query(&sql, &[&include_inactive]).await?)
}

pub async fn get(tx: &Tx<'_>, id: MetalId) -> Result<Option<MetalRow>, DbError> {
    let sql =
        format!("select {COLUMNS} from metals where id = $1 and tenant_id = app_current_tenant()");
    row::optional(tx.query_opt(&sql, &[&id]).await?)
}

pub struct NewMetal<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub metal_type: &'a str,
    pub fine_percentage: Purity,
    pub average_cost_per_gram: Option<UnitPrice>,
}

/// A taken code is `DbError::Unique { uq_metal_code_per_tenant }`.
pub async fn insert(tx: &Tx<'_>, m: &NewMetal<'_>) -> Result<MetalRow, DbError> {
    let sql = format!(
        "insert into metals (code, name, metal_type, fine_percentage, average_cost_per_gram)
         values ($1, $2, $3, $4, $5) returning {COLUMNS}"
    );
    let row = tx
        .query_one(
            &sql,
            &[
                &m.code,
                &m.name,
                &m.metal_type,
                &m.fine_percentage,
                &m.average_cost_per_gram,
            ],
        )
        .await?;
    row::one(row)
}

#[derive(Debug, Default)]
pub struct MetalPatch {
    pub name: Option<String>,
    pub metal_type: Option<String>,
    pub fine_percentage: Option<Purity>,
    /// `Some(None)` clears the cost.
    pub average_cost_per_gram: Option<Option<UnitPrice>>,
    pub is_active: Option<bool>,
}

/// Apply the given fields (the code never changes); `None` when the metal is not in this tenant.
pub async fn update(tx: &Tx<'_>, id: MetalId, p: &MetalPatch) -> Result<Option<MetalRow>, DbError> {
    let sql = format!(
        "update metals
            set name = coalesce($2, name),
                metal_type = coalesce($3, metal_type),
                fine_percentage = coalesce($4, fine_percentage),
                average_cost_per_gram = case when $5 then $6 else average_cost_per_gram end,
                is_active = coalesce($7, is_active)
          where id = $1 and tenant_id = app_current_tenant()
          returning {COLUMNS}"
    );
    let (set_cost, cost) = match p.average_cost_per_gram {
        Some(c) => (true, c),
        None => (false, None),
    };
    row::optional(
        tx.query_opt(
            &sql,
            &[
                &id,
                &p.name,
                &p.metal_type,
                &p.fine_percentage,
                &set_cost,
                &cost,
                &p.is_active,
            ],
        )
        .await?,
    )
}
