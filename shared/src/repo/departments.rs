//! Departments of the current tenant and their per-metal balances (gross grams).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::row::{self, from_row};
use crate::db::{Param, Tx};
use crate::domain::amount::{Grams, Percent};
use crate::domain::{DepartmentId, MetalId, TenantId};
use crate::error::DbError;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct DepartmentRow {
    pub id: DepartmentId,
    pub tenant_id: TenantId,
    pub name: String,
    pub is_active: bool,
    /// Percent of the grams in the department may lose before the loss report flags it; null: none.
    pub loss_tolerance_percent: Option<Percent>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One department's balance of one metal (the API answers it without `department_id`:
/// `app::departments::BalanceRow`).
#[derive(Debug, Clone)]
pub struct DepartmentBalance {
    pub id: i64,
    pub department_id: DepartmentId,
    pub metal_id: MetalId,
    pub metal_name: String,
    pub balance_grams: Grams,
}

from_row!(DepartmentBalance {
    id,
    department_id,
    metal_id,
    metal_name,
    balance_grams,
});

const COLUMNS: &str =
    "id, tenant_id, name, is_active, loss_tolerance_percent, created_at, updated_at";

from_row!(DepartmentRow {
    id,
    tenant_id,
    name,
    is_active,
    loss_tolerance_percent,
    created_at,
    updated_at,
});

/// In creation order (the Inventory department first). `active_only` for the balances summary.
pub async fn list(
    tx: &Tx<'_>,
    skip: i64,
    limit: i64,
    active_only: bool,
) -> Result<Vec<DepartmentRow>, DbError> {
    let sql = format!(
        "select {COLUMNS} from departments
          where tenant_id = app_current_tenant() and (not $3 or is_active)
          order by id offset $1 limit $2"
    );
    row::all(&tx.query(&sql, &[&skip, &limit, &active_only]).await?)
}

pub async fn get(tx: &Tx<'_>, id: DepartmentId) -> Result<Option<DepartmentRow>, DbError> {
    let sql = format!(
        "select {COLUMNS} from departments where id = $1 and tenant_id = app_current_tenant()"
    );
    row::optional(tx.query_opt(&sql, &[&id]).await?)
}

/// A taken name (case-insensitive) is `DbError::Unique { uq_department_name_per_tenant }`.
pub async fn insert(tx: &Tx<'_>, name: &str) -> Result<DepartmentRow, DbError> {
    let sql = format!("insert into departments (name) values ($1) returning {COLUMNS}");
    row::one(tx.query_one(&sql, &[&name]).await?)
}

/// `None` keeps a field; `loss_tolerance: Some(None)` clears the tolerance.
pub async fn update(
    tx: &Tx<'_>,
    id: DepartmentId,
    name: Option<&str>,
    is_active: Option<bool>,
    loss_tolerance: Option<Option<Percent>>,
) -> Result<Option<DepartmentRow>, DbError> {
    let sql = format!(
        "update departments
            set name = coalesce($2, name), is_active = coalesce($3, is_active),
                loss_tolerance_percent = case when $4 then $5 else loss_tolerance_percent end
          where id = $1 and tenant_id = app_current_tenant()
          returning {COLUMNS}"
    );
    row::optional(
        tx.query_opt(
            &sql,
            &[
                &id,
                &name,
                &is_active,
                &loss_tolerance.is_some(),
                &loss_tolerance.flatten(),
            ],
        )
        .await?,
    )
}

/// Delete a department (its balances go with it). Ledger entries that reference it make this a
/// `DbError::ForeignKey`. Returns whether a row was deleted.
pub async fn delete(tx: &Tx<'_>, id: DepartmentId) -> Result<bool, DbError> {
    Ok(tx
        .execute(
            "delete from departments where id = $1 and tenant_id = app_current_tenant()",
            &[&id.get()],
        )
        .await?
        > 0)
}

pub async fn has_ledger_entries(tx: &Tx<'_>, id: DepartmentId) -> Result<bool, DbError> {
    Ok(tx
        .query_opt(
            "select 1 from department_ledger_entries
              where department_id = $1 and tenant_id = app_current_tenant() limit 1",
            &[&id.get()],
        )
        .await?
        .is_some())
}

/// The balances of the given departments, by metal name.
/// The balances of the departments `list` answers for the same arguments, selecting that page
/// itself: sent with `list`, not after it.
pub async fn balances_of_page(
    tx: &Tx<'_>,
    skip: i64,
    limit: i64,
    active_only: bool,
) -> Result<Vec<DepartmentBalance>, DbError> {
    balances_where(
        tx,
        "b.department_id in (select id from departments
                              where tenant_id = app_current_tenant() and (not $3 or is_active)
                              order by id offset $1 limit $2)",
        &[&skip, &limit, &active_only],
    )
    .await
}

pub async fn balances(
    tx: &Tx<'_>,
    department_ids: Vec<i64>,
) -> Result<Vec<DepartmentBalance>, DbError> {
    balances_where(tx, "b.department_id = any($1)", &[&department_ids]).await
}

/// The tenant's department balances that `which` selects, by metal name.
async fn balances_where(
    tx: &Tx<'_>,
    which: &str,
    params: &[&dyn Param],
) -> Result<Vec<DepartmentBalance>, DbError> {
    let sql = format!(
        "select b.id, b.department_id, b.metal_id, m.name as metal_name, b.balance_grams
           from department_balances b
           join metals m on m.tenant_id = b.tenant_id and m.id = b.metal_id
          where b.tenant_id = app_current_tenant() and {which}
          order by m.name, b.metal_id"
    );
    row::all(&tx.query(&sql, params).await?)
}
