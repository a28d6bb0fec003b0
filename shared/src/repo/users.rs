//! Users of the current tenant.

use chrono::{DateTime, Utc};

use super::row::{self, from_row};
use crate::db::Tx;
use crate::domain::{RoleId, TenantId, UserId};
use crate::error::DbError;

#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct UserRow {
    pub id: UserId,
    pub username: String,
    pub email: Option<String>,
    pub full_name: Option<String>,
    pub role_id: RoleId,
    /// The role's name; never null (every user has a role).
    pub role: String,
    pub tenant_id: TenantId,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub(crate) const USER_COLUMNS: &str = "u.id, u.username, u.email, u.full_name, u.role_id, r.name as role, u.tenant_id, u.is_active, u.created_at, u.updated_at";

from_row!(UserRow {
    id,
    username,
    email,
    full_name,
    role_id,
    role,
    tenant_id,
    is_active,
    created_at,
    updated_at,
});

pub async fn get(tx: &Tx<'_>, id: UserId) -> Result<Option<UserRow>, DbError> {
    let sql = format!(
        "select {USER_COLUMNS} from users u join roles r on r.id = u.role_id and r.tenant_id = u.tenant_id
          where u.id = $1 and u.tenant_id = app_current_tenant()"
    );
    row::optional(tx.query_opt(&sql, &[&id]).await?)
}

/// The user this session inserted last (`currval` of the table's identity, in a subquery so that
/// it is evaluated once and the index serves): for reading back an insert sent in the same
/// flight, before its id is known.
pub async fn get_inserted(tx: &Tx<'_>) -> Result<Option<UserRow>, DbError> {
    let sql = format!(
        "select {USER_COLUMNS} from users u join roles r on r.id = u.role_id and r.tenant_id = u.tenant_id
          where u.id = (select currval(pg_get_serial_sequence('users', 'id')))
            and u.tenant_id = app_current_tenant()"
    );
    row::optional(tx.query_opt(&sql, &[]).await?)
}

pub async fn list(tx: &Tx<'_>) -> Result<Vec<UserRow>, DbError> {
    let sql = format!(
        "select {USER_COLUMNS} from users u join roles r on r.id = u.role_id and r.tenant_id = u.tenant_id
          where u.tenant_id = app_current_tenant() order by u.username"
    );
    row::all(&tx.query(&sql, &[]).await?)
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub email: Option<&'a str>,
    pub full_name: &'a str,
    pub hashed_password: &'a str,
    pub role_id: RoleId,
}

/// Insert a user into the current tenant. A taken username is `DbError::Unique { users_username_key }`.
pub async fn insert(tx: &Tx<'_>, u: &NewUser<'_>) -> Result<UserId, DbError> {
    let row = tx
        .query_one(
            "insert into users (username, email, full_name, hashed_password, role_id)
             values ($1, $2, $3, $4, $5) returning id",
            &[
                &u.username,
                &u.email,
                &u.full_name,
                &u.hashed_password,
                &u.role_id.get(),
            ],
        )
        .await?;
    row::get(&row, "id")
}

pub async fn hashed_password(tx: &Tx<'_>, id: UserId) -> Result<Option<String>, DbError> {
    tx.query_opt(
        "select hashed_password from users where id = $1 and tenant_id = app_current_tenant()",
        &[&id],
    )
    .await?
    .map(|r| row::get(&r, "hashed_password"))
    .transpose()
}

pub async fn set_password(tx: &Tx<'_>, id: UserId, hashed: &str) -> Result<(), DbError> {
    tx.execute(
        "update users set hashed_password = $2 where id = $1 and tenant_id = app_current_tenant()",
        &[&id.get(), &hashed],
    )
    .await?;
    Ok(())
}

pub async fn role_exists(tx: &Tx<'_>, id: RoleId) -> Result<bool, DbError> {
    Ok(tx
        .query_opt(
            "select 1 from roles where id = $1 and tenant_id = app_current_tenant()",
            &[&id.get()],
        )
        .await?
        .is_some())
}

pub async fn role_by_name(tx: &Tx<'_>, name: &str) -> Result<Option<RoleId>, DbError> {
    tx.query_opt(
        "select id from roles where name = $1 and tenant_id = app_current_tenant()",
        &[&name],
    )
    .await?
    .map(|r| row::get(&r, "id"))
    .transpose()
}

/// Changes to a user; `None` leaves a column as it is. `email: Some(None)` clears the e-mail.
#[derive(Default)]
pub struct UserPatch<'a> {
    pub full_name: Option<&'a str>,
    pub email: Option<Option<&'a str>>,
    pub role_id: Option<RoleId>,
    pub is_active: Option<bool>,
}

pub async fn update(tx: &Tx<'_>, id: UserId, p: &UserPatch<'_>) -> Result<(), DbError> {
    let set_email = p.email.is_some();
    let email = p.email.flatten();
    tx.execute(
        "update users
            set full_name = coalesce($2, full_name),
                email = case when $3 then $4 else email end,
                role_id = coalesce($5, role_id),
                is_active = coalesce($6, is_active)
          where id = $1 and tenant_id = app_current_tenant()",
        &[
            &id.get(),
            &p.full_name,
            &set_email,
            &email,
            &p.role_id.map(RoleId::get),
            &p.is_active,
        ],
    )
    .await?;
    Ok(())
}

/// The tenant's system `admin` role, locked until the transaction ends. Every change that could
/// remove the last active admin takes this lock first, so two such changes cannot both pass the
/// "another admin remains" check.
pub async fn lock_admin_role(tx: &Tx<'_>, admin: &str) -> Result<Option<RoleId>, DbError> {
    tx.query_opt(
        "select id from roles
          where name = $1 and is_system_role and tenant_id = app_current_tenant()
          for update",
        &[&admin],
    )
    .await?
    .map(|r| row::get(&r, "id"))
    .transpose()
}

/// Active users holding `role`, other than `except`.
pub async fn count_active_with_role_except(
    tx: &Tx<'_>,
    role: RoleId,
    except: UserId,
) -> Result<i64, DbError> {
    let r = tx
        .query_one(
            "select count(*) as users from users
              where role_id = $1 and is_active and id <> $2 and tenant_id = app_current_tenant()",
            &[&role, &except],
        )
        .await?;
    row::get(&r, "users")
}
