//! What a new tenant starts with: system roles with their permissions, default lookup values and
//! metals, and the `Inventory` department. The default inserts are idempotent, so the `/seed`
//! endpoints reuse them.

use super::row;
use crate::db::Tx;
use crate::domain::defaults::{INVENTORY_DEPARTMENT, LOOKUP_VALUES, METALS};
use crate::domain::permissions::{SYSTEM_ROLES, system_role_permissions};
use crate::domain::{RoleId, TenantId};
use crate::error::DbError;

pub async fn create_tenant(tx: &Tx<'_>, name: &str, subdomain: &str) -> Result<TenantId, DbError> {
    let row = tx
        .query_one("select tenant_create($1, $2) as id", &[&name, &subdomain])
        .await?;
    row::get(&row, "id")
}

pub async fn subdomain_taken(tx: &Tx<'_>, subdomain: &str) -> Result<bool, DbError> {
    // tenant_create's unique violation is the authority; this only picks a free default.
    Ok(tx
        .query_opt("select 1 where tenant_subdomain_taken($1)", &[&subdomain])
        .await?
        .is_some())
}

/// Create the system roles with their permissions. Returns (name, id) pairs.
pub async fn create_system_roles(tx: &Tx<'_>) -> Result<Vec<(String, RoleId)>, DbError> {
    let mut out = Vec::new();
    for role in SYSTEM_ROLES {
        let row = tx
            .query_one(
                "insert into roles (name, description, is_system_role) values ($1, $2, true) returning id",
                &[&role.name, &role.description],
            )
            .await?;
        let id: RoleId = row::get(&row, "id")?;
        let perms: Vec<String> = system_role_permissions(role.name)
            .iter()
            .map(|p| p.to_string())
            .collect();
        tx.execute(
            "insert into role_permissions (role_id, permission_id)
             select $1, p.id from permissions p where p.name = any($2)",
            &[&id, &perms],
        )
        .await?;
        out.push((role.name.to_string(), id));
    }
    Ok(out)
}

/// Insert the default lookup values that are missing. Returns how many were inserted.
pub async fn insert_default_lookup_values(tx: &Tx<'_>) -> Result<u64, DbError> {
    insert_missing(
        tx,
        "insert into lookup_values (category, code, display_label, sort_order)
         select a, b, c, d::int from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as x(a, b, c, d)
         on conflict on constraint uq_tenant_category_code do nothing",
        LOOKUP_VALUES.iter().map(|v| {
            [
                v.category.to_string(),
                v.code.to_string(),
                v.label.to_string(),
                v.sort_order.to_string(),
            ]
        }),
    )
    .await
}

/// Insert the default metals whose code is missing. Returns how many were inserted.
pub async fn insert_default_metals(tx: &Tx<'_>) -> Result<u64, DbError> {
    insert_missing(
        tx,
        "insert into metals (code, name, metal_type, fine_percentage)
         select a, b, c, d::numeric from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as x(a, b, c, d)
         on conflict on constraint uq_metal_code_per_tenant do nothing",
        METALS.iter().map(|m| {
            [
                m.code.to_string(),
                m.name.to_string(),
                m.metal_type.to_string(),
                // Decimal text, so the column stores exactly this purity.
                m.fine_percentage.to_string(),
            ]
        }),
    )
    .await
}

/// Insert `rows` (four text columns each) in one statement: `insert` unnests `$1..$4` and skips the
/// rows whose key exists (idempotent, race-free). Returns how many were inserted.
async fn insert_missing(
    tx: &Tx<'_>,
    insert: &str,
    rows: impl Iterator<Item = [String; 4]>,
) -> Result<u64, DbError> {
    let mut columns: [Vec<String>; 4] = Default::default();
    for row in rows {
        for (column, value) in columns.iter_mut().zip(row) {
            column.push(value);
        }
    }
    let [a, b, c, d] = columns;
    tx.execute(insert, &[&a, &b, &c, &d]).await
}

pub async fn ensure_inventory_department(tx: &Tx<'_>) -> Result<(), DbError> {
    tx.execute(
        "insert into departments (name) select $1
          where not exists (select 1 from departments where lower(name) = lower($1) and tenant_id = app_current_tenant())",
        &[&INVENTORY_DEPARTMENT],
    )
    .await?;
    Ok(())
}
