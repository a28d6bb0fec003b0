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
    let categories: Vec<String> = LOOKUP_VALUES
        .iter()
        .map(|v| v.category.to_string())
        .collect();
    let codes: Vec<String> = LOOKUP_VALUES.iter().map(|v| v.code.to_string()).collect();
    let labels: Vec<String> = LOOKUP_VALUES.iter().map(|v| v.label.to_string()).collect();
    let orders: Vec<i64> = LOOKUP_VALUES
        .iter()
        .map(|v| i64::from(v.sort_order))
        .collect();
    tx.execute(
        "insert into lookup_values (category, code, display_label, sort_order)
         select c, k, l, o::int from unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) as d(c, k, l, o)
         on conflict on constraint uq_tenant_category_code do nothing",
        &[&categories, &codes, &labels, &orders],
    )
    .await
}

/// Insert the default metals whose code is missing. Returns how many were inserted.
pub async fn insert_default_metals(tx: &Tx<'_>) -> Result<u64, DbError> {
    let codes: Vec<String> = METALS.iter().map(|m| m.code.to_string()).collect();
    let names: Vec<String> = METALS.iter().map(|m| m.name.to_string()).collect();
    let types: Vec<String> = METALS.iter().map(|m| m.metal_type.to_string()).collect();
    let fines: Vec<String> = METALS
        .iter()
        .map(|m| m.fine_percentage.to_string())
        .collect();
    tx.execute(
        "insert into metals (code, name, metal_type, fine_percentage)
         select c, n, t, f::numeric from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as d(c, n, t, f)
         on conflict on constraint uq_metal_code_per_tenant do nothing",
        &[&codes, &names, &types, &fines],
    )
    .await
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
