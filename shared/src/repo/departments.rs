//! Departments of the current tenant and their per-metal balances (gross grams).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::db::Tx;
use crate::domain::DepartmentId;
use crate::domain::amount::Grams;
use crate::error::DbError;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct DepartmentRow {
    pub id: i64,
    pub tenant_id: i64,
    pub name: String,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct BalanceRow {
    pub id: i64,
    #[serde(skip)]
    pub department_id: i64,
    pub metal_id: i64,
    pub metal_name: String,
    pub balance_grams: Grams,
}

const COLUMNS: &str = "id, tenant_id, name, is_active, created_at, updated_at";

fn from_row(r: &tokio_postgres::Row) -> DepartmentRow {
    DepartmentRow {
        id: r.get(0),
        tenant_id: r.get(1),
        name: r.get(2),
        is_active: r.get(3),
        created_at: r.get(4),
        updated_at: r.get(5),
    }
}

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
    Ok(tx
        .query(&sql, &[&skip, &limit, &active_only])
        .await?
        .iter()
        .map(from_row)
        .collect())
}

pub async fn get(tx: &Tx<'_>, id: DepartmentId) -> Result<Option<DepartmentRow>, DbError> {
    let sql = format!(
        "select {COLUMNS} from departments where id = $1 and tenant_id = app_current_tenant()"
    );
    Ok(tx
        .query_opt(&sql, &[&id.get()])
        .await?
        .as_ref()
        .map(from_row))
}

/// A taken name (case-insensitive) is `DbError::Unique { uq_department_name_per_tenant }`.
pub async fn insert(tx: &Tx<'_>, name: &str) -> Result<DepartmentRow, DbError> {
    let sql = format!("insert into departments (name) values ($1) returning {COLUMNS}");
    Ok(from_row(&tx.query_one(&sql, &[&name]).await?))
}

pub async fn update(
    tx: &Tx<'_>,
    id: DepartmentId,
    name: Option<&str>,
    is_active: Option<bool>,
) -> Result<Option<DepartmentRow>, DbError> {
    let sql = format!(
        "update departments
            set name = coalesce($2, name), is_active = coalesce($3, is_active)
          where id = $1 and tenant_id = app_current_tenant()
          returning {COLUMNS}"
    );
    Ok(tx
        .query_opt(&sql, &[&id.get(), &name, &is_active])
        .await?
        .as_ref()
        .map(from_row))
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
pub async fn balances(tx: &Tx<'_>, department_ids: Vec<i64>) -> Result<Vec<BalanceRow>, DbError> {
    Ok(tx
        .query(
            "select b.id, b.department_id, b.metal_id, m.name, b.balance_grams
               from department_balances b
               join metals m on m.tenant_id = b.tenant_id and m.id = b.metal_id
              where b.tenant_id = app_current_tenant() and b.department_id = any($1)
              order by m.name, b.metal_id",
            &[&department_ids],
        )
        .await?
        .iter()
        .map(|r| BalanceRow {
            id: r.get(0),
            department_id: r.get(1),
            metal_id: r.get(2),
            metal_name: r.get(3),
            balance_grams: r.get(4),
        })
        .collect())
}
