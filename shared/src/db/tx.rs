//! `Tx`: a transaction, a system one until `authorize` or `enter_tenant` scopes it to a tenant. Query
//! methods are crate-private: SQL lives in `repo`, and the `functions` crate cannot run queries of its
//! own. Transactions are begun, committed and rolled back by `http::endpoint::dispatch` only.

use chrono::{DateTime, Utc};
use tokio_postgres::{Row, Transaction};

use super::params::{Param, typed};
use crate::auth::jwt::Claims;
use crate::domain::{RoleId, TenantId, UserId};
use crate::error::{ApiError, ApiResult, DbError};

/// The authenticated caller, as re-validated against the database for this request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: UserId,
    pub tenant_id: TenantId,
    pub username: String,
    pub role_id: RoleId,
    pub role_name: String,
    pub permissions: Vec<String>,
}

impl Principal {
    pub fn has(&self, permission: &str) -> bool {
        self.permissions.iter().any(|p| p == permission)
    }

    pub fn require(&self, permission: &str) -> ApiResult<()> {
        if self.has(permission) {
            Ok(())
        } else {
            Err(ApiError::missing_permission(permission))
        }
    }
}

pub struct Tx<'c> {
    inner: Transaction<'c>,
    tenant: Option<TenantId>,
    principal: Option<Principal>,
}

impl<'c> Tx<'c> {
    pub(crate) fn new(inner: Transaction<'c>) -> Self {
        Tx {
            inner,
            tenant: None,
            principal: None,
        }
    }

    pub(crate) async fn commit(self) -> ApiResult<()> {
        self.inner.commit().await.map_err(DbError::from)?;
        Ok(())
    }

    /// The tenant this transaction is scoped to.
    pub fn tenant(&self) -> ApiResult<TenantId> {
        self.tenant
            .ok_or_else(|| ApiError::bug("tenant-scoped query outside a tenant"))
    }

    pub fn principal(&self) -> ApiResult<&Principal> {
        self.principal
            .as_ref()
            .ok_or_else(ApiError::unauthenticated)
    }

    /// Scope the rest of this transaction to `tenant` (row-level security). For flows that find the
    /// tenant themselves: login, refresh, sign-up. Through the SQL function `enter_tenant` (0008):
    /// RDS Proxy would pin the session on a `set_config` sent as a statement of our own.
    pub async fn enter_tenant(&mut self, tenant: TenantId) -> ApiResult<()> {
        self.execute("select enter_tenant($1)", &[&tenant.get()])
            .await?;
        self.tenant = Some(tenant);
        Ok(())
    }

    pub(crate) async fn query(
        &self,
        sql: &str,
        params: &[&dyn Param],
    ) -> Result<Vec<Row>, DbError> {
        Ok(self.inner.query_typed(sql, &typed(params)).await?)
    }

    pub(crate) async fn query_opt(
        &self,
        sql: &str,
        params: &[&dyn Param],
    ) -> Result<Option<Row>, DbError> {
        let mut rows = self.query(sql, params).await?;
        if rows.len() > 1 {
            return Err(DbError::Unexpected(format!(
                "expected at most one row, got {}",
                rows.len()
            )));
        }
        Ok(rows.pop())
    }

    pub(crate) async fn query_one(&self, sql: &str, params: &[&dyn Param]) -> Result<Row, DbError> {
        self.query_opt(sql, params)
            .await?
            .ok_or_else(|| DbError::Unexpected("expected one row, got none".into()))
    }

    pub(crate) async fn execute(&self, sql: &str, params: &[&dyn Param]) -> Result<u64, DbError> {
        Ok(self.inner.execute_typed(sql, &typed(params)).await?)
    }
}

impl Tx<'_> {
    /// Act as `user` of `tenant` for the rest of this transaction, with their role's permissions,
    /// exactly as a request of theirs would (the same `auth_context` check): for work the system
    /// does on a user's behalf, such as the demo seed's ledger entries. Never for a request.
    pub(crate) async fn act_as(&mut self, tenant: TenantId, user: UserId) -> ApiResult<()> {
        let now = Utc::now();
        let claims = Claims {
            sub: String::new(),
            user_id: user.get(),
            tenant_id: tenant.get(),
            role: String::new(),
            iat: now.timestamp(),
            iat_ms: now.timestamp_millis(),
            exp: now.timestamp() + 60,
            jti: String::new(),
        };
        self.authorize(&claims, &[]).await
    }

    /// Authenticate the token's user inside this transaction and scope the rest of it to their tenant.
    /// One statement sets the tenant for row-level security, re-checks that the user and tenant are
    /// active and the token was not revoked, and loads the role's permissions; every permission in
    /// `required` must then be granted. Only `http::endpoint::dispatch` calls this, from an endpoint's
    /// declaration: a handler cannot skip or weaken it.
    pub(crate) async fn authorize(&mut self, claims: &Claims, required: &[&str]) -> ApiResult<()> {
        let issued_at: DateTime<Utc> =
            DateTime::from_timestamp_millis(claims.iat_ms).ok_or_else(ApiError::unauthenticated)?;
        let row = self
            .query_opt(
                "select username, role_id, role_name, permissions from auth_context($1, $2, $3)",
                &[&claims.tenant_id, &claims.user_id, &issued_at],
            )
            .await?
            .ok_or_else(ApiError::unauthenticated)?;
        let principal = Principal {
            user_id: UserId::from_db(claims.user_id),
            tenant_id: TenantId::from_db(claims.tenant_id),
            username: row.try_get("username").map_err(DbError::from)?,
            role_id: RoleId::from_db(row.try_get("role_id").map_err(DbError::from)?),
            role_name: row.try_get("role_name").map_err(DbError::from)?,
            permissions: row.try_get("permissions").map_err(DbError::from)?,
        };
        for p in required {
            principal.require(p)?;
        }
        self.tenant = Some(principal.tenant_id);
        self.principal = Some(principal);
        Ok(())
    }
}
