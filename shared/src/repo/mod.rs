//! All SQL lives here, one module per aggregate. Every function takes a `Tx`; tenant-owned rows are
//! filtered by `tenant_id` explicitly *and* by row-level security (the columns default to the
//! transaction's tenant, so inserts never pass it).

pub mod addresses;
pub mod audit;
pub mod auth;
pub mod companies;
pub mod contacts;
pub mod departments;
pub mod derived;
pub mod idempotency;
pub mod ledger;
pub mod lookup_values;
pub mod metal_accounting;
pub mod metal_prices;
pub mod metals;
pub mod orders;
pub mod provisioning;
pub mod reports;
pub mod roles;
pub mod row;
pub mod scale;
pub mod seed;
pub mod shipments;
pub mod supplies;
pub mod tenants;
pub mod users;

use crate::db::Tx;
use crate::error::DbError;

/// Whether the current tenant is active (tenants are visible to their own members only).
pub async fn tenants_active(tx: &Tx<'_>) -> Result<bool, DbError> {
    match tx
        .query_opt(
            "select is_active from tenants where id = app_current_tenant()",
            &[],
        )
        .await?
    {
        Some(r) => row::get(&r, "is_active"),
        None => Ok(false),
    }
}

pub async fn ping(tx: &Tx<'_>) -> Result<(), DbError> {
    tx.query_one("select 1", &[]).await?;
    Ok(())
}
