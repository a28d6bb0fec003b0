//! Login, refresh and revocation. The lookups before a tenant is known go through the SECURITY
//! DEFINER functions of the schema; everything after `Tx::enter_tenant` is ordinary RLS-scoped SQL.

use chrono::{DateTime, Utc};

use super::row::{self, from_row};
use crate::db::Tx;
use crate::domain::{TenantId, UserId};
use crate::error::DbError;

pub struct LoginCandidate {
    pub user_id: UserId,
    pub tenant_id: TenantId,
    pub hashed_password: String,
    pub user_active: bool,
    pub tenant_active: bool,
}

from_row!(LoginCandidate {
    user_id,
    tenant_id,
    hashed_password,
    user_active,
    tenant_active,
});

pub async fn find_login_candidate(
    tx: &Tx<'_>,
    username: &str,
) -> Result<Option<LoginCandidate>, DbError> {
    let row = tx
        .query_opt(
            "select user_id, tenant_id, hashed_password, user_active, tenant_active
               from auth_user_by_username($1)",
            &[&username],
        )
        .await?;
    row::optional(row)
}

/// Whether logins of `username` from `address` are locked now (the pair's count or the username's).
pub async fn throttle_locked(tx: &Tx<'_>, username: &str, address: &str) -> Result<bool, DbError> {
    let r = tx
        .query_one(
            "select auth_throttle_locked($1, $2) as locked",
            &[&username, &address],
        )
        .await?;
    row::get(&r, "locked")
}

/// How the throttle counts: limits per address and per username, the window and the lock's length.
pub struct ThrottleLimits {
    pub per_address: i32,
    pub per_username: i32,
    pub minutes: i32,
}

/// One failed login of `username` from `address`, counted atomically for the pair and the username.
pub async fn throttle_failure(
    tx: &Tx<'_>,
    username: &str,
    address: &str,
    limits: &ThrottleLimits,
) -> Result<(), DbError> {
    tx.execute(
        "select auth_throttle_fail($1, $2, $3, $4, $5, $5)",
        &[
            &username,
            &address,
            &limits.per_address,
            &limits.per_username,
            &limits.minutes,
        ],
    )
    .await?;
    Ok(())
}

/// Forget the failures of `username` from `address` (after a success there).
pub async fn throttle_clear(tx: &Tx<'_>, username: &str, address: &str) -> Result<(), DbError> {
    tx.execute("select auth_throttle_clear($1, $2)", &[&username, &address])
        .await?;
    Ok(())
}

/// Forget every failure of `username`, at every address.
pub async fn throttle_forget(tx: &Tx<'_>, username: &str) -> Result<(), DbError> {
    tx.execute("select auth_throttle_forget($1)", &[&username])
        .await?;
    Ok(())
}

pub struct LoginRecord<'a> {
    pub tenant_id: Option<TenantId>,
    pub user_id: Option<UserId>,
    pub username: &'a str,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub success: bool,
    pub failure_reason: Option<&'a str>,
}

pub async fn record_login(tx: &Tx<'_>, r: &LoginRecord<'_>) -> Result<(), DbError> {
    let ua = r
        .user_agent
        .map(|s| s.chars().take(512).collect::<String>());
    tx.execute(
        "select auth_record_login($1, $2, $3, $4, $5, $6, $7)",
        &[
            &r.tenant_id.map(TenantId::get),
            &r.user_id.map(UserId::get),
            &r.username,
            &r.ip,
            &ua,
            &r.success,
            &r.failure_reason,
        ],
    )
    .await?;
    Ok(())
}

pub async fn insert_refresh_token(
    tx: &Tx<'_>,
    user: UserId,
    token_hash: &str,
    expires_at: DateTime<Utc>,
    user_agent: Option<&str>,
) -> Result<(), DbError> {
    let ua = user_agent.map(|s| s.chars().take(512).collect::<String>());
    tx.execute(
        "insert into refresh_tokens (user_id, token_hash, expires_at, user_agent) values ($1, $2, $3, $4)",
        &[&user.get(), &token_hash, &expires_at, &ua],
    )
    .await?;
    Ok(())
}

pub struct RefreshTokenRow {
    pub token_id: i64,
    pub user_id: UserId,
    pub tenant_id: TenantId,
    pub expires_at: DateTime<Utc>,
    pub revoked: bool,
}

from_row!(RefreshTokenRow {
    token_id,
    user_id,
    tenant_id,
    expires_at,
    revoked,
});

pub async fn find_refresh_token(
    tx: &Tx<'_>,
    token_hash: &str,
) -> Result<Option<RefreshTokenRow>, DbError> {
    let row = tx
        .query_opt(
            "select token_id, user_id, tenant_id, expires_at, revoked_at is not null as revoked from auth_refresh_lookup($1)",
            &[&token_hash],
        )
        .await?;
    row::optional(row)
}

pub async fn delete_refresh_token(tx: &Tx<'_>, token_id: i64) -> Result<(), DbError> {
    tx.execute(
        "delete from refresh_tokens where id = $1 and tenant_id = app_current_tenant()",
        &[&token_id],
    )
    .await?;
    Ok(())
}

/// Revoke one refresh token of `user` by its hash. Returns whether one was revoked.
pub async fn revoke_refresh_token(
    tx: &Tx<'_>,
    user: UserId,
    token_hash: &str,
) -> Result<bool, DbError> {
    let n = tx
        .execute(
            "update refresh_tokens set revoked_at = now()
              where user_id = $1 and token_hash = $2 and revoked_at is null and tenant_id = app_current_tenant()",
            &[&user.get(), &token_hash],
        )
        .await?;
    Ok(n > 0)
}

pub async fn revoke_all_refresh_tokens(tx: &Tx<'_>, user: UserId) -> Result<u64, DbError> {
    tx.execute(
        "update refresh_tokens set revoked_at = now()
          where user_id = $1 and revoked_at is null and tenant_id = app_current_tenant()",
        &[&user.get()],
    )
    .await
}

/// "Log out everywhere": access tokens issued before now stop working at once.
pub async fn revoke_access_tokens(tx: &Tx<'_>, user: UserId) -> Result<(), DbError> {
    tx.execute(
        "update users set tokens_valid_after = date_trunc('milliseconds', clock_timestamp()) where id = $1 and tenant_id = app_current_tenant()",
        &[&user.get()],
    )
    .await?;
    Ok(())
}

pub struct LoginHistoryRow {
    pub id: i64,
    pub username: String,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub success: bool,
    pub failure_reason: Option<String>,
    pub timestamp: DateTime<Utc>,
}

from_row!(LoginHistoryRow {
    id,
    username,
    ip_address,
    user_agent,
    success,
    failure_reason,
    timestamp,
});

pub async fn login_history(
    tx: &Tx<'_>,
    user: UserId,
    limit: i64,
) -> Result<Vec<LoginHistoryRow>, DbError> {
    let rows = tx
        .query(
            "select id, username, ip_address, user_agent, success, failure_reason, timestamp
               from login_history
              where user_id = $1 and tenant_id = app_current_tenant()
              order by timestamp desc, id desc
              limit $2",
            &[&user.get(), &limit],
        )
        .await?;
    row::all(&rows)
}
