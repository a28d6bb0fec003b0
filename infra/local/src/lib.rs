//! The local stack: PostgreSQL started from the locally installed binaries (or `DATABASE_URL`),
//! migrations, the demo seed, and one HTTP server that serves every route of
//! `functions::routes::ROUTES` through the same `dispatch` the Lambda functions use, or (`lambda`)
//! the routes of `template.yaml` from each function's own binary.
//!
//! `main.rs` only parses the command line (`cli`); everything here is callable from tests.

pub mod cli;
pub mod generate;
pub mod lambda;
pub mod server;

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::pin;

use shared::Ctx;
use shared::config::Config;
use shared::db::Db;
use testkit::pgembed::PgServer;

pub use server::serve_http;

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// Port of the embedded PostgreSQL unless `LOCAL_PG_PORT` says otherwise (off the default 5432, so a
/// system PostgreSQL can keep running).
pub const DEFAULT_PG_PORT: u16 = 54329;
pub const DEFAULT_HTTP_PORT: u16 = 8000;
/// Pool size of the local server: the old service's pool of 5 plus 10 overflow.
pub const POOL_SIZE: usize = 15;
/// The database the embedded server holds.
pub const DB_NAME: &str = "jmsk";

/// The workspace root (this crate lives in `<root>/infra/local`).
pub fn project_root() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    p.canonicalize().unwrap_or(p)
}

/// Where the data lives.
#[derive(Debug, Clone)]
pub enum DatabaseSource {
    /// A PostgreSQL server of our own, files under `dir` (kept across runs).
    /// `port: None` picks a free port.
    Embedded { dir: PathBuf, port: Option<u16> },
    /// An existing database: `url` for the API (and the seed), `migration_url` (or else `url`) for
    /// migrations.
    External {
        url: String,
        migration_url: Option<String>,
    },
}

impl DatabaseSource {
    /// `DATABASE_URL` (+ `MIGRATION_DATABASE_URL`) if set, else the embedded server in
    /// `LOCAL_PG_DIR` (default `<project>/.data/pg`) on `LOCAL_PG_PORT` (default 54329). Both can be
    /// moved so that a second stack (the docs check in CI, say) runs beside a developer's own.
    pub fn from_env(config: &Config) -> Result<Self, Error> {
        if let Some(url) = &config.database_url {
            return Ok(DatabaseSource::External {
                url: url.expose().to_string(),
                migration_url: env_var("MIGRATION_DATABASE_URL"),
            });
        }
        Ok(DatabaseSource::Embedded {
            dir: env_var("LOCAL_PG_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| project_root().join(".data").join("pg")),
            port: Some(port_from_env("LOCAL_PG_PORT", DEFAULT_PG_PORT)?),
        })
    }
}

pub(crate) fn env_var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

pub fn port_from_env(name: &str, default: u16) -> Result<u16, Error> {
    match env_var(name) {
        None => Ok(default),
        Some(v) => v
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| format!("{name}: '{v}' is not a port number").into()),
    }
}

/// An open database: the embedded server (if we started one) and the two URLs.
pub struct Database {
    server: Option<PgServer>,
    /// Held while the embedded server is ours: a second stack on the same directory would stop it.
    _lock: Option<std::fs::File>,
    /// Schema owner: migrations.
    pub owner_url: String,
    /// What the API connects as (`app_rw` on the embedded server).
    pub runtime_url: String,
}

impl Database {
    /// Start the embedded server (initialising it on first use) and create its roles and database,
    /// or just take the URLs of an external database.
    pub async fn open(source: &DatabaseSource) -> Result<Self, Error> {
        match source {
            DatabaseSource::External { url, migration_url } => Ok(Database {
                server: None,
                _lock: None,
                owner_url: migration_url.clone().unwrap_or_else(|| url.clone()),
                runtime_url: url.clone(),
            }),
            DatabaseSource::Embedded { dir, port } => {
                let lock = lock_data_dir(dir)?;
                let (dir, port) = (dir.clone(), *port);
                tracing::info!(dir = %dir.display(), "starting PostgreSQL");
                let server =
                    tokio::task::spawn_blocking(move || PgServer::start(&dir, port)).await??;
                // Safety net: however this process ends, the server does not outlive it.
                server.stop_when_process_exits(std::process::id(), None);
                tracing::info!(port = server.port, "PostgreSQL running");
                match testkit::pgembed::bootstrap(&server, DB_NAME).await {
                    Ok((owner_url, runtime_url)) => Ok(Database {
                        server: Some(server),
                        _lock: Some(lock),
                        owner_url,
                        runtime_url,
                    }),
                    Err(e) => {
                        stop_server(server).await;
                        Err(e.into())
                    }
                }
            }
        }
    }

    /// The embedded server, if this database is one.
    pub fn server(&self) -> Option<&PgServer> {
        self.server.as_ref()
    }

    /// Apply pending migrations as the owner. Returns the names applied.
    pub async fn migrate_up(&self) -> Result<Vec<String>, Error> {
        let mut client = shared::db::connect(&self.owner_url).await?;
        Ok(shared::migrate::up(&mut client).await?)
    }

    /// Stop the embedded server (nothing for an external database).
    pub async fn stop(self) {
        if let Some(server) = self.server {
            stop_server(server).await;
        }
    }
}

async fn stop_server(server: PgServer) {
    let _ = tokio::task::spawn_blocking(move || {
        server.stop();
        end_safety_net(&server);
    })
    .await;
    tracing::info!("PostgreSQL stopped");
}

/// One stack per data directory: `PgServer::start` stops whatever server it finds running in the
/// directory, so a second `cargo run -p local` would pull the database from under the first. The lock
/// (`<dir>.lock`, an advisory file lock) is released by the kernel however the process ends.
fn lock_data_dir(dir: &Path) -> Result<std::fs::File, Error> {
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let path = dir.with_extension("lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("opening {}: {e}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(format!(
            "another local stack is using {} (stop it first, or point DATABASE_URL at its database: \
             postgres://app_owner@127.0.0.1:<port>/{DB_NAME})",
            dir.display()
        )
        .into()),
        Err(std::fs::TryLockError::Error(e)) => Err(format!("locking {}: {e}", path.display()).into()),
    }
}

/// After a clean stop, end the safety-net watcher `stop_when_process_exits` started for this server
/// (our child, found by its command line). Left alone it would run `pg_ctl stop` up to half a second
/// after this process exits, and so stop the server of a command started right after this one on
/// the same directory (`local migrate up && local seed`). Linux only (`/proc`); elsewhere a no-op.
fn end_safety_net(server: &PgServer) {
    let me = std::process::id();
    let watches_us = format!("while kill -0 {me} ");
    let our_dir = format!("-D '{}'", server.data_dir.display());
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        // The parent pid is the second field after the ")" that closes the command name.
        let parent = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|stat| {
                stat.rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                    .and_then(|p| p.parse::<u32>().ok())
            });
        if parent != Some(me) {
            continue;
        }
        let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline);
        if cmdline.contains(&watches_us) && cmdline.contains(&our_dir) {
            let _ = std::process::Command::new("kill")
                .arg(pid.to_string())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status();
        }
    }
}

/// Everything `serve` needs; `cli` builds it from the environment, tests build their own.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub config: Config,
    pub database: DatabaseSource,
    /// Where the HTTP server listens (127.0.0.1 only).
    pub addr: SocketAddr,
    pub pool_size: usize,
    /// Seed the demo tenant when it is missing.
    pub seed: bool,
}

/// Run the whole local stack until `shutdown` completes: open the database, migrate, seed, serve
/// every route, then stop the HTTP server and the embedded PostgreSQL.
pub async fn serve(opts: ServeOptions, shutdown: impl Future<Output = ()>) -> Result<(), Error> {
    run_stack(
        &opts.database,
        opts.addr,
        async |db| {
            migrate_and_seed(db, &opts.config, opts.seed).await?;
            let pool = Db::pool(&db.runtime_url, opts.pool_size, &opts.config.database_timeouts)?;
            Ok(server::InProcess::new(Ctx::new(opts.config.clone(), pool)))
        },
        async |listener, backend| {
            let addr = listener.local_addr()?;
            tracing::info!(url = %format!("http://{addr}"), routes = functions::routes::ROUTES.len(), "listening");
            Ok(backend)
        },
        shutdown,
    )
    .await
}

/// Both modes' life: open the database; bind `addr` first, so that a taken port fails before
/// anything is migrated; `prepare` the backend (stopping quietly on `shutdown` during start-up);
/// `announce` it; serve it until `shutdown`; stop the embedded PostgreSQL.
pub async fn run_stack<B: server::Backend>(
    database: &DatabaseSource,
    addr: SocketAddr,
    prepare: impl AsyncFnOnce(&Database) -> Result<B, Error>,
    announce: impl AsyncFnOnce(&tokio::net::TcpListener, B) -> Result<B, Error>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), Error> {
    let db = Database::open(database).await?;
    let result = async {
        let mut shutdown = pin!(shutdown);
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| format!("binding {addr}: {e}"))?;
        let backend = tokio::select! {
            b = prepare(&db) => b?,
            () = &mut shutdown => {
                tracing::info!("stopped during start-up");
                return Ok(());
            }
        };
        let backend = announce(&listener, backend).await?;
        server::serve_backend(listener, backend, shutdown).await?;
        Ok::<(), Error>(())
    }
    .await;
    db.stop().await;
    result
}

/// Apply pending migrations and, when asked, seed the demo tenant (one connection, then closed).
pub async fn migrate_and_seed(db: &Database, config: &Config, seed: bool) -> Result<(), Error> {
    let applied = db.migrate_up().await?;
    tracing::info!(applied = ?applied, "migrations up to date");
    if seed {
        let ctx = Ctx::new(
            config.clone(),
            Db::single(&db.runtime_url, &config.database_timeouts),
        );
        let report = shared::app::seed::seed_demo(&ctx).await?;
        tracing::info!(report = %report, "demo seed");
    }
    Ok(())
}
