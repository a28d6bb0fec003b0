//! Roles of the current tenant, their permissions, and the global permission catalogue.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::row::{self, FromRow, from_row};
use crate::db::{Param, Tx};
use crate::domain::{PermissionId, RoleId, TenantId};
use crate::error::DbError;

/// A row of the global permission catalogue (`resource:action`).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PermissionRow {
    pub id: PermissionId,
    pub name: String,
    pub description: Option<String>,
    pub resource: String,
    pub action: String,
    pub created_at: DateTime<Utc>,
}

from_row!(PermissionRow {
    id,
    name,
    description,
    resource,
    action,
    created_at,
});

#[derive(Debug, Clone)]
pub struct RoleRow {
    pub id: RoleId,
    pub tenant_id: TenantId,
    pub name: String,
    pub description: Option<String>,
    pub is_system_role: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const ROLE_COLUMNS: &str =
    "r.id, r.tenant_id, r.name, r.description, r.is_system_role, r.created_at, r.updated_at";

from_row!(RoleRow {
    id,
    tenant_id,
    name,
    description,
    is_system_role,
    created_at,
    updated_at,
});

/// The whole catalogue. Global (not tenant data), so no tenant filter.
pub async fn all_permissions(tx: &Tx<'_>) -> Result<Vec<PermissionRow>, DbError> {
    row::all(
        &tx.query(
            "select id, name, description, resource, action, created_at from permissions order by id",
            &[],
        )
        .await?,
    )
}

/// Which of `ids` exist in the catalogue.
pub async fn existing_permission_ids(
    tx: &Tx<'_>,
    ids: &[PermissionId],
) -> Result<Vec<PermissionId>, DbError> {
    let raw: Vec<i64> = ids.iter().map(|i| i.get()).collect();
    tx.query("select id from permissions where id = any($1)", &[&raw])
        .await?
        .iter()
        .map(|r| row::get(r, "id"))
        .collect()
}

pub async fn list(tx: &Tx<'_>) -> Result<Vec<RoleRow>, DbError> {
    let sql = format!(
        "select {ROLE_COLUMNS} from roles r where r.tenant_id = app_current_tenant() order by r.id"
    );
    row::all(&tx.query(&sql, &[]).await?)
}

pub async fn get(tx: &Tx<'_>, id: RoleId) -> Result<Option<RoleRow>, DbError> {
    let sql = format!(
        "select {ROLE_COLUMNS} from roles r where r.id = $1 and r.tenant_id = app_current_tenant()"
    );
    row::optional(tx.query_opt(&sql, &[&id]).await?)
}

/// `get`, locking the row until the transaction ends (serialises concurrent changes to one role).
pub async fn get_for_update(tx: &Tx<'_>, id: RoleId) -> Result<Option<RoleRow>, DbError> {
    let sql = format!(
        "select {ROLE_COLUMNS} from roles r where r.id = $1 and r.tenant_id = app_current_tenant() for update"
    );
    row::optional(tx.query_opt(&sql, &[&id]).await?)
}

/// The permissions of every role of the current tenant, as (role id, permission) pairs.
pub async fn permissions_of_tenant(tx: &Tx<'_>) -> Result<Vec<(RoleId, PermissionRow)>, DbError> {
    permissions_where(tx, "true", &[]).await
}

/// The permissions of the given roles of the current tenant, as (role id, permission) pairs.
pub async fn permissions_of(
    tx: &Tx<'_>,
    roles: &[i64],
) -> Result<Vec<(RoleId, PermissionRow)>, DbError> {
    permissions_where(tx, "rp.role_id = any($1)", &[&roles.to_vec()]).await
}

/// The permissions of the current tenant's roles that `which` selects, as (role id, permission)
/// pairs, by role.
async fn permissions_where(
    tx: &Tx<'_>,
    which: &str,
    params: &[&dyn Param],
) -> Result<Vec<(RoleId, PermissionRow)>, DbError> {
    let sql = format!(
        "select p.id, p.name, p.description, p.resource, p.action, p.created_at, rp.role_id
           from role_permissions rp
           join permissions p on p.id = rp.permission_id
          where rp.tenant_id = app_current_tenant() and {which}
          order by rp.role_id, p.id"
    );
    let rows = tx.query(&sql, params).await?;
    rows.iter()
        .map(|r| Ok((row::get(r, "role_id")?, PermissionRow::from_row(r)?)))
        .collect()
}

/// Insert a custom role with `permissions` (those of the catalogue), in one statement. A taken name
/// is `DbError::Unique { roles_tenant_id_name_key }`.
pub async fn insert_with_permissions(
    tx: &Tx<'_>,
    name: &str,
    description: Option<&str>,
    permissions: &[PermissionId],
) -> Result<RoleId, DbError> {
    let raw: Vec<i64> = permissions.iter().map(|p| p.get()).collect();
    // The permissions' foreign key to the role is checked at the end of the statement, when the
    // role's row is in.
    let row = tx
        .query_one(
            "with r as (insert into roles (name, description, is_system_role)
                        values ($1, $2, false) returning id),
                  p as (insert into role_permissions (role_id, permission_id)
                        select r.id, p.id from r, permissions p where p.id = any($3))
             select id from r",
            &[&name, &description, &raw],
        )
        .await?;
    row::get(&row, "id")
}

/// The role this session inserted last (`currval` of the table's identity, in a subquery so that
/// it is evaluated once and the index serves): for reading back an insert sent in the same
/// flight, before its id is known.
pub async fn get_inserted(tx: &Tx<'_>) -> Result<Option<RoleRow>, DbError> {
    let sql = format!(
        "select {ROLE_COLUMNS} from roles r
          where r.id = (select currval(pg_get_serial_sequence('roles', 'id')))
            and r.tenant_id = app_current_tenant()"
    );
    row::optional(tx.query_opt(&sql, &[]).await?)
}

/// `permissions_of` the role this session inserted last (see `get_inserted`).
pub async fn permissions_of_inserted(tx: &Tx<'_>) -> Result<Vec<(RoleId, PermissionRow)>, DbError> {
    permissions_where(
        tx,
        "rp.role_id = (select currval(pg_get_serial_sequence('roles', 'id')))",
        &[],
    )
    .await
}

/// Change name and/or description; `None` leaves a column as it is, `Some(None)` clears the description.
pub async fn update(
    tx: &Tx<'_>,
    id: RoleId,
    name: Option<&str>,
    description: Option<Option<&str>>,
) -> Result<(), DbError> {
    let set_description = description.is_some();
    let description = description.flatten();
    tx.execute(
        "update roles
            set name = coalesce($2, name),
                description = case when $3 then $4 else description end
          where id = $1 and tenant_id = app_current_tenant()",
        &[&id.get(), &name, &set_description, &description],
    )
    .await?;
    Ok(())
}

/// Replace the role's permissions with exactly `permissions`.
pub async fn set_permissions(
    tx: &Tx<'_>,
    id: RoleId,
    permissions: &[PermissionId],
) -> Result<(), DbError> {
    let raw: Vec<i64> = permissions.iter().map(|p| p.get()).collect();
    // Only what changes: the audit trail then shows exactly the permissions granted and revoked.
    // Sent together, run in order: the insert needs nothing from the delete's answer.
    let (deleted, inserted) = futures_util::future::join(
        tx.execute(
            "delete from role_permissions
              where role_id = $1 and tenant_id = app_current_tenant() and permission_id <> all($2)",
            &[&id.get(), &raw],
        ),
        tx.execute(
            "insert into role_permissions (role_id, permission_id)
             select $1, p.id from permissions p where p.id = any($2)
             on conflict do nothing",
            &[&id.get(), &raw],
        ),
    )
    .await;
    deleted?;
    inserted?;
    Ok(())
}

/// How many users (active or not) have this role.
pub async fn user_count(tx: &Tx<'_>, id: RoleId) -> Result<i64, DbError> {
    let r = tx
        .query_one(
            "select count(*) as users from users where role_id = $1 and tenant_id = app_current_tenant()",
            &[&id],
        )
        .await?;
    row::get(&r, "users")
}

/// Delete a role. Users still holding it make this `DbError::ForeignKey { users_tenant_id_role_id_fkey }`.
pub async fn delete(tx: &Tx<'_>, id: RoleId) -> Result<u64, DbError> {
    tx.execute(
        "delete from roles where id = $1 and tenant_id = app_current_tenant()",
        &[&id.get()],
    )
    .await
}
