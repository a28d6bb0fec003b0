//! The import from the old Python service (issue #16): read its PostgreSQL database inside one
//! read-only repeatable-read transaction (a consistent snapshot; nothing is ever written there),
//! write ours as the schema owner, one transaction per tenant, and verify the result.
//!
//! Reading order: [`run`] → `write::import_tenant` (entity by entity, old ids re-mapped through the
//! `import_map` table of migration 0011) → `write::finish` (derived state recomputed set-based) →
//! `verify::tenant` (counts and balances on both sides). `docs/import.md` lists what maps to what.

mod convert;
mod report;
mod verify;
mod write;

use tokio_postgres::{Client, IsolationLevel};

pub use report::{Anomaly, EntityCount, Report, TenantReport, Verification};

/// Which old tenants to import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tenants {
    All,
    One(i64),
}

#[derive(Debug, Clone)]
pub struct Options {
    /// The old service's database (read-only use).
    pub from_url: String,
    /// Ours, as the schema owner (the migration connection).
    pub to_url: String,
    pub tenants: Tenants,
    /// Do everything in the tenant's transaction, report, and roll it back.
    pub dry_run: bool,
    /// Apply the documented corrections (docs/import.md, "Fixes").
    pub fix: bool,
    /// Map usernames that break our rules (or clash once lower-cased) to valid free ones instead of
    /// stopping that tenant's import.
    pub rename_invalid: bool,
    /// The zone the old naive timestamps are in (IANA name or an offset PostgreSQL knows).
    pub zone: String,
    /// Only compare the two databases; import nothing.
    pub verify_only: bool,
}

impl Options {
    pub fn new(from_url: impl Into<String>, to_url: impl Into<String>) -> Self {
        Options {
            from_url: from_url.into(),
            to_url: to_url.into(),
            tenants: Tenants::All,
            dry_run: false,
            fix: false,
            rename_invalid: false,
            zone: "UTC".into(),
            verify_only: false,
        }
    }
}

/// What a run is asked to do, as `local import`'s flags and the migration function's payload say
/// it: turned into `Options` in one place (`Options::chosen`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Choices {
    /// One old tenant, or all of them.
    pub tenant: Option<i64>,
    pub dry_run: bool,
    pub fix: bool,
    pub rename_invalid: bool,
    /// The old timestamps' zone; UTC when not given.
    pub zone: Option<String>,
    pub verify: bool,
}

impl Options {
    pub fn chosen(from_url: impl Into<String>, to_url: impl Into<String>, c: &Choices) -> Self {
        let mut o = Options::new(from_url, to_url);
        o.tenants = match c.tenant {
            Some(id) => Tenants::One(id),
            None => Tenants::All,
        };
        o.dry_run = c.dry_run;
        o.fix = c.fix;
        o.rename_invalid = c.rename_invalid;
        o.verify_only = c.verify;
        if let Some(z) = &c.zone {
            o.zone = z.clone();
        }
        o
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the old database: {0}")]
    Old(String),
    #[error("our database: {0}")]
    New(String),
    #[error("{0}")]
    Usage(String),
}

/// `what` failed on the old side, with PostgreSQL's own message (never the URL).
pub(crate) fn old_err(what: &str) -> impl Fn(tokio_postgres::Error) -> ImportError + '_ {
    move |e| ImportError::Old(format!("{what}: {}", pg_message(&e)))
}

pub(crate) fn new_err(what: &str) -> impl Fn(tokio_postgres::Error) -> ImportError + '_ {
    move |e| ImportError::New(format!("{what}: {}", pg_message(&e)))
}

fn pg_message(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{} ({detail})", db.message()),
            None => db.message().to_string(),
        },
        None => e.to_string(),
    }
}

async fn connect(url: &str, side: &str) -> Result<Client, ImportError> {
    shared::db::connect(url).await.map_err(|e| match side {
        "old" => ImportError::Old(format!("connecting: {e}")),
        _ => ImportError::New(format!("connecting: {e}")),
    })
}

/// Import (or, with `verify_only`, only verify) the selected tenants. Each tenant is one
/// transaction on our side; a tenant that cannot be imported (usernames, a taken subdomain) is
/// reported as stopped and the others go on.
pub async fn run(opts: &Options) -> Result<Report, ImportError> {
    let mut old = connect(&opts.from_url, "old").await?;
    let mut new = connect(&opts.to_url, "new").await?;
    // One snapshot of the old database for the whole run, and no way to write to it.
    let old_tx = old
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(old_err("begin read only"))?;
    write::check_old_schema(&old_tx).await?;
    old_tx
        .query_one("select now() at time zone $1", &[&opts.zone])
        .await
        .map_err(|e| ImportError::Usage(format!("--zone '{}': {}", opts.zone, pg_message(&e))))?;
    let tenants: Vec<i64> = match opts.tenants {
        Tenants::All => old_tx
            .query("select id::int8 as id from tenants order by id", &[])
            .await
            .map_err(old_err("listing tenants"))?
            .iter()
            .map(|r| r.try_get::<_, i64>("id"))
            .collect::<Result<_, _>>()
            .map_err(old_err("listing tenants"))?,
        Tenants::One(id) => {
            let found = old_tx
                .query_opt("select 1 from tenants where id = $1::int8", &[&id])
                .await
                .map_err(old_err("finding the tenant"))?;
            if found.is_none() {
                return Err(ImportError::Usage(format!(
                    "--tenant {id}: the old database has no tenant {id}"
                )));
            }
            vec![id]
        }
    };
    let mut report = Report {
        dry_run: opts.dry_run,
        fix: opts.fix,
        verify_only: opts.verify_only,
        zone: opts.zone.clone(),
        tenants: Vec::new(),
    };
    for old_tenant in tenants {
        let tx = new.transaction().await.map_err(new_err("begin"))?;
        let tenant = if opts.verify_only {
            let mut t = TenantReport::new(old_tenant);
            t.source = write::source_of(&old_tx, old_tenant).await?;
            match verify::imported_as(&tx, &t.source, old_tenant).await? {
                Some(id) => {
                    t.tenant_id = Some(id);
                    let listed = verify::last_anomalies(&tx, &t.source).await?;
                    t.verification = Some(
                        verify::tenant(&old_tx, &tx, old_tenant, &t.source, id, &listed).await?,
                    );
                }
                None => t.stopped = Some("not imported yet".into()),
            }
            tx.rollback().await.map_err(new_err("rollback"))?;
            t
        } else {
            let t = write::import_tenant(opts, &old_tx, &tx, old_tenant).await?;
            match (&t.stopped, opts.dry_run) {
                (None, false) => {
                    write::record_run(&tx, &t, opts.fix).await?;
                    tx.commit().await.map_err(new_err("commit"))?;
                }
                _ => tx.rollback().await.map_err(new_err("rollback"))?,
            }
            t
        };
        tracing::info!(
            old_tenant,
            tenant = ?tenant.tenant_id,
            stopped = ?tenant.stopped,
            anomalies = tenant.anomalies.len(),
            "import: tenant done"
        );
        report.tenants.push(tenant);
    }
    old_tx
        .rollback()
        .await
        .map_err(old_err("end of the snapshot"))?;
    Ok(report)
}
