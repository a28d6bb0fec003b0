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
    pub locked_until: Option<DateTime<Utc>>,
}

from_row!(LoginCandidate {
    user_id,
    tenant_id,
    hashed_password,
    user_active,
    tenant_active,
    locked_until,
});

pub async fn find_login_candidate(
    tx: &Tx<'_>,
    username: &str,
) -> Result<Option<LoginCandidate>, DbError> {
    let row = tx
        .query_opt(
            "select user_id, tenant_id, hashed_password, user_active, tenant_active, locked_until
               from auth_user_by_username($1)",
            &[&username],
        )
        .await?;
    row::optional(row)
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

pub async fn clear_failures(tx: &Tx<'_>, user: UserId) -> Result<(), DbError> {
    tx.execute(
        "update users set failed_login_attempts = 0, locked_until = null, last_failed_login = null
          where id = $1 and tenant_id = app_current_tenant()",
        &[&user.get()],
    )
    .await?;
    Ok(())
}

/// Count a failed password atomically and lock the account when the count reaches `max_attempts`.
/// Returns the new count.
pub async fn register_failure(
    tx: &Tx<'_>,
    user: UserId,
    max_attempts: i32,
    lockout_minutes: i64,
) -> Result<i32, DbError> {
    let row = tx
        .query_one(
            "update users
                set failed_login_attempts = failed_login_attempts + 1,
                    last_failed_login = now(),
                    locked_until = case when failed_login_attempts + 1 >= $2
                                        then now() + make_interval(mins => $3::int) else locked_until end
              where id = $1 and tenant_id = app_current_tenant()
          returning failed_login_attempts",
            &[&user.get(), &max_attempts, &(lockout_minutes as i32)],
        )
        .await?;
    row::get(&row, "failed_login_attempts")
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
