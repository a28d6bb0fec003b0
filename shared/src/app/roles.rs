//! Roles of the caller's tenant and the global permission catalogue (decisions §2).
//!
//! Rules: reading roles needs only a valid token (the React app lists them for everyone); changing
//! them needs `roles:manage`. The system roles (`admin`, `manager`, `staff`) are fixed: they cannot be
//! modified or deleted (400). A role still held by users cannot be deleted (409). Permission ids
//! must exist in the catalogue (422).

use futures_util::future::{join3, join4, join5, try_join};
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::db::Tx;
use crate::domain::{NonBlank, PermissionId, RoleId, TenantId};
use crate::error::{ApiError, ApiResult, OnConstraint};
use crate::repo::roles::{self as repo, RoleRow};

/// Longest role name and description.
pub const NAME_MAX: usize = 100;
pub const DESCRIPTION_MAX: usize = 500;

/// Answered by the API (and named in its OpenAPI document).
pub use crate::repo::roles::PermissionRow;

/// `RoleResponse` of the old API, with the role's permissions.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RoleResponse {
    pub id: RoleId,
    pub tenant_id: TenantId,
    pub name: String,
    pub description: Option<String>,
    pub is_system_role: bool,
    pub permissions: Vec<PermissionRow>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn response(role: RoleRow, permissions: Vec<PermissionRow>) -> RoleResponse {
    RoleResponse {
        id: role.id,
        tenant_id: role.tenant_id,
        name: role.name,
        description: role.description,
        is_system_role: role.is_system_role,
        permissions,
        created_at: role.created_at,
        updated_at: role.updated_at,
    }
}

fn role_not_found(id: RoleId) -> ApiError {
    ApiError::not_found("Role", id)
}

const NAME_UNIQUE: &str = "roles_tenant_id_name_key";

fn name_taken() -> ApiError {
    ApiError::Conflict("Role name already exists".into())
}

fn system_role() -> ApiError {
    ApiError::BadRequest("System roles cannot be modified".into())
}

/// The global permission catalogue.
pub async fn permissions(tx: &Tx<'_>) -> ApiResult<Vec<PermissionRow>> {
    Ok(repo::all_permissions(tx).await?)
}

fn with_permissions(
    roles: Vec<RoleRow>,
    permissions: Vec<(RoleId, PermissionRow)>,
) -> Vec<RoleResponse> {
    let mut by_role: HashMap<RoleId, Vec<PermissionRow>> = HashMap::new();
    for (role, permission) in permissions {
        by_role.entry(role).or_default().push(permission);
    }
    roles
        .into_iter()
        .map(|r| {
            let perms = by_role.remove(&r.id).unwrap_or_default();
            response(r, perms)
        })
        .collect()
}

pub async fn list(tx: &Tx<'_>) -> ApiResult<Vec<RoleResponse>> {
    // Every role's permissions: the list is the tenant's every role, so they need not wait for it.
    let (roles, permissions) = try_join(repo::list(tx), repo::permissions_of_tenant(tx)).await?;
    Ok(with_permissions(roles, permissions))
}

pub async fn get(tx: &Tx<'_>, id: RoleId) -> ApiResult<RoleResponse> {
    let (role, permissions) =
        try_join(repo::get(tx, id), repo::permissions_of(tx, &[id.get()])).await?;
    let role = role.ok_or_else(|| role_not_found(id))?;
    with_permissions(vec![role], permissions)
        .pop()
        .ok_or_else(|| ApiError::bug("role vanished"))
}

/// `ids` deduplicated: what a role's permissions are set to.
fn wanted_permissions(ids: &[PermissionId]) -> Vec<PermissionId> {
    let mut wanted = ids.to_vec();
    wanted.sort();
    wanted.dedup();
    wanted
}

/// Every id of `ids` must be in the catalogue (`existing`); the first unknown one is a 422.
fn check_known(ids: &[PermissionId], existing: &[PermissionId]) -> ApiResult<()> {
    match ids.iter().find(|id| !existing.contains(id)) {
        Some(missing) => Err(unknown_permission(*missing)),
        None => Ok(()),
    }
}

pub fn unknown_permission(id: impl std::fmt::Display) -> ApiError {
    ApiError::field(
        "permission_ids",
        format!("Permission with id {id} not found"),
    )
}

pub struct NewRole {
    pub name: NonBlank,
    pub description: Option<String>,
    pub permission_ids: Vec<PermissionId>,
}

pub async fn create(tx: &Tx<'_>, role: NewRole) -> ApiResult<RoleResponse> {
    let wanted = wanted_permissions(&role.permission_ids);
    // One flight: the catalogue check, the role with its permissions (one statement) and the role
    // read back by the id it drew. A refusal returns an error, which rolls the insert back.
    let (existing, inserted, row, permissions) = join4(
        repo::existing_permission_ids(tx, &wanted),
        repo::insert_with_permissions(tx, role.name.as_str(), role.description.as_deref(), &wanted),
        repo::get_inserted(tx),
        repo::permissions_of_inserted(tx),
    )
    .await;
    check_known(&role.permission_ids, &existing?)?;
    let id = inserted.on_constraint(NAME_UNIQUE, name_taken)?;
    let row = row?.ok_or_else(|| role_not_found(id))?;
    with_permissions(vec![row], permissions?)
        .pop()
        .ok_or_else(|| ApiError::bug("role vanished"))
}

/// What `PUT /roles/{id}` may change; `None` leaves a field as it is.
#[derive(Default)]
pub struct RoleChanges {
    pub name: Option<NonBlank>,
    /// `Some(None)` removes the description.
    pub description: Option<Option<String>>,
    /// Replaces the role's permissions.
    pub permission_ids: Option<Vec<PermissionId>>,
}

pub async fn update(tx: &Tx<'_>, id: RoleId, changes: RoleChanges) -> ApiResult<RoleResponse> {
    let wanted = changes.permission_ids.as_deref().map(wanted_permissions);
    // One flight: the locked row and the catalogue check, the changes, and the role read back. A
    // refusal returns an error, which rolls back what was sent behind its check.
    let (role, existing, updated, set, reread) = join5(
        repo::get_for_update(tx, id),
        async {
            match &wanted {
                Some(w) => repo::existing_permission_ids(tx, w).await.map(Some),
                None => Ok(None),
            }
        },
        repo::update(
            tx,
            id,
            changes.name.as_ref().map(NonBlank::as_str),
            changes.description.as_ref().map(|d| d.as_deref()),
        ),
        async {
            match &wanted {
                Some(w) => repo::set_permissions(tx, id, w).await,
                None => Ok(()),
            }
        },
        get(tx, id),
    )
    .await;
    let role = role?.ok_or_else(|| role_not_found(id))?;
    if role.is_system_role {
        return Err(system_role());
    }
    if let (Some(ids), Some(existing)) = (&changes.permission_ids, existing?) {
        check_known(ids, &existing)?;
    }
    updated.on_constraint(NAME_UNIQUE, name_taken)?;
    set?;
    reread
}

pub async fn delete(tx: &Tx<'_>, id: RoleId) -> ApiResult<()> {
    // Sent together: a refusal below returns an error, which rolls back whatever went out after
    // the check, so the write need not wait for the check's answer.
    let (role, users, deleted) = join3(
        repo::get_for_update(tx, id),
        repo::user_count(tx, id),
        repo::delete(tx, id),
    )
    .await;
    let role = role?.ok_or_else(|| role_not_found(id))?;
    if role.is_system_role {
        return Err(ApiError::BadRequest(
            "System roles cannot be deleted".into(),
        ));
    }
    let assigned = |n: i64| {
        ApiError::Conflict(format!(
            "Cannot delete role. {n} user(s) are assigned to this role"
        ))
    };
    let n = users?;
    if n > 0 {
        return Err(assigned(n));
    }
    // A user given this role after the count still trips the foreign key.
    deleted.on_constraint("users_tenant_id_role_id_fkey", || assigned(1))?;
    Ok(())
}
