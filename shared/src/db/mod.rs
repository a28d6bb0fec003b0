//! Database access. In Lambda a container holds at most one connection (`Db::single`), opened on first
//! use, reused while warm, and re-opened when broken; locally a `deadpool` pool of at most 15 is used.
//! Tenant data is reached only through `Conn::begin_tenant`, which sets the row-level-security tenant
//! and re-validates the caller in the same statement.

mod params;
mod tx;

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;
use tokio_postgres::Client;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::DbError;

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
    slot: Arc<Mutex<Option<(Client, Instant)>>>,
}

impl Db {
    /// One lazily opened connection for this process (Lambda).
    pub fn single(url: &str) -> Self {
        Db::Single(Arc::new(SingleConn {
            url: url.to_string(),
            slot: Arc::new(Mutex::new(None)),
        }))
    }

    /// A pool of `max` connections (local server: 15 = the old service's 5 + 10 overflow).
    pub fn pool(url: &str, max: usize) -> Result<Self, DbError> {
        let pg: tokio_postgres::Config = url
            .parse()
            .map_err(|e| DbError::unavailable("DATABASE_URL does not parse", e))?;
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
            .wait_timeout(Some(Duration::from_secs(10)))
            .create_timeout(Some(Duration::from_secs(5)))
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
                    inner: ConnInner::Pooled(Box::new(obj)),
                })
            }
            Db::Single(single) => {
                let mut guard = Arc::clone(&single.slot).lock_owned().await;
                let healthy = match guard.as_ref() {
                    None => false,
                    Some((client, _)) if client.is_closed() => false,
                    Some((client, last_used)) if last_used.elapsed() >= IDLE_PROBE_AFTER => {
                        client.simple_query("").await.is_ok()
                    }
                    Some(_) => true,
                };
                if !healthy {
                    *guard = None;
                    let client = connect(&single.url).await?;
                    *guard = Some((client, Instant::now()));
                }
                Ok(Conn {
                    inner: ConnInner::Single(guard),
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

/// Open one connection and drive it on the runtime. Connection errors are logged, never printed.
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

pub struct Conn {
    inner: ConnInner,
}

enum ConnInner {
    Single(tokio::sync::OwnedMutexGuard<Option<(Client, Instant)>>),
    // Boxed: the pooled object is far larger than the guard and every request moves a `Conn`.
    Pooled(Box<deadpool_postgres::Object>),
}

impl Conn {
    fn client_mut(&mut self) -> Result<&mut Client, DbError> {
        match &mut self.inner {
            ConnInner::Pooled(obj) => Ok(&mut ***obj),
            ConnInner::Single(guard) => match guard.as_mut() {
                Some((client, last_used)) => {
                    *last_used = Instant::now();
                    Ok(client)
                }
                None => Err(DbError::Unavailable {
                    context: "connection not open".into(),
                    source: None,
                }),
            },
        }
    }

    /// A transaction with no tenant context: only the SECURITY DEFINER functions and global tables
    /// (permissions, metal price cache) are reachable until `Tx::enter_tenant`.
    pub(crate) async fn begin_system(&mut self) -> Result<Tx<'_>, DbError> {
        let tx = self.client_mut()?.transaction().await?;
        Ok(Tx::new(tx))
    }
}
