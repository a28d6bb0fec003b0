//! Login, refresh, logout and password changes (decisions §2).

use chrono::{Duration, Utc};
use futures_util::future::{join, join3, join4};
use serde::Serialize;

use crate::auth::{hash_refresh_token, new_refresh_token, password};
use crate::context::Ctx;
use crate::db::Tx;
use crate::domain::{Password, UserId, Username};
use crate::error::{ApiError, ApiResult};
use crate::repo::auth::{self as repo, LoginRecord};
use crate::repo::users;

/// What `/auth/me` and sign-up answer (`role` is the role's name).
pub use crate::repo::users::UserRow;

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: &'static str,
}

pub struct LoginInput<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub remember_me: bool,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

/// What a login attempt decided. Failures are returned *after* the transaction that recorded them
/// commits (history rows, failure counters), hence not as `Err` from inside it.
pub enum LoginOutcome {
    Success(TokenPair),
    Rejected(ApiError),
}

/// Every refused login gets this one answer, after the same bcrypt work: a wrong password, an
/// unknown username, a deactivated user or tenant and a throttled attempt cannot be told apart.
fn refused() -> ApiError {
    ApiError::Unauthorized("Incorrect username or password".into())
}

/// The address a throttle row is keyed by; requests without one share a row.
fn throttle_address(ip: Option<&str>) -> &str {
    ip.unwrap_or("unknown")
}

pub async fn login(ctx: &Ctx, tx: &mut Tx<'_>, input: LoginInput<'_>) -> ApiResult<LoginOutcome> {
    let cfg = ctx.config();
    // Normalise exactly as sign-up does; an unparseable name simply matches nobody.
    let username = Username::parse(input.username)
        .map(|u| u.as_str().to_string())
        .unwrap_or_else(|_| {
            input
                .username
                .trim()
                .to_lowercase()
                .chars()
                .take(50)
                .collect()
        });
    if input.password.len() > 1024 {
        return Err(ApiError::field("password", "must be at most 1024 bytes"));
    }
    let address = throttle_address(input.ip);
    let limits = repo::ThrottleLimits {
        per_address: cfg.max_login_attempts,
        per_username: cfg.max_login_attempts_per_username,
        minutes: i32::try_from(cfg.lockout_duration_minutes).unwrap_or(i32::MAX),
    };
    // The user and the throttle in one flight: neither needs the other's answer.
    let (candidate, throttled) = join(
        repo::find_login_candidate(tx, &username),
        repo::throttle_locked(tx, &username, address),
    )
    .await;
    let (candidate, throttled) = (candidate?, throttled?);
    let mut record = LoginRecord {
        tenant_id: candidate.as_ref().map(|c| c.tenant_id),
        user_id: candidate.as_ref().map(|c| c.user_id),
        username: &username,
        ip: input.ip,
        user_agent: input.user_agent,
        success: false,
        failure_reason: None,
    };
    // The password is checked in every case (against a dummy hash for an unknown username), so
    // every answer costs the same bcrypt work.
    let ok = password::verify(
        input.password,
        candidate.as_ref().map(|c| c.hashed_password.clone()),
        cfg.bcrypt_cost,
    )
    .await?;
    let reason = match &candidate {
        _ if throttled => Some("throttled"),
        None => Some("invalid_credentials"),
        Some(_) if !ok => Some("invalid_credentials"),
        Some(user) if !user.tenant_active => Some("inactive_tenant"),
        Some(user) if !user.user_active => Some("inactive_user"),
        Some(_) => None,
    };
    if let Some(reason) = reason {
        // A throttled attempt is not counted again: the lock would never end under a steady attack
        // from elsewhere, and the pair is locked anyway.
        record.failure_reason = Some(reason);
        let (counted, recorded) = join(
            async {
                match reason {
                    "invalid_credentials" => {
                        repo::throttle_failure(tx, &username, address, &limits).await
                    }
                    _ => Ok(()),
                }
            },
            repo::record_login(tx, &record),
        )
        .await;
        counted?;
        recorded?;
        return Ok(LoginOutcome::Rejected(refused()));
    }
    let Some(user) = candidate else {
        return Err(ApiError::bug("login accepted without a user"));
    };
    tx.enter_tenant(user.tenant_id).await?;
    record.success = true;
    let tx = &*tx;
    // One flight: none of these needs another's answer.
    let (cleared, recorded, tokens) = join3(
        repo::throttle_clear(tx, &username, address),
        repo::record_login(tx, &record),
        issue_tokens(ctx, tx, user.user_id, input.remember_me, input.user_agent),
    )
    .await;
    cleared?;
    recorded?;
    Ok(LoginOutcome::Success(tokens?))
}

/// A new access token plus a new refresh token for another device/session of `user`.
pub async fn issue_tokens(
    ctx: &Ctx,
    tx: &Tx<'_>,
    user: UserId,
    remember_me: bool,
    user_agent: Option<&str>,
) -> ApiResult<TokenPair> {
    let cfg = ctx.config();
    let days = if remember_me {
        cfg.refresh_token_expire_days_remember_me
    } else {
        cfg.refresh_token_expire_days
    };
    let refresh_token = new_refresh_token();
    let hashed = hash_refresh_token(&refresh_token);
    // The refresh token is stored in the flight that reads the user for the access token.
    let (row, stored) = join(
        users::get(tx, user),
        repo::insert_refresh_token(
            tx,
            user,
            &hashed,
            Utc::now() + Duration::days(days),
            user_agent,
        ),
    )
    .await;
    let row = row?.ok_or_else(|| ApiError::internal("issuing tokens", "user vanished"))?;
    stored?;
    let (access_token, _) = ctx
        .jwt()
        .issue(&row.username, row.id.get(), row.tenant_id.get(), &row.role)
        .map_err(|e| ApiError::internal("signing token", e))?;
    Ok(TokenPair {
        access_token,
        refresh_token,
        token_type: "bearer",
    })
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AccessToken {
    pub access_token: String,
    pub token_type: &'static str,
}

/// Exchange a refresh token for a new access token. The refresh token is not rotated: the React app
/// keeps using the one it has and ignores a rotated one.
pub async fn refresh(
    ctx: &Ctx,
    tx: &mut Tx<'_>,
    refresh_token: &str,
) -> ApiResult<Result<AccessToken, ApiError>> {
    let invalid = || ApiError::Unauthorized("Invalid refresh token".into());
    if refresh_token.is_empty() || refresh_token.len() > 256 {
        return Ok(Err(invalid()));
    }
    let Some(row) = repo::find_refresh_token(tx, &hash_refresh_token(refresh_token)).await? else {
        return Ok(Err(invalid()));
    };
    if row.revoked {
        return Ok(Err(invalid()));
    }
    tx.enter_tenant(row.tenant_id).await?;
    if row.expires_at < Utc::now() {
        repo::delete_refresh_token(tx, row.token_id).await?;
        return Ok(Err(ApiError::Unauthorized("Refresh token expired".into())));
    }
    let user = users::get(tx, row.user_id).await?;
    let active = match &user {
        Some(u) => u.is_active && tenant_active(tx).await?,
        None => false,
    };
    let Some(user) = user.filter(|_| active) else {
        return Ok(Err(ApiError::Unauthorized(
            "User not found or inactive".into(),
        )));
    };
    let (access_token, _) = ctx
        .jwt()
        .issue(
            &user.username,
            user.id.get(),
            user.tenant_id.get(),
            &user.role,
        )
        .map_err(|e| ApiError::internal("signing token", e))?;
    Ok(Ok(AccessToken {
        access_token,
        token_type: "bearer",
    }))
}

async fn tenant_active(tx: &Tx<'_>) -> ApiResult<bool> {
    Ok(crate::repo::tenants_active(tx).await?)
}

/// Revoke the presented refresh token, or every session of the user (`all`, or no token given).
/// `all` also invalidates access tokens already issued.
pub async fn logout(tx: &Tx<'_>, refresh_token: Option<&str>, all: bool) -> ApiResult<()> {
    let user = tx.user_id()?;
    // A logout changes no audited row (tokens are not in the trail), so it appends its own entry;
    // sent with the revocation, in its flight.
    let everywhere = !matches!(
        (refresh_token.filter(|t| !t.is_empty()), all),
        (Some(_), false)
    );
    let audited = crate::repo::audit::append(
        tx,
        "logout",
        "user",
        user.get(),
        Some(serde_json::json!({ "all_sessions": everywhere })),
    );
    let revoked = async {
        match (refresh_token.filter(|t| !t.is_empty()), all) {
            (Some(token), false) => {
                repo::revoke_refresh_token(tx, user, &hash_refresh_token(token)).await?;
            }
            _ => {
                repo::revoke_all_refresh_tokens(tx, user).await?;
                if all {
                    repo::revoke_access_tokens(tx, user).await?;
                }
            }
        }
        Ok::<(), crate::error::DbError>(())
    };
    let (revoked, audited) = futures_util::future::join(revoked, audited).await;
    revoked?;
    audited?;
    Ok(())
}

/// Change one's own password: every other session ends; this one gets fresh tokens.
pub async fn change_password(
    ctx: &Ctx,
    tx: &Tx<'_>,
    current: &str,
    new: &Password,
    user_agent: Option<&str>,
) -> ApiResult<TokenPair> {
    let user = tx.user_id()?;
    let stored = users::hashed_password(tx, user).await?;
    if stored.is_none() || !password::verify(current, stored, ctx.config().bcrypt_cost).await? {
        // 400, not 401: a 401 makes the React app log the user out.
        return Err(ApiError::BadRequest("Current password is incorrect".into()));
    }
    let hashed = password::hash(new, ctx.config().bcrypt_cost).await?;
    // One flight: the new password, the revocations and the new tokens, in this order on the wire
    // (the new refresh token is stored after the old ones are revoked).
    let (set, refreshes, accesses, tokens) = join4(
        users::set_password(tx, user, &hashed),
        repo::revoke_all_refresh_tokens(tx, user),
        repo::revoke_access_tokens(tx, user),
        issue_tokens(ctx, tx, user, false, user_agent),
    )
    .await;
    set?;
    refreshes?;
    accesses?;
    tokens
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct LoginHistoryEntry {
    pub id: i64,
    /// Holds the username typed at login (the old API's field name).
    pub email: String,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub success: bool,
    pub failure_reason: Option<String>,
    pub timestamp: chrono::DateTime<Utc>,
}

/// The caller's own login history, newest first.
pub async fn login_history(tx: &Tx<'_>, limit: i64) -> ApiResult<Vec<LoginHistoryEntry>> {
    let user = tx.user_id()?;
    Ok(repo::login_history(tx, user, limit)
        .await?
        .into_iter()
        .map(|r| LoginHistoryEntry {
            id: r.id,
            email: r.username,
            ip_address: r.ip_address,
            user_agent: r.user_agent,
            success: r.success,
            failure_reason: r.failure_reason,
            timestamp: r.timestamp,
        })
        .collect())
}

pub async fn me(tx: &Tx<'_>) -> ApiResult<users::UserRow> {
    let user = tx.user_id()?;
    users::get(tx, user)
        .await?
        .ok_or_else(ApiError::unauthenticated)
}
