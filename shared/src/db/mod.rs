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
mod tx;

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

/// After this much idle time a single connection is probed before use: a Lambda container may have
/// been frozen long enough for the server, a proxy or a NAT to drop it.
const IDLE_PROBE_AFTER: Duration = Duration::from_secs(2);

#[derive(Clone)]
pub enum Db {
    Single(Arc<SingleConn>),
    Pool(deadpool_postgres::Pool),
}

pub struct SingleConn {
    url: String,
    timeouts: DbTimeouts,
    slot: Arc<Mutex<Option<Open>>>,
}

/// The single connection while it is open.
struct Open {
    client: Client,
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
        let mgr = deadpool_postgres::Manager::from_config(
            pg,
            tls()?,
            deadpool_postgres::ManagerConfig {
                // One round trip per checkout buys never handing out a connection the server dropped.
                recycling_method: deadpool_postgres::RecyclingMethod::Verified,
            },
        );
        let pool = deadpool_postgres::Pool::builder(mgr)
            .max_size(max)
            .runtime(deadpool_postgres::Runtime::Tokio1)
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
                Ok(Conn {
                    inner: ConnInner::Pooled(Some(Box::new(obj))),
                    keep: false,
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
                    let (client, driver) = open_connection(&single.url, &single.timeouts).await?;
                    *guard = Some(Open {
                        client,
                        last_used: Instant::now(),
                        driver,
                    });
                }
                Ok(Conn {
                    inner: ConnInner::Single(guard),
                    keep: false,
                })
            }
        }
    }
}

/// TLS for database connections. The URL's `sslmode` decides whether it is used (`prefer`, the default,
/// falls back to plain text when the server offers no TLS, as a local server does; `require` insists).
/// Trusted roots are the public web PKI (RDS Proxy presents ACM certificates) plus, for a direct RDS
/// connection, the CA bundle in `DATABASE_CA_PEM` (PEM text, e.g. Amazon's RDS global bundle).
fn tls() -> Result<MakeRustlsConnect, DbError> {
    static CONFIG: std::sync::OnceLock<Result<rustls::ClientConfig, String>> =
        std::sync::OnceLock::new();
    let config = CONFIG.get_or_init(|| {
        use rustls::pki_types::{CertificateDer, pem::PemObject};
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        if let Ok(pem) = std::env::var("DATABASE_CA_PEM") {
            for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
                let cert = cert.map_err(|e| format!("DATABASE_CA_PEM: {e}"))?;
                roots
                    .add(cert)
                    .map_err(|e| format!("DATABASE_CA_PEM: {e}"))?;
            }
        }
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map(|b| b.with_root_certificates(roots).with_no_client_auth())
            .map_err(|e| format!("TLS configuration: {e}"))
    });
    match config {
        Ok(c) => Ok(MakeRustlsConnect::new(c.clone())),
        Err(e) => Err(DbError::Unavailable {
            context: e.clone(),
            source: None,
        }),
    }
}

/// The driver's settings for the API's connections: `url` plus the timeouts. The statement timeout is
/// a startup parameter (`options=-c statement_timeout=…`, appended to any the URL has), so it costs
/// no round trip and holds for every statement on the connection.
fn pg_config(url: &str, timeouts: &DbTimeouts) -> Result<tokio_postgres::Config, DbError> {
    let mut pg: tokio_postgres::Config = url
        .parse()
        .map_err(|e| DbError::unavailable("DATABASE_URL does not parse", e))?;
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

/// Open one of the API's connections (see `pg_config`), the whole handshake within the connect
/// timeout, and drive it on the runtime; the handle aborts the driving task.
async fn open_connection(
    url: &str,
    timeouts: &DbTimeouts,
) -> Result<(Client, AbortHandle), DbError> {
    let pg = pg_config(url, timeouts)?;
    let (client, connection) = tokio::time::timeout(timeouts.connect, pg.connect(tls()?))
        .await
        .map_err(|_| DbError::Unavailable {
            context: format!(
                "connect: no answer within {} ms",
                timeouts.connect.as_millis()
            ),
            source: None,
        })?
        .map_err(|e| DbError::unavailable("connect", e))?;
    let driver = tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(error = %e, "database connection closed");
        }
    });
    Ok((client, driver.abort_handle()))
}

/// Open one connection and drive it on the runtime. Connection errors are logged, never printed.
/// For tools (migrations, seed set-up, tests): no statement timeout, as a migration may run long.
pub async fn connect(url: &str) -> Result<Client, DbError> {
    let (client, connection) = tokio_postgres::connect(url, tls()?)
        .await
        .map_err(|e| DbError::unavailable("connect", e))?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(error = %e, "database connection closed");
        }
    });
    Ok(client)
}

/// A connection checked out for one request. Dropped, it goes back for reuse only when `finish` saw
/// its work end without the database becoming unavailable; otherwise (a 503, a cancelled future, a
/// panic) it is thrown away: Lambda's single connection is closed and re-opened by the next request,
/// a pooled one is taken out of the pool.
pub struct Conn {
    inner: ConnInner,
    keep: bool,
}

enum ConnInner {
    Single(tokio::sync::OwnedMutexGuard<Option<Open>>),
    // Boxed: the pooled object is far larger than the guard and every request moves a `Conn`.
    // `None` only once taken out of the pool in `drop`.
    Pooled(Option<Box<deadpool_postgres::Object>>),
}

impl Conn {
    fn client_mut(&mut self) -> Result<&mut Client, DbError> {
        let not_open = || DbError::Unavailable {
            context: "connection not open".into(),
            source: None,
        };
        match &mut self.inner {
            ConnInner::Pooled(obj) => obj.as_mut().map(|o| &mut ****o).ok_or_else(not_open),
            ConnInner::Single(guard) => match guard.as_mut() {
                Some(open) => {
                    open.last_used = Instant::now();
                    Ok(&mut open.client)
                }
                None => Err(not_open()),
            },
        }
    }

    /// Record how the work on this connection ended: it is kept for reuse unless the database
    /// became unavailable (a broken connection, a shutdown, a timeout).
    pub(crate) fn finish<T>(&mut self, result: &ApiResult<T>) {
        self.keep = !matches!(result, Err(e) if e.is_unavailable());
    }

    /// A transaction with no tenant context: only the SECURITY DEFINER functions and global tables
    /// (permissions, metal price cache) are reachable until `Tx::enter_tenant`.
    pub(crate) async fn begin_system(&mut self) -> Result<Tx<'_>, DbError> {
        let tx = self.client_mut()?.transaction().await?;
        Ok(Tx::new(tx))
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
                    drop(deadpool_postgres::Object::take(*obj));
                    tracing::info!("pooled database connection discarded");
                }
            }
        }
    }
}
