//! Lookup values of the current tenant.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::row::{self, from_row};
use crate::db::Tx;
use crate::domain::{LookupValueId, TenantId};
use crate::error::DbError;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct LookupValueRow {
    pub id: LookupValueId,
    pub tenant_id: TenantId,
    pub category: String,
    pub code: String,
    pub display_label: String,
    pub sort_order: i32,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str =
    "id, tenant_id, category, code, display_label, sort_order, is_active, created_at, updated_at";

from_row!(LookupValueRow {
    id,
    tenant_id,
    category,
    code,
    display_label,
    sort_order,
    is_active,
    created_at,
    updated_at,
});

/// Ordered by category, then sort order (then id, so equal sort orders stay stable).
pub async fn list(
    tx: &Tx<'_>,
    category: Option<&str>,
    include_inactive: bool,
) -> Result<Vec<LookupValueRow>, DbError> {
    let sql = format!(
        "select {COLUMNS} from lookup_values
          where tenant_id = app_current_tenant()
            and ($1::text is null or category = $1)
            and ($2 or is_active)
          order by category, sort_order, id"
    );
    row::all(&tx.query(&sql, &[&category, &include_inactive]).await?)
}

pub struct NewLookupValue<'a> {
    pub category: &'a str,
    pub code: &'a str,
    pub display_label: &'a str,
    pub sort_order: i32,
}

/// A taken (category, code) is `DbError::Unique { uq_tenant_category_code }`.
pub async fn insert(tx: &Tx<'_>, v: &NewLookupValue<'_>) -> Result<LookupValueRow, DbError> {
    let sql = format!(
        "insert into lookup_values (category, code, display_label, sort_order)
         values ($1, $2, $3, $4) returning {COLUMNS}"
    );
    let row = tx
        .query_one(
            &sql,
            &[&v.category, &v.code, &v.display_label, &v.sort_order],
        )
        .await?;
    row::one(row)
}

#[derive(Debug, Default)]
pub struct LookupValuePatch {
    pub display_label: Option<String>,
    pub sort_order: Option<i32>,
    pub is_active: Option<bool>,
}

/// Apply the given fields; `None` when the value does not exist in this tenant.
pub async fn update(
    tx: &Tx<'_>,
    id: LookupValueId,
    p: &LookupValuePatch,
) -> Result<Option<LookupValueRow>, DbError> {
    let sql = format!(
        "update lookup_values
            set display_label = coalesce($2, display_label),
                sort_order = coalesce($3, sort_order),
                is_active = coalesce($4, is_active)
          where id = $1 and tenant_id = app_current_tenant()
          returning {COLUMNS}"
    );
    row::optional(
        tx.query_opt(&sql, &[&id, &p.display_label, &p.sort_order, &p.is_active])
            .await?,
    )
}

/// The active codes of a category, in display order.
pub async fn active_codes(tx: &Tx<'_>, category: &str) -> Result<Vec<String>, DbError> {
    tx.query(
        "select code from lookup_values
          where tenant_id = app_current_tenant() and category = $1 and is_active
          order by sort_order, id",
        &[&category],
    )
    .await?
    .iter()
    .map(|r| row::get(r, "code"))
    .collect()
}
