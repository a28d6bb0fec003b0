//! User management inside the caller's tenant (permission `users:manage`, decisions §2).
//!
//! Rules: every user has a role of this tenant; deactivating a user or resetting their password ends
//! all of their sessions at once (refresh tokens revoked, access tokens rejected via
//! `tokens_valid_after`); the tenant's last active admin can be neither deactivated nor demoted.

use crate::auth::password;
use crate::context::Ctx;
use crate::db::Tx;
use crate::domain::permissions::ADMIN;
use crate::domain::{Email, NonBlank, Password, RoleId, UserId};
use crate::error::{ApiError, ApiResult, OnConstraint};
use crate::repo::auth as auth_repo;
use crate::repo::users::{self, UserPatch};

use super::signup::{self, NewAccount};

/// Longest `full_name` (the column is `varchar(255)`).
pub const FULL_NAME_MAX: usize = 255;

/// Answered by the API (and named in its OpenAPI document).
pub use crate::repo::users::UserRow;

fn user_not_found(id: UserId) -> ApiError {
    ApiError::not_found("User", id)
}

fn last_admin() -> ApiError {
    ApiError::Conflict("Cannot deactivate or demote the last active admin of the tenant".into())
}

pub async fn list(tx: &Tx<'_>) -> ApiResult<Vec<UserRow>> {
    Ok(users::list(tx).await?)
}

pub async fn get(tx: &Tx<'_>, id: UserId) -> ApiResult<UserRow> {
    users::get(tx, id).await?.ok_or_else(|| user_not_found(id))
}

/// Add a user to the caller's tenant with `role`, which must be one of this tenant's roles (422).
pub async fn create(
    ctx: &Ctx,
    tx: &Tx<'_>,
    account: NewAccount,
    role: RoleId,
) -> ApiResult<UserRow> {
    signup::add_user(ctx, tx, account, Some(role)).await
}

/// What `PUT /users/{id}` may change; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct UserChanges {
    pub full_name: Option<NonBlank>,
    /// `Some(None)` removes the e-mail.
    pub email: Option<Option<Email>>,
    pub role_id: Option<RoleId>,
    pub is_active: Option<bool>,
    /// An admin's reset of the user's password.
    pub password: Option<Password>,
}

pub async fn update(
    ctx: &Ctx,
    tx: &Tx<'_>,
    id: UserId,
    changes: UserChanges,
) -> ApiResult<UserRow> {
    // Hash before taking any lock: it is the slow part.
    let hashed = match &changes.password {
        Some(p) => Some(password::hash(p, ctx.config().bcrypt_cost).await?),
        None => None,
    };
    let may_remove_admin = changes.is_active == Some(false) || changes.role_id.is_some();
    let admin_role = if may_remove_admin {
        users::lock_admin_role(tx, ADMIN).await?
    } else {
        None
    };
    let user = get(tx, id).await?;
    if let Some(role) = changes.role_id
        && !users::role_exists(tx, role).await?
    {
        return Err(ApiError::field(
            "role_id",
            format!("Role with id {role} not found"),
        ));
    }
    if let Some(admin) = admin_role {
        let is_active_admin = user.is_active && user.role_id == admin;
        let loses_admin =
            changes.is_active == Some(false) || changes.role_id.is_some_and(|r| r != admin);
        if is_active_admin
            && loses_admin
            && users::count_active_with_role_except(tx, admin, id).await? == 0
        {
            return Err(last_admin());
        }
    }
    let updated = users::update(
        tx,
        id,
        &UserPatch {
            full_name: changes.full_name.as_ref().map(NonBlank::as_str),
            email: changes
                .email
                .as_ref()
                .map(|e| e.as_ref().map(Email::as_str)),
            role_id: changes.role_id,
            is_active: changes.is_active,
        },
    )
    .await;
    match changes.role_id {
        // The role was deleted after the check above.
        Some(role) => updated.on_constraint("users_tenant_id_role_id_fkey", || {
            ApiError::field("role_id", format!("Role with id {role} not found"))
        })?,
        None => updated?,
    }
    if let Some(hashed) = &hashed {
        users::set_password(tx, id, hashed).await?;
        // A reset also lifts the login throttle: the admin just gave the user a known password.
        let user = get(tx, id).await?;
        auth_repo::throttle_forget(tx, &user.username).await?;
    }
    if hashed.is_some() || changes.is_active == Some(false) {
        auth_repo::revoke_all_refresh_tokens(tx, id).await?;
        auth_repo::revoke_access_tokens(tx, id).await?;
    }
    get(tx, id).await
}

/// `DELETE /users/{id}`: users are deactivated, never removed (their history references them).
pub async fn deactivate(ctx: &Ctx, tx: &Tx<'_>, id: UserId) -> ApiResult<UserRow> {
    update(
        ctx,
        tx,
        id,
        UserChanges {
            is_active: Some(false),
            ..UserChanges::default()
        },
    )
    .await
}
