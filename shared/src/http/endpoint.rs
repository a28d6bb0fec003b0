//! `Endpoint`: everything the route table, `template.yaml` and the OpenAPI document need to know about
//! one HTTP operation, plus the handler. Each Lambda binary serves exactly one `Endpoint`.
//!
//! Who may call an endpoint and what its handler receives are one value (`Handler`): a handler that
//! needs the caller's tenant is only ever run by `dispatch` after the token, the user, the tenant and
//! every declared permission were checked, inside a transaction that `dispatch` commits or rolls back.
//! Handlers never open, authorize or finish transactions themselves.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::FutureExt;
use lambda_http::{Body, Request, Response};
use tracing::Instrument;

use crate::auth::jwt::Claims;
use crate::context::Ctx;
use crate::db::{Conn, Tx};
use crate::domain::idempotency::IdempotencyKey;
use crate::error::{ApiError, ApiResult};
use crate::http::call::{Call, idempotency_key_error};
use crate::http::respond::{self, Reply};
use crate::repo::idempotency::{self, Claim};

pub type HandlerFuture<'a> = Pin<Box<dyn Future<Output = ApiResult<Reply>> + Send + 'a>>;
/// A handler without database access.
pub type PublicFn = for<'a> fn(&'a Ctx, &'a Call) -> HandlerFuture<'a>;
/// A handler given a system transaction: no tenant is set, so row-level security shows it no tenant
/// row until it finds its tenant itself (`Tx::enter_tenant`) or `Call::authorize` sets the caller's.
pub type SystemFn = for<'a, 'c> fn(&'a Ctx, &'a Call, &'a mut Tx<'c>) -> HandlerFuture<'a>;
/// A handler given a transaction inside the authenticated caller's tenant (`Tx::principal`).
pub type TenantFn = for<'a, 'c> fn(&'a Ctx, &'a Call, &'a Tx<'c>) -> HandlerFuture<'a>;

/// Who may call an endpoint, and so what its handler receives. Declared with `endpoint!`.
#[derive(Clone, Copy)]
pub enum Handler {
    /// No token, no database (health, docs).
    Public(PublicFn),
    /// No token; the handler reaches the database itself, through a use case that reports a failure
    /// instead of answering it (the readiness probe `/health/db`, which is 200 either way).
    Probe(PublicFn),
    /// No token; a system transaction (login, refresh, public sign-up).
    System(SystemFn),
    /// A valid access token of an active user in an active tenant whose role holds every one of
    /// `permissions` (none listed: any such user). Checked before the handler runs, and before its
    /// body is parsed, so a caller without the permission learns nothing about the body's shape.
    Tenant {
        permissions: &'static [&'static str],
        run: TenantFn,
    },
    /// The token is optional (sign-up into an existing tenant): a system transaction, which
    /// `Call::authorize` moves into the caller's tenant after checking the token and `permissions`.
    OptionalTenant {
        permissions: &'static [&'static str],
        run: SystemFn,
    },
}

/// Who may call an endpoint, as the OpenAPI document, `template.yaml` and the README describe it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    User {
        permissions: &'static [&'static str],
    },
    OptionalUser {
        permissions: &'static [&'static str],
    },
}

/// How much Lambda memory (and so CPU) a function gets. bcrypt-heavy functions need a full vCPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sizing {
    Standard,
    CpuHeavy,
}

impl Sizing {
    pub fn memory_mb(self) -> u32 {
        match self {
            Sizing::Standard => 256,
            // 1,769 MB is one full vCPU on Lambda: bcrypt cost 12 then takes ~0.3 s instead of ~2 s.
            Sizing::CpuHeavy => 1769,
        }
    }
    pub fn timeout_s(self) -> u32 {
        match self {
            Sizing::Standard => 10,
            Sizing::CpuHeavy => 15,
        }
    }
}

#[derive(Clone, Copy)]
pub struct Endpoint {
    /// `<resource>_<action>`: the binary name, and `UpperCamel(id)Function` in `template.yaml`.
    pub id: &'static str,
    pub method: &'static str,
    /// As the client calls it, `{param}` for path parameters; a trailing slash is optional on the wire.
    pub path: &'static str,
    pub summary: &'static str,
    pub tag: &'static str,
    /// The success status code (200 or 201), for the OpenAPI document.
    pub success: u16,
    pub sizing: Sizing,
    /// `module_path!()` of the endpoint's module: the generated binary refers to `<module>::ENDPOINT`.
    pub module: &'static str,
    pub handler: Handler,
}

impl Endpoint {
    pub fn access(&self) -> Access {
        match self.handler {
            Handler::Public(_) | Handler::Probe(_) | Handler::System(_) => Access::Public,
            Handler::Tenant { permissions, .. } => Access::User { permissions },
            Handler::OptionalTenant { permissions, .. } => Access::OptionalUser { permissions },
        }
    }

    /// The permissions a caller's role must hold (for an optional token: when one is presented).
    pub fn permissions(&self) -> &'static [&'static str] {
        match self.access() {
            Access::Public => &[],
            Access::User { permissions } | Access::OptionalUser { permissions } => permissions,
        }
    }

    /// Whether a retry of this endpoint may name its first attempt with an `Idempotency-Key`: every
    /// write of an authenticated user, except the auth endpoints (logout, password change), whose
    /// answers carry tokens that must never be stored.
    pub fn accepts_idempotency_key(&self) -> bool {
        matches!(self.handler, Handler::Tenant { .. })
            && matches!(self.method, "POST" | "PUT" | "PATCH" | "DELETE")
            && self.tag != "auth"
    }

    /// Whether the function talks to PostgreSQL, and so cannot start without `DATABASE_URL`.
    pub fn needs_database(&self) -> bool {
        !matches!(self.handler, Handler::Public(_))
    }
}

/// Declares a module's `pub const ENDPOINT`. The handler is the module's `handle` unless `handler:`
/// names another; its signature follows from `access`:
///
/// - `public`: `async fn handle(ctx: &Ctx, call: &Call) -> ApiResult<Reply>`
/// - `probe`: as `public`, for a handler whose use case checks the database itself (`/health/db`)
/// - `system`: `… (ctx: &Ctx, call: &Call, tx: &mut Tx<'_>)`, a transaction without a tenant
/// - `user[P, …]`: `… (ctx: &Ctx, call: &Call, tx: &Tx<'_>)`, in the caller's tenant, every `P` granted
/// - `optional_user[P, …]`: as `system`; `call.authorize(ctx, tx)` enters the caller's tenant
///
/// `success` defaults to 200 and `sizing` to `Standard`.
///
/// ```ignore
/// shared::endpoint! {
///     id: "companies_create",
///     route: POST "/api/v1/companies-v2/",
///     access: user[COMPANIES_WRITE],
///     tag: "companies",
///     summary: "Create a company (the name is unique in the tenant: 409)",
/// }
/// ```
#[macro_export]
macro_rules! endpoint {
    (
        id: $id:literal,
        route: $method:ident $path:literal,
        access: $access:ident $([$($perm:expr),* $(,)?])?,
        tag: $tag:literal,
        summary: $summary:expr
        $(, success: $success:literal)?
        $(, sizing: $sizing:ident)?
        $(, handler: $handler:path)?
        $(,)?
    ) => {
        pub const ENDPOINT: $crate::http::Endpoint = $crate::http::Endpoint {
            id: $id,
            method: stringify!($method),
            path: $path,
            summary: $summary,
            tag: $tag,
            success: $crate::endpoint!(@or [$($success)?] 200),
            sizing: $crate::endpoint!(@sizing [$($sizing)?]),
            module: module_path!(),
            handler: $crate::endpoint!(@handler $access [$($($perm),*)?] [$($handler)?]),
        };
    };
    (@or [$value:literal] $default:literal) => { $value };
    (@or [] $default:literal) => { $default };
    (@sizing [$sizing:ident]) => { $crate::http::Sizing::$sizing };
    (@sizing []) => { $crate::http::Sizing::Standard };
    (@handler $access:ident [$($perm:expr),*] []) => {
        $crate::endpoint!(@handler $access [$($perm),*] [handle])
    };
    (@handler public [] [$h:path]) => {
        $crate::http::Handler::Public(|ctx, call| Box::pin($h(ctx, call)))
    };
    (@handler probe [] [$h:path]) => {
        $crate::http::Handler::Probe(|ctx, call| Box::pin($h(ctx, call)))
    };
    (@handler system [] [$h:path]) => {
        $crate::http::Handler::System(|ctx, call, tx| Box::pin($h(ctx, call, tx)))
    };
    (@handler user [$($perm:expr),*] [$h:path]) => {
        $crate::http::Handler::Tenant {
            permissions: &[$($perm),*],
            run: |ctx, call, tx| Box::pin($h(ctx, call, tx)),
        }
    };
    (@handler optional_user [$($perm:expr),*] [$h:path]) => {
        $crate::http::Handler::OptionalTenant {
            permissions: &[$($perm),*],
            run: |ctx, call, tx| Box::pin($h(ctx, call, tx)),
        }
    };
}

/// The database flights a request cost (`db::wire`: bursts of statements sent before waiting for an
/// answer), after its connection was checked out, on the response's extensions of every request
/// that reached the database: for the metrics line and the round-trip budgets' test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatabaseFlights(pub u64);

/// The one entry point for every request, in Lambda, the local server and the tests: CORS preflight,
/// authentication, the handler, error mapping, and panic containment. It never fails: every outcome
/// is an HTTP answer (API Gateway would turn a failed invocation into a bare 502 without CORS headers).
pub async fn dispatch(ctx: &Ctx, ep: &'static Endpoint, req: Request) -> Response<Body> {
    let origin = req
        .headers()
        .get("origin")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let request_id = request_id_of(&req);
    let started = std::time::Instant::now();
    let flights = OnceLock::new();
    let span = tracing::info_span!(
        "request",
        endpoint = ep.id,
        request_id = %request_id,
        tenant_id = tracing::field::Empty,
        user_id = tracing::field::Empty,
        status = tracing::field::Empty,
    );
    let mut response = async {
        if req.method() == lambda_http::http::Method::OPTIONS {
            return respond::preflight();
        }
        let outcome = AssertUnwindSafe(run(ctx, ep, req, &request_id, &flights))
            .catch_unwind()
            .await;
        let result = match outcome {
            Ok(r) => r,
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "panic".to_string());
                Err(ApiError::bug(format!("handler panicked: {msg}")))
            }
        };
        match result {
            Ok(resp) => resp,
            Err(e) => {
                // The one place errors are logged, with their whole cause chain; the span carries
                // the request id. The client gets `detail` only.
                if e.status() >= 500 {
                    tracing::error!(error = %e.chain(), "request failed");
                } else {
                    tracing::info!(error = %e, "request rejected");
                }
                respond::error(&e, &request_id)
            }
        }
    }
    .instrument(span.clone())
    .await;
    span.record("status", response.status().as_u16());
    let flights = flights.get().copied();
    span.in_scope(|| {
        tracing::info!(
            status = response.status().as_u16(),
            elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
            db_flights = flights,
            "request completed"
        )
    });
    if let Some(n) = flights {
        response.extensions_mut().insert(DatabaseFlights(n));
    }
    respond::apply_cors(
        &mut response,
        &ctx.config().allowed_origins,
        origin.as_deref(),
    );
    response
}

/// Parse, authenticate, open and scope the transaction, run the handler, finish the transaction.
/// `Ok` from the handler commits before the answer leaves; `Err` drops the transaction, which rolls
/// it back; `Reply::commit_then_refuse` commits and then answers its error.
async fn run(
    ctx: &Ctx,
    ep: &'static Endpoint,
    req: Request,
    request_id: &str,
    flights: &OnceLock<u64>,
) -> ApiResult<Response<Body>> {
    let call = Call::from_request(ep, req, request_id.to_string())?;
    let reply = match ep.handler {
        Handler::Public(run) | Handler::Probe(run) => run(ctx, &call).await?,
        Handler::System(_) | Handler::OptionalTenant { .. } | Handler::Tenant { .. } => {
            // The token is checked before a connection is taken: a forged token costs no database.
            let claims = match ep.handler {
                Handler::Tenant { .. } => Some(call.verify_token(ctx)?),
                _ => None,
            };
            // Past the deadline the work is dropped mid-way, and with it the connection (`Conn`
            // keeps a connection only when `finish` saw the work end).
            let committing = AtomicBool::new(false);
            let outcome = ctx
                .within_deadline(async {
                    let mut conn = ctx.conn().await?;
                    let result =
                        transaction(ctx, &call, &mut conn, claims.as_ref(), &committing, flights)
                            .await;
                    conn.finish(&result);
                    // A read has counted itself; anything else ends here.
                    let _ = flights.set(conn.flights());
                    result
                })
                .await;
            outcome.map_err(|e| {
                if committing.load(Ordering::Relaxed) {
                    e.while_committing()
                } else {
                    e
                }
            })?
        }
    };
    reply.into_response()
}

/// The request's one transaction on `conn`: begun, scoped to the caller's tenant for a `user[…]`
/// endpoint (with `claims`), handed to the handler, committed when it returns `Ok`. `committing` is
/// raised once a write's COMMIT is on its way: from then on a broken connection or the deadline
/// leaves its outcome unknown, not "nothing written". A `GET`'s commit ends a read: nothing of it
/// can be half-known, so it is not waited for either (`Tx::commit_unwaited`), and a read costs the
/// one flight that carries BEGIN, the authorization and its queries.
async fn transaction(
    ctx: &Ctx,
    call: &Call,
    conn: &mut Conn,
    claims: Option<&Claims>,
    committing: &AtomicBool,
    flights: &OnceLock<u64>,
) -> ApiResult<Reply> {
    let mut tx = conn.begin(call.endpoint.method == "GET")?;
    if call.endpoint.method != "GET" {
        tx.identify(&call.request_id, call.endpoint.id);
    }
    let reply = match (call.endpoint.handler, claims) {
        (Handler::Tenant { permissions, run }, Some(claims)) => {
            tx.claim(claims);
            if let Some(key) = call.idempotency_key() {
                return idempotent(ctx, call, tx, claims, permissions, run, key, committing).await;
            }
            let caller = (claims.tenant_id, claims.user_id);
            let authorized = tx.authorize(claims, permissions)?;
            let handled = if ctx.granted().holds(caller, permissions) {
                // A caller the database granted all of `permissions` last time: the handler runs
                // while the authorization is on its way, so that its first statements go out in
                // the same flight. Should the grant be gone since, the refusal aborts the
                // transaction before them (they fail unexecuted) and wins over whatever the
                // handler made of that, or of the body: a refused caller learns nothing else.
                let (authorized, handled) =
                    futures_util::future::join(authorized, run(ctx, call, &tx)).await;
                ctx.granted().learn(caller, tx.granted());
                authorized?;
                handled
            } else {
                // Anyone else is not given to the handler before the answer: one flight more, for
                // a caller's first request in this process, and never running a handler's code
                // (hashing a password, calling a provider) for a caller without the permission.
                let authorized = authorized.await;
                ctx.granted().learn(caller, tx.granted());
                authorized?;
                run(ctx, call, &tx).await
            };
            handled?
        }
        (Handler::System(run) | Handler::OptionalTenant { run, .. }, None) => {
            run(ctx, call, &mut tx).await?
        }
        _ => {
            return Err(ApiError::bug(format!(
                "{}: claims do not match the endpoint's access",
                call.endpoint.id
            )));
        }
    };
    tx.settle().await?;
    if call.endpoint.method == "GET" {
        let _ = flights.set(tx.commit_unwaited().await?);
    } else {
        committing.store(true, Ordering::Relaxed);
        tx.commit().await?;
    }
    Ok(reply)
}

/// A write named by an `Idempotency-Key` (README, "Idempotency keys"). The key is claimed with
/// the authorization, in its flight; the claim waits for a request still running with the same key.
/// A key already answered replays that answer, writing nothing (or is refused, for another
/// request). Otherwise the handler runs after a savepoint, and its answer is stored in its own
/// transaction, riding with the COMMIT: a success with the writes; an answer about the request
/// (400, 404, 409, 422) with the writes undone, so only the key's record commits. Anything else
/// (401, 403, a 5xx) rolls everything back, key included, so that a retry runs again.
/// One flight more than the same write without a key: the handler waits for the claim's answer.
#[allow(clippy::too_many_arguments)]
async fn idempotent(
    ctx: &Ctx,
    call: &Call,
    tx: Tx<'_>,
    claims: &Claims,
    permissions: &'static [&'static str],
    run: TenantFn,
    key: ApiResult<IdempotencyKey>,
    committing: &AtomicBool,
) -> ApiResult<Reply> {
    let caller = (claims.tenant_id, claims.user_id);
    let authorized = tx.authorize(claims, permissions)?;
    let key = match key {
        Ok(key) => key,
        Err(malformed) => {
            // Authorization decides first, as for a malformed body.
            let authorized = authorized.await;
            ctx.granted().learn(caller, tx.granted());
            authorized?;
            return Err(malformed);
        }
    };
    let user = tx.user_id()?;
    let fingerprint = call.fingerprint();
    let ttl_seconds = i32::try_from(ctx.config().idempotency_ttl_hours * 3600)
        .map_err(|_| ApiError::bug("IDEMPOTENCY_TTL_HOURS out of range"))?;
    let (authorized, claimed) = futures_util::future::join(
        authorized,
        idempotency::claim(&tx, user, &key, &fingerprint, ttl_seconds),
    )
    .await;
    ctx.granted().learn(caller, tx.granted());
    authorized?;
    if let Claim::Stored {
        fingerprint: first,
        answer,
    } = claimed?
    {
        if first != fingerprint.0 {
            return Err(idempotency_key_error(
                "was already used with a different request; send a new key for a new request",
            ));
        }
        // Nothing was written: dropping the transaction rolls the claim's clean-up back.
        return respond::replay(answer);
    }
    idempotency::savepoint(&tx)?;
    let reply = match run(ctx, call, &tx).await.and_then(Reply::into_response) {
        Ok(response) => {
            idempotency::store(&tx, user, &key, respond::stored(&response)?)?;
            Reply::new(response)
        }
        Err(e) if matches!(e.status(), 400 | 404 | 409 | 422) => {
            idempotency::undo_request(&tx)?;
            let answer = respond::stored(&respond::error(&e, &call.request_id))?;
            idempotency::store(&tx, user, &key, answer)?;
            Reply::commit_then_refuse(e)
        }
        Err(e) => return Err(e),
    };
    committing.store(true, Ordering::Relaxed);
    tx.commit().await?;
    Ok(reply)
}

/// The permissions `authorize` last answered for each caller (tenant, user) this process served:
/// whether `dispatch` may send a request's statements before the answer. Only a guess, never the
/// check: the answer decides, and a stale guess costs nothing but the handler's unexecuted work.
/// Kept per `Ctx` (so per database); bounded, forgotten all at once when full.
#[derive(Default)]
pub(crate) struct Granted {
    callers: std::sync::Mutex<std::collections::HashMap<(i64, i64), Vec<String>>>,
}

impl Granted {
    const MAX_CALLERS: usize = 4096;

    fn holds(&self, caller: (i64, i64), required: &[&str]) -> bool {
        let Ok(callers) = self.callers.lock() else {
            return false;
        };
        callers
            .get(&caller)
            .is_some_and(|granted| required.iter().all(|r| granted.iter().any(|g| g == r)))
    }

    /// Remember the answer: the caller's permissions, or `None` for a refusal (or no answer).
    fn learn(&self, caller: (i64, i64), granted: Option<&[String]>) {
        let Ok(mut callers) = self.callers.lock() else {
            return;
        };
        match granted {
            Some(permissions) => {
                if callers.len() >= Self::MAX_CALLERS && !callers.contains_key(&caller) {
                    callers.clear();
                }
                callers.insert(caller, permissions.to_vec());
            }
            None => {
                callers.remove(&caller);
            }
        }
    }
}

fn request_id_of(req: &Request) -> String {
    use lambda_http::RequestExt;
    if let Some(id) = req
        .lambda_context_ref()
        .map(|c| c.request_id.clone())
        .filter(|s| !s.is_empty())
    {
        return id;
    }
    if let Some(rc) = req.request_context_ref() {
        use lambda_http::request::RequestContext;
        let id = match rc {
            RequestContext::ApiGatewayV1(c) => c.request_id.clone(),
            RequestContext::ApiGatewayV2(c) => c.request_id.clone(),
            _ => None,
        };
        if let Some(id) = id.filter(|s| !s.is_empty()) {
            return id;
        }
    }
    crate::auth::random_token_hex(8)
}
