//! Sign-up creates and provisions a tenant and makes the caller its admin (decisions §2); users are
//! added to an existing tenant only by one of its admins.

use crate::auth::password;
use crate::context::Ctx;
use crate::db::Tx;
use crate::domain::permissions::{ADMIN, STAFF};
use crate::domain::tenant::Subdomain;
use crate::domain::{Email, NonBlank, Password, RoleId, Username};
use crate::error::{ApiError, ApiResult, OnConstraint};
use crate::repo::provisioning as prov;
use crate::repo::users::{self, NewUser, UserRow};

pub struct NewAccount {
    pub username: Username,
    pub password: Password,
    pub full_name: NonBlank,
    pub email: Option<Email>,
}

pub struct NewTenant {
    pub name: NonBlank,
    pub subdomain: Option<Subdomain>,
}

/// Create a tenant with everything it starts with, and its first user as `admin`.
pub async fn sign_up(
    ctx: &Ctx,
    tx: &mut Tx<'_>,
    tenant: NewTenant,
    account: NewAccount,
) -> ApiResult<UserRow> {
    // Hash first: it is the slow part and needs no transaction state.
    let hashed = password::hash(&account.password, ctx.config().bcrypt_cost).await?;
    let subdomain = match tenant.subdomain {
        Some(s) => s,
        None => {
            let base = Subdomain::from_name(tenant.name.as_str());
            let mut candidate = base.clone();
            let mut n = 2;
            while prov::subdomain_taken(tx, candidate.as_str()).await? {
                candidate = base.with_suffix(n);
                n += 1;
            }
            candidate
        }
    };
    let tenant_id = prov::create_tenant(tx, tenant.name.as_str(), subdomain.as_str())
        .await
        .on_constraint(SUBDOMAIN_UNIQUE, subdomain_taken)?;
    tx.enter_tenant(tenant_id).await?;
    let roles = prov::create_system_roles(tx).await?;
    prov::insert_default_lookup_values(tx).await?;
    prov::insert_default_metals(tx).await?;
    prov::ensure_inventory_department(tx).await?;
    let admin = roles
        .iter()
        .find(|(name, _)| name == ADMIN)
        .map(|(_, id)| *id)
        .ok_or_else(|| ApiError::bug("system role admin missing after provisioning"))?;
    insert_user(tx, &account, &hashed, admin).await
}

/// Add a user to the current tenant (the caller is an admin of it). `role_id` must be one of this
/// tenant's roles; another tenant's role id is indistinguishable from a missing one.
pub async fn add_user(
    ctx: &Ctx,
    tx: &Tx<'_>,
    account: NewAccount,
    role_id: Option<RoleId>,
) -> ApiResult<UserRow> {
    match role_id {
        Some(id) => {
            if !users::role_exists(tx, id).await? {
                return Err(ApiError::field(
                    "role_id",
                    format!("Role with id {id} not found"),
                ));
            }
            let hashed = password::hash(&account.password, ctx.config().bcrypt_cost).await?;
            insert_user(tx, &account, &hashed, id).await
        }
        None => {
            let role = users::role_by_name(tx, STAFF)
                .await?
                .ok_or_else(|| ApiError::bug("system role staff missing"))?;
            let hashed = password::hash(&account.password, ctx.config().bcrypt_cost).await?;
            insert_user(tx, &account, &hashed, role).await
        }
    }
}

async fn insert_user(
    tx: &Tx<'_>,
    account: &NewAccount,
    hashed: &str,
    role: RoleId,
) -> ApiResult<UserRow> {
    let new = NewUser {
        username: account.username.as_str(),
        email: account.email.as_ref().map(Email::as_str),
        full_name: account.full_name.as_str(),
        hashed_password: hashed,
        role_id: role,
    };
    // Read back in the same flight, by the id the insert drew.
    let (inserted, row) =
        futures_util::future::join(users::insert(tx, &new), users::get_inserted(tx)).await;
    inserted.on_constraint(USERNAME_UNIQUE, username_taken)?;
    row?.ok_or_else(|| ApiError::bug("user vanished after insert"))
}

/// The unique constraint on `users.username` (usernames are global).
pub const USERNAME_UNIQUE: &str = "users_username_key";

pub fn username_taken() -> ApiError {
    ApiError::Conflict("Username already registered".into())
}

/// The unique constraint on `tenants.subdomain`.
pub(crate) const SUBDOMAIN_UNIQUE: &str = "tenants_subdomain_key";

pub(crate) fn subdomain_taken() -> ApiError {
    ApiError::Conflict("Subdomain already exists".into())
}
