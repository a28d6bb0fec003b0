//! Database access. In Lambda a container holds at most one connection (`Db::single`), opened on first
//! use, reused while warm, and re-opened when broken; locally a `deadpool` pool of at most 15 is used.
//! Tenant data is reached only through `Conn::begin_tenant`, which sets the row-level-security tenant
//! and re-validates the caller in the same statement.
//!
//! Connections are opened with the `DATABASE_*_TIMEOUT_MS` limits (`DbTimeouts`): connecting has a
//! deadline, statements a server-side `statement_timeout`. A `Conn` whose work ended with the database
//! unavailable, or was cancelled mid-way (the request deadline, a panic), is thrown away on drop
//! instead of being reused: its state is unknown.

mod params;
mod pool;
mod tls;
mod tx;
mod wire;

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;
use tokio::task::AbortHandle;
use tokio_postgres::Client;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::config::DbTimeouts;
use crate::error::{ApiResult, DbError};

pub use params::Param;
pub use tx::{Principal, Tx};
pub use wire::Flights;

/// After this much idle time a single connection is probed before use: a Lambda container may have
/// been frozen long enough for the server, a proxy or a NAT to drop it.
const IDLE_PROBE_AFTER: Duration = Duration::from_secs(2);

#[derive(Clone)]
pub enum Db {
    Single(Arc<SingleConn>),
    Pool(pool::Pool),
}

pub struct SingleConn {
    url: String,
    timeouts: DbTimeouts,
    slot: Arc<Mutex<Option<Open>>>,
}

/// The single connection while it is open.
struct Open {
    client: Client,
    flights: Arc<Flights>,
    last_used: Instant,
    /// The task driving the socket: aborted when the connection is thrown away, so a stalled socket
    /// is closed at once instead of waiting for a server that may never answer.
    driver: AbortHandle,
}

impl Db {
    /// One lazily opened connection for this process (Lambda).
    pub fn single(url: &str, timeouts: &DbTimeouts) -> Self {
        Db::Single(Arc::new(SingleConn {
            url: url.to_string(),
            timeouts: *timeouts,
            slot: Arc::new(Mutex::new(None)),
        }))
    }

    /// A pool of `max` connections (local server: 15 = the old service's 5 + 10 overflow).
    pub fn pool(url: &str, max: usize, timeouts: &DbTimeouts) -> Result<Self, DbError> {
        let pg = pg_config(url, timeouts)?;
        let mgr = pool::Manager::new(pg, tls::from_env()?);
        let pool = pool::Pool::builder(mgr)
            .max_size(max)
            .runtime(deadpool::Runtime::Tokio1)
            .wait_timeout(Some(timeouts.request))
            // The startup handshake is not covered by the driver's connect_timeout (TCP only).
            .create_timeout(Some(timeouts.connect))
            // Verified recycling runs a statement: on a stalled server it would wait forever.
            .recycle_timeout(Some(timeouts.connect))
            .build()
            .map_err(|e| DbError::unavailable("building the pool", e))?;
        Ok(Db::Pool(pool))
    }

    pub async fn checkout(&self) -> Result<Conn, DbError> {
        match self {
            Db::Pool(pool) => {
                let obj = pool
                    .get()
                    .await
                    .map_err(|e| DbError::unavailable("pool checkout", e))?;
                let start = obj.flights.get();
                Ok(Conn {
                    inner: ConnInner::Pooled(Some(Box::new(obj))),
                    keep: false,
                    start,
                })
            }
            Db::Single(single) => {
                let mut guard = Arc::clone(&single.slot).lock_owned().await;
                let healthy = match guard.as_ref() {
                    None => false,
                    Some(open) if open.client.is_closed() => false,
                    Some(open) if open.last_used.elapsed() >= IDLE_PROBE_AFTER => {
                        let probe = open.client.simple_query("");
                        matches!(
                            tokio::time::timeout(single.timeouts.connect, probe).await,
                            Ok(Ok(_))
                        )
                    }
                    Some(_) => true,
                };
                if !healthy {
                    if let Some(old) = guard.take() {
                        old.driver.abort();
                    }
                    let (client, flights, driver) =
                        open_connection(&single.url, &single.timeouts).await?;
                    *guard = Some(Open {
                        client,
                        flights,
                        last_used: Instant::now(),
                        driver,
                    });
                }
                // Counted from here: the probe above, like the pool's recycling check, is the
                // price of reusing a connection, not of the request.
                let start = guard.as_ref().map_or(0, |open| open.flights.get());
                Ok(Conn {
                    inner: ConnInner::Single(guard),
                    keep: false,
                    start,
                })
            }
        }
    }
}

/// The driver's settings for the API's connections: `url` plus the timeouts. The statement timeout is
/// a startup parameter (`options=-c statement_timeout=…`, appended to any the URL has), so it costs
/// no round trip and holds for every statement on the connection.
fn pg_config(url: &str, timeouts: &DbTimeouts) -> Result<tokio_postgres::Config, DbError> {
    let mut pg = parse_url(url)?;
    pg.connect_timeout(timeouts.connect)
        // Socket level: data the server's host does not acknowledge in time, or a host that stops
        // answering keepalives, breaks the connection even when no request is waiting on it.
        .tcp_user_timeout(timeouts.request)
        .keepalives_idle(Duration::from_secs(30));
    if let Some(statement) = timeouts.statement {
        let setting = format!("-c statement_timeout={}", statement.as_millis());
        let options = match pg.get_options() {
            Some(given) if !given.trim().is_empty() => format!("{given} {setting}"),
            _ => setting,
        };
        pg.options(options);
    }
    Ok(pg)
}

/// Open one of the API's connections (see `pg_config`) through a counted socket (`wire`), the whole
/// handshake within the connect timeout, and drive it on the runtime; the handle aborts the driving
/// task.
async fn open_connection(
    url: &str,
    timeouts: &DbTimeouts,
) -> Result<(Client, Arc<Flights>, AbortHandle), DbError> {
    let pg = pg_config(url, timeouts)?;
    open_counted(&pg, timeouts, tls::from_env()?).await
}

async fn open_counted(
    pg: &tokio_postgres::Config,
    timeouts: &DbTimeouts,
    tls: MakeRustlsConnect,
) -> Result<(Client, Arc<Flights>, AbortHandle), DbError> {
    let (client, connection, flights) =
        tokio::time::timeout(timeouts.connect, wire::connect(pg, tls))
            .await
            .map_err(|_| DbError::Unavailable {
                context: format!(
                    "connect: no answer within {} ms",
                    timeouts.connect.as_millis()
                ),
                source: None,
            })??;
    let driver = tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(error = %e, "database connection closed");
        }
    });
    Ok((client, flights, driver.abort_handle()))
}

/// Open one connection and drive it on the runtime. Connection errors are logged, never printed.
/// For tools (migrations, seed set-up, tests): no statement timeout, as a migration may run long.
pub async fn connect(url: &str) -> Result<Client, DbError> {
    connect_via(url, tls::from_env()?).await
}

/// As `connect`, trusting the CAs in `ca_pem` (PEM text) instead of those of `DATABASE_CA_PEM`,
/// besides the roots every connection trusts (`db::tls`).
pub async fn connect_with_ca(url: &str, ca_pem: &str) -> Result<Client, DbError> {
    connect_via(url, tls::with_ca(ca_pem)?).await
}

/// Through the same counted socket as the API's connections (`wire`), so that the tools and their
/// TLS tests exercise the code the requests run on.
async fn connect_via(url: &str, tls: MakeRustlsConnect) -> Result<Client, DbError> {
    let (client, connection, _) = wire::connect(&parse_url(url)?, tls).await?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(error = %e, "database connection closed");
        }
    });
    Ok(client)
}

/// Parse a database URL (`postgres://…` or libpq's `key=value` form). The driver knows the sslmodes
/// disable, prefer and require only, and refuses libpq's `verify-ca` and `verify-full`, which RDS
/// documents: both are read as `require`. That loses nothing: under `require` rustls verifies the
/// chain *and* the host name, so `verify-ca` gets the stricter `verify-full`.
fn parse_url(url: &str) -> Result<tokio_postgres::Config, DbError> {
    // The URL holds a password: only the driver's message (which never quotes it) is kept.
    with_libpq_sslmodes(url)
        .parse()
        .map_err(|e| DbError::unavailable("the database URL does not parse", e))
}

/// `url` with a `sslmode` of `verify-ca` or `verify-full` replaced by `require` (see `parse_url`).
fn with_libpq_sslmodes(url: &str) -> std::borrow::Cow<'_, str> {
    let verifying = |v: &str| matches!(v, "verify-ca" | "verify-full");
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let Some((base, query)) = url.split_once('?') else {
            return url.into();
        };
        let (query, fragment) = match query.split_once('#') {
            Some((q, f)) => (q, Some(f)),
            None => (query, None),
        };
        let mut changed = false;
        let pairs: Vec<&str> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some(("sslmode", v)) if verifying(v) => {
                    changed = true;
                    "sslmode=require"
                }
                _ => pair,
            })
            .collect();
        if !changed {
            return url.into();
        }
        let mut out = format!("{base}?{}", pairs.join("&"));
        if let Some(f) = fragment {
            out.push('#');
            out.push_str(f);
        }
        return out.into();
    }
    match sslmode_value_span(url) {
        // `get`: a span cut through a character (an unterminated quote) is left to the driver.
        Some((start, end)) if url.get(start..end).is_some_and(verifying) => {
            format!("{}require{}", &url[..start], &url[end..]).into()
        }
        _ => url.into(),
    }
}

/// Where the value of `sslmode` is in a libpq `key=value` string (inside the quotes of a quoted
/// one). Follows libpq's grammar: pairs separated by whitespace, optional whitespace around `=`,
/// values bare or in `'…'`, `\` escaping the next character.
fn sslmode_value_span(s: &str) -> Option<(usize, usize)> {
    let b = s.as_bytes();
    let mut i = 0;
    let skip_ws = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    loop {
        i = skip_ws(i);
        if i >= b.len() {
            return None;
        }
        let key_start = i;
        while i < b.len() && b[i] != b'=' && !b[i].is_ascii_whitespace() {
            i += 1;
        }
        let key = &s[key_start..i];
        i = skip_ws(i);
        if b.get(i) != Some(&b'=') {
            return None;
        }
        i = skip_ws(i + 1);
        let value_start = i;
        let quoted = b.get(i) == Some(&b'\'');
        if quoted {
            i += 1;
        }
        while i < b.len() {
            match b[i] {
                b'\\' => i += 2,
                b'\'' if quoted => {
                    i += 1;
                    break;
                }
                c if !quoted && c.is_ascii_whitespace() => break,
                _ => i += 1,
            }
        }
        if key == "sslmode" {
            return Some(if quoted {
                (value_start + 1, i.saturating_sub(1).max(value_start + 1))
            } else {
                (value_start, i.min(b.len()))
            });
        }
    }
}

/// A connection checked out for one request. Dropped, it goes back for reuse only when `finish` saw
/// its work end without the database becoming unavailable; otherwise (a 503, a cancelled future, a
/// panic) it is thrown away: Lambda's single connection is closed and re-opened by the next request,
/// a pooled one is taken out of the pool.
pub struct Conn {
    inner: ConnInner,
    keep: bool,
    /// The connection's flight count when it was checked out.
    start: u64,
}

enum ConnInner {
    Single(tokio::sync::OwnedMutexGuard<Option<Open>>),
    // Boxed: the pooled object is far larger than the guard and every request moves a `Conn`.
    // `None` only once taken out of the pool in `drop`.
    Pooled(Option<Box<pool::Object>>),
}

impl Conn {
    /// The flights this checkout has cost so far (`wire`): what the request sent and waited for,
    /// without the liveness check that came with the connection.
    pub fn flights(&self) -> u64 {
        let now = match &self.inner {
            ConnInner::Pooled(obj) => obj.as_ref().map_or(self.start, |o| o.flights.get()),
            ConnInner::Single(guard) => guard.as_ref().map_or(self.start, |o| o.flights.get()),
        };
        now.saturating_sub(self.start)
    }

    /// Record how the work on this connection ended: it is kept for reuse unless the database
    /// became unavailable (a broken connection, a shutdown, a timeout).
    pub(crate) fn finish<T>(&mut self, result: &ApiResult<T>) {
        self.keep = !matches!(result, Err(e) if e.is_unavailable());
    }

    /// A transaction with no tenant context: only the SECURITY DEFINER functions and global tables
    /// (permissions, metal price cache) are reachable until `Tx::enter_tenant`.
    /// BEGIN is sent, not waited for (`Tx::begin`): async only for its callers' sake.
    pub(crate) async fn begin_system(&mut self) -> Result<Tx<'_>, DbError> {
        self.begin(false)
    }

    /// A request's transaction; `snapshot` for a read (`Tx::begin`).
    pub(crate) fn begin(&mut self, snapshot: bool) -> Result<Tx<'_>, DbError> {
        let start = self.start;
        let (client, flights) = match &mut self.inner {
            ConnInner::Pooled(Some(obj)) => (&obj.client, &*obj.flights),
            ConnInner::Single(guard) => match guard.as_mut() {
                Some(open) => {
                    open.last_used = Instant::now();
                    (&open.client, &*open.flights)
                }
                None => return Err(not_open()),
            },
            ConnInner::Pooled(None) => return Err(not_open()),
        };
        Ok(Tx::begin(client, flights, start, snapshot))
    }
}

fn not_open() -> DbError {
    DbError::Unavailable {
        context: "connection not open".into(),
        source: None,
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        if self.keep {
            return;
        }
        match &mut self.inner {
            ConnInner::Single(guard) => {
                if let Some(open) = guard.take() {
                    open.driver.abort();
                    tracing::info!("database connection discarded");
                }
            }
            ConnInner::Pooled(obj) => {
                if let Some(obj) = obj.take() {
                    // Out of the pool for good; dropping the client closes it.
                    drop(pool::Object::take(*obj));
                    tracing::info!("pooled database connection discarded");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_postgres::config::SslMode;

    fn mode(url: &str) -> SslMode {
        parse_url(url).unwrap().get_ssl_mode()
    }

    #[test]
    fn libpq_verify_modes_are_read_as_require_in_urls() {
        let base = "postgres://app_rw:pw@db.example:5432/jmsk";
        assert_eq!(
            mode(&format!("{base}?sslmode=verify-full")),
            SslMode::Require
        );
        assert_eq!(mode(&format!("{base}?sslmode=verify-ca")), SslMode::Require);
        assert_eq!(mode(&format!("{base}?sslmode=require")), SslMode::Require);
        assert_eq!(mode(&format!("{base}?sslmode=prefer")), SslMode::Prefer);
        assert_eq!(mode(&format!("{base}?sslmode=disable")), SslMode::Disable);
        assert_eq!(mode(base), SslMode::Prefer, "the driver's default");
        let pg = parse_url(
            "postgresql://u@h/d?application_name=jmsk&sslmode=verify-full&connect_timeout=5",
        )
        .unwrap();
        assert_eq!(pg.get_ssl_mode(), SslMode::Require);
        assert_eq!(
            pg.get_application_name(),
            Some("jmsk"),
            "other parameters kept"
        );
        assert_eq!(pg.get_connect_timeout(), Some(&Duration::from_secs(5)));
        // Anything else the driver does not know is still refused, without quoting the URL.
        let e = parse_url(&format!("{base}?sslmode=verify-everything")).unwrap_err();
        let text = format!("{e} {:?}", std::error::Error::source(&e));
        assert!(text.contains("sslmode") && !text.contains("pw@"), "{text}");
    }

    #[test]
    fn libpq_verify_modes_are_read_as_require_in_key_value_strings() {
        assert_eq!(
            mode("host=db.example user=app_rw sslmode=verify-full dbname=jmsk"),
            SslMode::Require
        );
        assert_eq!(
            mode("host=db.example sslmode = 'verify-ca'"),
            SslMode::Require
        );
        assert_eq!(mode("host=db.example sslmode=prefer"), SslMode::Prefer);
        // The text of another value is not mistaken for the setting, and stays as it was.
        let pg = parse_url(r"host=h password='a b\' sslmode=verify-full' sslmode=disable").unwrap();
        assert_eq!(pg.get_ssl_mode(), SslMode::Disable);
        assert_eq!(pg.get_password(), Some(&b"a b' sslmode=verify-full"[..]));
        // An unterminated quote is the driver's to refuse, not a panic.
        assert!(parse_url("host=h sslmode='verify-fullé").is_err());
        assert!(parse_url("host=h sslmode=verify-everything").is_err());
    }
}
