//! `Tx`: a transaction, a system one until `authorize` or `enter_tenant` scopes it to a tenant. Query
//! methods are crate-private: SQL lives in `repo`, and the `functions` crate cannot run queries of its
//! own. Transactions are begun, committed and rolled back by `http::endpoint::dispatch` only.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

use chrono::{DateTime, Utc};
use futures_util::FutureExt;
use tokio::sync::Notify;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, Row};

use super::params::{Param, typed};
use super::wire::Flights;
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
    client: &'c Client,
    /// The connection's flights (`wire`), and their count when the request's checkout began.
    flights: &'c Flights,
    flights_start: u64,
    /// The BEGIN this transaction sends with its first statement (`start`).
    begin: &'static str,
    /// BEGIN went out and neither COMMIT nor ROLLBACK has yet: dropped like this, it rolls back.
    open: AtomicBool,
    /// The request id and endpoint the audit trail names for this write (`identify`).
    audited: Option<(String, &'static str)>,
    tenant: Option<TenantId>,
    /// The user the token names, until `authorize`'s answer confirms them (`principal`).
    claimed: Option<UserId>,
    principal: OnceLock<Principal>,
    /// Raised with `principal` set or the caller refused, for `principal` waiting on the answer.
    answered: Notify,
    refused: AtomicBool,
    /// Statements sent without waiting for their answers, which are checked before the commit:
    /// BEGIN, `enter_tenant`. Their answers precede every later one, so checking them costs no
    /// flight.
    unchecked: Mutex<Vec<Sent<'c, Result<(), DbError>>>>,
}

/// A parameter owned by a statement sent unchecked, which outlives its caller's borrows.
pub(crate) type OwnedParam = (Box<dyn ToSql + Sync + Send>, Type);

/// A request already queued on the connection, its answer still to come.
type Sent<'c, T> = Pin<Box<dyn Future<Output = T> + Send + 'c>>;

/// `fut` polled once, here: tokio-postgres queues a statement's messages on the connection the
/// first time its future is polled, so whatever is sent this way goes out before anything sent
/// later, and with it in one flight when nothing waits in between.
fn send_now<'c, T: Send + 'c>(fut: impl Future<Output = T> + Send + 'c) -> Sent<'c, T> {
    let mut fut: Sent<'c, T> = Box::pin(fut);
    match (&mut fut).now_or_never() {
        Some(done) => Box::pin(std::future::ready(done)),
        None => fut,
    }
}

impl<'c> Tx<'c> {
    /// BEGIN is sent with the first statement, not waited for (`start`). Not before it: a handler
    /// that waits for something else first (a password hash) would otherwise find BEGIN's answer
    /// read by then, and its first statement in a flight of its own, or not, by a race. A `snapshot`
    /// transaction (repeatable read) sees the database as of its first statement throughout, so that
    /// statements sent together can restate each other's selections (a page, and the page's
    /// children) instead of waiting for each other's answers. Only for reads: a read-only snapshot
    /// never fails to serialize.
    pub(crate) fn begin(
        client: &'c Client,
        flights: &'c Flights,
        flights_start: u64,
        snapshot: bool,
    ) -> Self {
        let sql = match snapshot {
            true => "BEGIN ISOLATION LEVEL REPEATABLE READ",
            false => "BEGIN",
        };
        Tx {
            client,
            flights,
            flights_start,
            begin: sql,
            open: AtomicBool::new(false),
            audited: None,
            tenant: None,
            claimed: None,
            principal: OnceLock::new(),
            answered: Notify::new(),
            refused: AtomicBool::new(false),
            unchecked: Mutex::new(Vec::new()),
        }
    }

    /// Name the request behind this write for the audit trail's rows (0010 `audit_context`): its
    /// id and endpoint, and the caller the token names once `claim`ed. Sent with BEGIN, so it costs
    /// no flight; before the first statement, or it is not sent.
    pub(crate) fn identify(&mut self, request_id: &str, endpoint: &'static str) {
        self.audited = Some((request_id.to_string(), endpoint));
    }

    /// Send BEGIN unless it went out already: called before every statement this sends.
    fn start(&self) -> Result<(), DbError> {
        if self.open.swap(true, Ordering::Relaxed) {
            return Ok(());
        }
        let (client, sql) = (self.client, self.begin);
        self.queue(send_now(
            async move { Ok(client.batch_execute(sql).await?) },
        ))?;
        if let Some((request_id, endpoint)) = &self.audited {
            self.send_unchecked(
                "select audit_context($1, $2, $3)",
                vec![
                    (Box::new(request_id.clone()), Type::TEXT),
                    (Box::new(endpoint.to_string()), Type::TEXT),
                    (Box::new(self.claimed.map(UserId::get)), Type::INT8),
                ],
            )?;
        }
        Ok(())
    }

    /// Keep `sent`'s answer to be checked before the commit (`settle`).
    fn queue(&self, sent: Sent<'c, Result<(), DbError>>) -> Result<(), DbError> {
        self.unchecked
            .lock()
            .map_err(|_| DbError::Unexpected("a transaction's statement list was poisoned".into()))?
            .push(sent);
        Ok(())
    }

    /// Send `sql` now, its answer checked before the commit (BEGIN is the caller's business).
    fn send_unchecked(&self, sql: &'static str, params: Vec<OwnedParam>) -> Result<(), DbError> {
        let client = self.client;
        self.queue(send_now(async move {
            let refs: Vec<(&(dyn ToSql + Sync), Type)> = params
                .iter()
                .map(|(v, t)| (v.as_ref() as &(dyn ToSql + Sync), t.clone()))
                .collect();
            client.execute_typed(sql, &refs).await?;
            Ok(())
        }))
    }

    /// Send a statement whose answer is checked before the commit, not waited for here: what must
    /// happen, in order, but tells the request nothing (a savepoint, the stored answer of an
    /// idempotent write). A failure aborts the transaction, and the commit reports it.
    pub(crate) fn execute_unchecked(
        &self,
        sql: &'static str,
        params: Vec<OwnedParam>,
    ) -> Result<(), DbError> {
        self.start()?;
        self.send_unchecked(sql, params)
    }

    /// As `execute_unchecked`, for a statement without parameters (SAVEPOINT, ROLLBACK TO).
    pub(crate) fn batch_unchecked(&self, sql: &'static str) -> Result<(), DbError> {
        self.start()?;
        let client = self.client;
        self.queue(send_now(
            async move { Ok(client.batch_execute(sql).await?) },
        ))
    }

    /// Wait for the answers of the statements sent unchecked; the first failure is returned.
    pub(crate) async fn settle(&mut self) -> ApiResult<()> {
        let sent = std::mem::take(self.unchecked.get_mut().map_err(|_| poisoned())?);
        for answer in sent {
            answer.await?;
        }
        Ok(())
    }

    /// Commit and wait for the outcome. COMMIT goes out before the unchecked answers are awaited,
    /// so that a last unchecked statement (an idempotent write's stored answer) rides in its
    /// flight; should one of them have failed, the transaction was aborted and the COMMIT ends it
    /// as a rollback, and the failure is what this returns.
    pub(crate) async fn commit(mut self) -> ApiResult<()> {
        if !self.open.swap(false, Ordering::Relaxed) {
            return self.settle().await; // nothing was sent: nothing to commit
        }
        let committed = send_now(self.client.batch_execute("COMMIT"));
        self.settle().await?;
        committed.await.map_err(DbError::from)?;
        Ok(())
    }

    /// End a read: COMMIT is sent and not waited for (after `settle`). Nothing the client is told
    /// depends on it: a read has nothing to lose, and what a read may write on the side (a cache)
    /// is worth no round trip. The connection's next statements queue behind it.
    /// Returns the flights of the checkout up to here: once the COMMIT is queued, the connection's
    /// driver may write it at any moment, and the next request's statements may or may not join
    /// it, so nobody counts it.
    pub(crate) async fn commit_unwaited(mut self) -> ApiResult<u64> {
        self.settle().await?;
        let flights = self.flights();
        if self.open.swap(false, Ordering::Relaxed) {
            drop(send_now(self.client.batch_execute("COMMIT")));
        }
        Ok(flights)
    }

    /// The flights since the connection was checked out for this request.
    pub(crate) fn flights(&self) -> u64 {
        self.flights.get().saturating_sub(self.flights_start)
    }

    /// The tenant this transaction is scoped to.
    pub fn tenant(&self) -> ApiResult<TenantId> {
        self.tenant
            .ok_or_else(|| ApiError::bug("tenant-scoped query outside a tenant"))
    }

    /// The calling user, as the token names them: usable at once, before `authorize`'s answer,
    /// because a statement sent with it runs only if that answer accepts them (a refusal aborts
    /// the transaction before it).
    pub fn user_id(&self) -> ApiResult<UserId> {
        self.claimed.ok_or_else(ApiError::unauthenticated)
    }

    /// The authenticated caller with their role and permissions. Waits for `authorize`'s answer
    /// (a flight of its own when nothing else is waiting): prefer `user_id` where it is enough.
    pub async fn principal(&self) -> ApiResult<&Principal> {
        loop {
            // Created before looking, so an answer arriving in between still wakes it.
            let answered = self.answered.notified();
            if let Some(p) = self.principal.get() {
                return Ok(p);
            }
            if self.claimed.is_none() || self.refused.load(Ordering::Relaxed) {
                return Err(ApiError::unauthenticated());
            }
            answered.await;
        }
    }

    /// The caller's permissions once `authorize` has accepted them.
    pub(crate) fn granted(&self) -> Option<&[String]> {
        self.principal.get().map(|p| p.permissions.as_slice())
    }

    /// Scope the rest of this transaction to `tenant` (row-level security). For flows that find the
    /// tenant themselves: login, refresh, sign-up. Through the SQL function `enter_tenant` (0008):
    /// RDS Proxy would pin the session on a `set_config` sent as a statement of our own. Sent, not
    /// waited for: the statements after it go out with it, and its answer is checked before the
    /// commit (a failure aborts the transaction, so nothing after it can have run without it).
    pub async fn enter_tenant(&mut self, tenant: TenantId) -> ApiResult<()> {
        self.start()?;
        let client = self.client;
        let id = tenant.get();
        let sent = send_now(async move {
            client
                .execute_typed("select enter_tenant($1)", &[(&id, Type::INT8)])
                .await?;
            Ok(())
        });
        self.unchecked.get_mut().map_err(|_| poisoned())?.push(sent);
        self.tenant = Some(tenant);
        Ok(())
    }

    pub(crate) async fn query(
        &self,
        sql: &str,
        params: &[&dyn Param],
    ) -> Result<Vec<Row>, DbError> {
        self.start()?;
        Ok(self.client.query_typed(sql, &typed(params)).await?)
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
        self.start()?;
        Ok(self.client.execute_typed(sql, &typed(params)).await?)
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if *self.open.get_mut() {
            // Queued, not waited for (as tokio-postgres's own `Transaction` does): it goes out at
            // once, and the connection's next statements follow it.
            drop(send_now(self.client.batch_execute("ROLLBACK")));
        }
    }
}

fn poisoned() -> ApiError {
    ApiError::bug("a transaction's statement list was poisoned")
}

impl Tx<'_> {
    /// Act as `user` of `tenant` for the rest of this transaction, with their role's permissions,
    /// exactly as a request of theirs would (the same `authorize` check): for work the system
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
        self.claim(&claims);
        self.authorize(&claims, &[])?.await
    }

    /// Take the token's word for the tenant and user until `authorize` answers: what the handler's
    /// statements, sent before that answer, are scoped to.
    pub(crate) fn claim(&mut self, claims: &Claims) {
        self.tenant = Some(TenantId::from_db(claims.tenant_id));
        self.claimed = Some(UserId::from_db(claims.user_id));
    }

    /// Authenticate the token's user inside this transaction and scope the rest of it to their
    /// tenant, checking every permission of `required`: one statement (`authorize`, 0009) sets the
    /// tenant for row-level security, re-checks that the user and tenant are active and the token was
    /// not revoked, and loads the role's permissions. It is sent here; the returned future waits for
    /// its answer. Statements sent before that answer is back run only if it accepts the caller: a
    /// refusal raises, which aborts the transaction, and they fail unexecuted. Only
    /// `http::endpoint::dispatch` calls this, from an endpoint's declaration: a handler cannot skip
    /// or weaken it.
    pub(crate) fn authorize<'a>(
        &'a self,
        claims: &Claims,
        required: &[&str],
    ) -> ApiResult<Sent<'a, ApiResult<()>>> {
        let issued_at: DateTime<Utc> =
            DateTime::from_timestamp_millis(claims.iat_ms).ok_or_else(ApiError::unauthenticated)?;
        let (tenant_id, user_id) = (claims.tenant_id, claims.user_id);
        let required: Vec<String> = required.iter().map(|p| p.to_string()).collect();
        self.start()?;
        let client = self.client;
        let answer = send_now(async move {
            client
                .query_typed(
                    "select username, role_id, role_name, permissions
                       from authorize($1, $2, $3, $4)",
                    &[
                        (&tenant_id, Type::INT8),
                        (&user_id, Type::INT8),
                        (&issued_at, Type::TIMESTAMPTZ),
                        (&required, Type::TEXT_ARRAY),
                    ],
                )
                .await
        });
        let this = self;
        Ok(Box::pin(async move {
            let result = match this.principal_from(answer.await, tenant_id, user_id) {
                Ok(principal) => {
                    let _ = this.principal.set(principal);
                    Ok(())
                }
                Err(e) => {
                    this.refused.store(true, Ordering::Relaxed);
                    Err(e)
                }
            };
            this.answered.notify_waiters();
            result
        }))
    }

    fn principal_from(
        &self,
        answer: Result<Vec<Row>, tokio_postgres::Error>,
        tenant_id: i64,
        user_id: i64,
    ) -> ApiResult<Principal> {
        let rows = answer.map_err(refusal)?;
        let row = rows.first().ok_or_else(ApiError::unauthenticated)?;
        Ok(Principal {
            user_id: UserId::from_db(user_id),
            tenant_id: TenantId::from_db(tenant_id),
            username: row.try_get("username").map_err(DbError::from)?,
            role_id: RoleId::from_db(row.try_get("role_id").map_err(DbError::from)?),
            role_name: row.try_get("role_name").map_err(DbError::from)?,
            permissions: row.try_get("permissions").map_err(DbError::from)?,
        })
    }
}

/// `authorize`'s raises as the answers they stand for (0009); any other error as it is.
fn refusal(e: tokio_postgres::Error) -> ApiError {
    match e.as_db_error() {
        Some(db) if db.code().code() == "JM401" => ApiError::unauthenticated(),
        Some(db) if db.code().code() == "JM403" => ApiError::missing_permission(db.message()),
        _ => DbError::from(e).into(),
    }
}
