//! Departments of the production floor and their metal balances (reference rules §7, departments
//! part). Balances are only read here; the ledger changes them.

use futures_util::future::{join, join3, try_join};
use std::collections::HashMap;

use serde::Serialize;

use crate::db::Tx;
use crate::domain::defaults::INVENTORY_DEPARTMENT;
use crate::domain::page::Page;
use crate::domain::{DepartmentId, NonBlank};
use crate::error::{ApiError, ApiResult, OnConstraint};
use crate::repo::departments::{self as repo};

use crate::domain::MetalId;
use crate::domain::amount::{Decimal, Grams, Percent};
use crate::repo::departments::DepartmentBalance;
/// Answered by the API (and named in its OpenAPI document).
pub use crate::repo::departments::DepartmentRow;

/// A department's balance of one metal, in gross grams, as the API answers it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct BalanceRow {
    pub id: i64,
    pub metal_id: MetalId,
    pub metal_name: String,
    pub balance_grams: Grams,
}

impl From<DepartmentBalance> for BalanceRow {
    fn from(b: DepartmentBalance) -> Self {
        BalanceRow {
            id: b.id,
            metal_id: b.metal_id,
            metal_name: b.metal_name,
            balance_grams: b.balance_grams,
        }
    }
}

fn views(rows: Vec<DepartmentBalance>) -> Vec<BalanceRow> {
    rows.into_iter().map(BalanceRow::from).collect()
}

pub const NAME_MAX: usize = 255;

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct DepartmentWithBalances {
    #[serde(flatten)]
    pub department: DepartmentRow,
    pub balances: Vec<BalanceRow>,
}

/// Whether `name` is the Inventory department's (compared case-insensitively, as the old service did).
pub fn is_inventory(name: &str) -> bool {
    name.trim().eq_ignore_ascii_case(INVENTORY_DEPARTMENT)
}

pub async fn list(tx: &Tx<'_>, page: Page) -> ApiResult<Vec<DepartmentWithBalances>> {
    listed(tx, page.skip(), page.limit(), false).await
}

/// Active departments with their balances.
pub async fn balances_summary(tx: &Tx<'_>) -> ApiResult<Vec<DepartmentWithBalances>> {
    listed(tx, 0, i64::MAX, true).await
}

pub async fn get(tx: &Tx<'_>, id: DepartmentId) -> ApiResult<DepartmentWithBalances> {
    let (department, balances) =
        try_join(repo::get(tx, id), repo::balances(tx, vec![id.get()])).await?;
    let department = department.ok_or_else(|| not_found(id))?;
    let balances = views(balances);
    Ok(DepartmentWithBalances {
        department,
        balances,
    })
}

pub async fn balances(tx: &Tx<'_>, id: DepartmentId) -> ApiResult<Vec<BalanceRow>> {
    let (department, balances) =
        try_join(repo::get(tx, id), repo::balances(tx, vec![id.get()])).await?;
    department.ok_or_else(|| not_found(id))?;
    Ok(views(balances))
}

pub async fn create(tx: &Tx<'_>, name: NonBlank) -> ApiResult<DepartmentRow> {
    repo::insert(tx, name.as_str())
        .await
        .on_constraint(NAME_UNIQUE, || name_taken(name.as_str()))
}

/// A loss tolerance: a percentage from 0 to 100.
pub fn loss_tolerance(raw: Percent) -> ApiResult<Percent> {
    if (Percent::ZERO..=Percent::from_decimal(Decimal::ONE_HUNDRED)).contains(&raw) {
        Ok(raw)
    } else {
        Err(ApiError::field(
            "loss_tolerance_percent",
            "must be a percentage from 0 to 100",
        ))
    }
}

/// `None` keeps a field; `loss_tolerance: Some(None)` clears the tolerance.
pub async fn update(
    tx: &Tx<'_>,
    id: DepartmentId,
    name: Option<NonBlank>,
    is_active: Option<bool>,
    loss_tolerance: Option<Option<Percent>>,
) -> ApiResult<DepartmentRow> {
    let new_name = name.as_ref().map(NonBlank::as_str);
    // The current row is read before the update, in the same flight: a refused rename returns an
    // error, which rolls the update back.
    let (current, updated) = join(
        repo::get(tx, id),
        repo::update(tx, id, new_name, is_active, loss_tolerance),
    )
    .await;
    let current = current?.ok_or_else(|| not_found(id))?;
    if let Some(new) = &name {
        // The Inventory department is found by its name; renaming it would make it deletable.
        if is_inventory(&current.name) && !is_inventory(new.as_str()) {
            return Err(ApiError::Conflict(
                "The Inventory department cannot be renamed".into(),
            ));
        }
    }
    updated
        .on_constraint(NAME_UNIQUE, || name_taken(new_name.unwrap_or_default()))?
        .ok_or_else(|| not_found(id))
}

/// Delete a department and its balances. The Inventory department and departments with ledger
/// entries stay (409).
pub async fn delete(tx: &Tx<'_>, id: DepartmentId) -> ApiResult<()> {
    // Sent together: a refusal below returns an error, which rolls back whatever went out after
    // the check, so the write need not wait for the check's answer.
    let (department, entries, deleted) = join3(
        repo::get(tx, id),
        repo::has_ledger_entries(tx, id),
        repo::delete(tx, id),
    )
    .await;
    let department = department?.ok_or_else(|| not_found(id))?;
    if is_inventory(&department.name) {
        return Err(ApiError::Conflict(
            "The Inventory department cannot be deleted".into(),
        ));
    }
    if entries? {
        return Err(has_entries());
    }
    // An entry booked concurrently, after the check above, trips the foreign key.
    let deleted = deleted.on_foreign_key(has_entries)?;
    if deleted { Ok(()) } else { Err(not_found(id)) }
}

/// A page of departments with their balances, in one flight: the balances select the page again
/// instead of waiting for its ids (a read's transaction sees one snapshot: the same rows).
async fn listed(
    tx: &Tx<'_>,
    skip: i64,
    limit: i64,
    active_only: bool,
) -> ApiResult<Vec<DepartmentWithBalances>> {
    let (departments, balances) = try_join(
        repo::list(tx, skip, limit, active_only),
        repo::balances_of_page(tx, skip, limit, active_only),
    )
    .await?;
    let mut by_department: HashMap<DepartmentId, Vec<BalanceRow>> = HashMap::new();
    for b in balances {
        by_department
            .entry(b.department_id)
            .or_default()
            .push(BalanceRow::from(b));
    }
    Ok(departments
        .into_iter()
        .map(|department| DepartmentWithBalances {
            balances: by_department.remove(&department.id).unwrap_or_default(),
            department,
        })
        .collect())
}

const NAME_UNIQUE: &str = "uq_department_name_per_tenant";

fn name_taken(name: &str) -> ApiError {
    ApiError::Conflict(format!("Department with name '{name}' already exists"))
}

fn has_entries() -> ApiError {
    ApiError::Conflict("Department has ledger entries".into())
}

fn not_found(id: DepartmentId) -> ApiError {
    ApiError::not_found("Department", id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inventory_is_recognised_case_insensitively() {
        for name in ["Inventory", "inventory", " INVENTORY "] {
            assert!(is_inventory(name), "{name:?}");
        }
        for name in ["Inventory 2", "Casting", ""] {
            assert!(!is_inventory(name), "{name:?}");
        }
    }
}
