//! The command line: `serve` (default), `migrate up|down|status|new NAME`, `seed`, `generate`,
//! `import`.
//! Human output (tables, the seed report) goes to stdout; logs are JSON lines.

use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr};

use shared::config::Config;
use tokio::signal::unix::{SignalKind, signal};

use crate::{
    DEFAULT_HTTP_PORT, Database, DatabaseSource, Error, POOL_SIZE, ServeOptions, port_from_env,
    project_root,
};

pub const USAGE: &str = "\
usage: cargo run -p local [-- COMMAND]

commands:
  serve                 start PostgreSQL (or use DATABASE_URL), migrate, seed the demo tenant and
                        serve every route on http://127.0.0.1:8000 (PORT overrides); the default
  migrate up            apply pending migrations
  migrate down          revert the most recent migration
  migrate status        show applied and pending migrations
  migrate new NAME      create migrations/NNNN_NAME.up.sql and .down.sql
  seed                  create the demo tenant (admin/admin123) unless it exists
  lambda [OPTIONS]      the same API on the same port, served the way AWS runs it: the routes of
                        template.yaml, each by its function's own release binary (built first)
                        started as its own processes behind a Lambda Runtime API emulator
                        (see `lambda --help`)
  generate [--scale N]  create tenant \"Scale Co\" (scale-admin/scale-admin-123) with N x (500
                        companies, 10,000 orders, 200,000 ledger entries, 5,000 metal transactions)
                        and 50 small tenants, unless it exists (N: 1 to 100, default 1)
  import --from URL     move tenants from the old Python service's database (read-only there) into
                        this one, then verify; non-zero exit on any unexplained difference
                        (see `import --help`)
  help                  this text

Without DATABASE_URL the commands use the embedded PostgreSQL in LOCAL_PG_DIR (default
<project>/.data/pg) on port LOCAL_PG_PORT (default 54329). migrate uses MIGRATION_DATABASE_URL when set.";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Serve,
    MigrateUp,
    MigrateDown,
    MigrateStatus,
    MigrateNew(String),
    Seed,
    Generate { scale: i32 },
    Lambda(LambdaArgs),
    Import(ImportArgs),
    Help,
    LambdaHelp,
    ImportHelp,
}

pub const IMPORT_USAGE: &str = "\
usage: cargo run -p local -- import --from URL [OPTIONS]

Reads the old service's PostgreSQL database at URL inside one read-only snapshot (it never writes
there) and writes this database as the schema owner (MIGRATION_DATABASE_URL, else DATABASE_URL, else
the embedded PostgreSQL, migrated first), one transaction per tenant. Old ids are re-mapped through
the import_map table, so a second run brings what is new, updates what changed and deletes nothing.
Every run ends with the verification report (row counts and balances on both sides); the exit
status is non-zero when a tenant stopped or anything differs that no listed anomaly explains.
docs/import.md lists what maps to what, the anomalies and the fixes.

options:
  --from URL          the old database (postgres://user:pass@host:port/db[?sslmode=require])
  --tenant ID         only the old tenant ID (default: --all)
  --all               every old tenant
  --dry-run           do everything and report it, then roll each tenant back
  --fix               apply the documented corrections (recompute the safe and company balances
                      from their transactions, book the casting reversals the old service never
                      did, give orders their contact's company)
  --rename-invalid    map usernames that break our rules or clash once lower-cased to valid free
                      ones (reported) instead of stopping that tenant
  --zone ZONE         the zone of the old naive timestamps (default UTC), e.g. Europe/Berlin
  --verify            only compare the two databases; import nothing";

/// The options of `import`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportArgs {
    pub from: String,
    pub choices: import::Choices,
}

fn parse_import(args: &[&str]) -> Result<Command, Error> {
    let mut out = ImportArgs::default();
    let mut from = None;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = |name: &str| -> Result<String, Error> {
            it.next().map(|v| v.to_string()).ok_or_else(|| {
                format!("import {name}: a value is missing\n\n{IMPORT_USAGE}").into()
            })
        };
        match *flag {
            "--help" | "-h" => return Ok(Command::ImportHelp),
            "--from" => from = Some(value(flag)?),
            "--tenant" => {
                let v = value(flag)?;
                out.choices.tenant = Some(
                    v.parse()
                        .ok()
                        .filter(|n: &i64| *n > 0)
                        .ok_or_else(|| format!("--tenant: '{v}' is not a tenant id"))?,
                );
            }
            "--all" => out.choices.tenant = None,
            "--dry-run" => out.choices.dry_run = true,
            "--fix" => out.choices.fix = true,
            "--rename-invalid" => out.choices.rename_invalid = true,
            "--verify" => out.choices.verify = true,
            "--zone" => out.choices.zone = Some(value(flag)?),
            other => {
                return Err(format!("import: unknown option '{other}'\n\n{IMPORT_USAGE}").into());
            }
        }
    }
    out.from = from
        .filter(|f| !f.trim().is_empty())
        .ok_or_else(|| format!("import: --from URL is required\n\n{IMPORT_USAGE}"))?;
    Ok(Command::Import(out))
}

pub const LAMBDA_USAGE: &str = "\
usage: cargo run -p local -- lambda [OPTIONS]

Serves template.yaml's routes on http://127.0.0.1:8000 (PORT overrides), with or without the stage
prefix (/dev/...), each request run by its function's own binary as AWS Lambda would: a process
per concurrent invocation up to the function's ReservedConcurrentExecutions (else --concurrency),
warm processes reused, idle ones stopped, Timeout enforced, API Gateway's GatewayResponses for
unknown paths, throttles and failed functions, and a REPORT line per invocation. The database is
the one `serve` uses (embedded, or DATABASE_URL), migrated and seeded.

options:
  --bin-dir DIR                 use the binaries in DIR (.aws-sam/build, target/lambda or
                                target/release) instead of building them with
                                `cargo build --release -p functions --bins`
  --parameter-overrides K=V,..  template parameters (Stage=dev unless given), as sam local takes them
  --env-vars FILE               environment overrides, as sam local reads them
                                (default infra/sam/env.local.json)
  --concurrency N               processes per function without reserved concurrency (default 10)
  --idle-timeout SECONDS        stop a warm process idle this long (default 300)
  --quiet                       do not forward the functions' own log lines";

/// The options of `lambda`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LambdaArgs {
    pub bin_dir: Option<String>,
    pub parameters: Vec<(String, String)>,
    pub env_vars: Option<String>,
    pub concurrency: Option<u32>,
    pub idle_timeout_s: Option<u64>,
    pub quiet: bool,
}

fn parse_lambda(args: &[&str]) -> Result<Command, Error> {
    let mut out = LambdaArgs::default();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = |name: &str| -> Result<String, Error> {
            it.next().map(|v| v.to_string()).ok_or_else(|| {
                format!("lambda {name}: a value is missing\n\n{LAMBDA_USAGE}").into()
            })
        };
        match *flag {
            "--help" | "-h" => return Ok(Command::LambdaHelp),
            "--quiet" => out.quiet = true,
            "--bin-dir" => out.bin_dir = Some(value(flag)?),
            "--env-vars" => out.env_vars = Some(value(flag)?),
            "--parameter-overrides" => {
                for pair in value(flag)?.split([',', ' ']).filter(|p| !p.is_empty()) {
                    let (k, v) = pair.split_once('=').ok_or_else(|| {
                        format!("--parameter-overrides: '{pair}' is not KEY=VALUE")
                    })?;
                    out.parameters.push((k.to_string(), v.to_string()));
                }
            }
            "--concurrency" => {
                let v = value(flag)?;
                out.concurrency = Some(
                    v.parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| format!("--concurrency: '{v}' is not a positive number"))?,
                );
            }
            "--idle-timeout" => {
                let v = value(flag)?;
                out.idle_timeout_s = Some(v.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                    format!("--idle-timeout: '{v}' is not a positive number of seconds")
                })?);
            }
            other => {
                return Err(format!("lambda: unknown option '{other}'\n\n{LAMBDA_USAGE}").into());
            }
        }
    }
    Ok(Command::Lambda(out))
}

pub fn parse(args: &[String]) -> Result<Command, Error> {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        [] | ["serve"] => Ok(Command::Serve),
        ["migrate"] | ["migrate", "up"] => Ok(Command::MigrateUp),
        ["migrate", "down"] => Ok(Command::MigrateDown),
        ["migrate", "status"] | ["migrate", "history"] => Ok(Command::MigrateStatus),
        ["migrate", "new", name @ ..] if !name.is_empty() => {
            Ok(Command::MigrateNew(name.join(" ")))
        }
        ["seed"] => Ok(Command::Seed),
        ["generate"] => Ok(Command::Generate {
            scale: crate::generate::DEFAULT_SCALE,
        }),
        ["generate", "--scale", n] => Ok(Command::Generate {
            scale: crate::generate::parse_scale(n)?,
        }),
        ["generate", flag] if flag.starts_with("--scale=") => Ok(Command::Generate {
            scale: crate::generate::parse_scale(&flag["--scale=".len()..])?,
        }),
        ["lambda", rest @ ..] => parse_lambda(rest),
        ["import", rest @ ..] => parse_import(rest),
        ["help"] | ["-h"] | ["--help"] => Ok(Command::Help),
        _ => Err(format!("unknown command '{}'\n\n{USAGE}", args.join(" ")).into()),
    }
}

/// Run the command line (`args` without the program name).
pub async fn run(args: Vec<String>) -> Result<(), Error> {
    let command = parse(&args)?;
    match command {
        Command::Help => {
            out(USAGE);
            return Ok(());
        }
        Command::LambdaHelp => {
            out(LAMBDA_USAGE);
            return Ok(());
        }
        Command::ImportHelp => {
            out(IMPORT_USAGE);
            return Ok(());
        }
        _ => {}
    }
    let config = Config::from_env()?;
    shared::telemetry::init(&config.log_level);
    match command {
        Command::Serve => serve(config).await,
        Command::Lambda(args) => serve_lambda(config, args).await,
        Command::MigrateNew(name) => {
            let dir = project_root().join("migrations");
            let (up, down) = shared::migrate::new(&dir, &name)?;
            out(&format!(
                "created {}\ncreated {}\n(migrations are embedded at build time: the next cargo build picks them up)",
                up.display(),
                down.display()
            ));
            Ok(())
        }
        Command::MigrateUp => {
            with_database(&config, async |db| {
                let applied = db.migrate_up().await?;
                if applied.is_empty() {
                    out("nothing to apply: the database is up to date");
                } else {
                    out(&format!("applied: {}", applied.join(", ")));
                }
                Ok(())
            })
            .await
        }
        Command::MigrateDown => {
            with_database(&config, async |db| {
                let mut client = shared::db::connect(&db.owner_url).await?;
                match shared::migrate::down(&mut client).await? {
                    Some(name) => out(&format!("reverted: {name}")),
                    None => out("nothing to revert: no migration is applied"),
                }
                Ok(())
            })
            .await
        }
        Command::MigrateStatus => {
            with_database(&config, async |db| {
                let mut client = shared::db::connect(&db.owner_url).await?;
                let status = shared::migrate::status(&mut client).await?;
                out(&status_table(&status));
                Ok(())
            })
            .await
        }
        Command::Seed => {
            let cfg = config.clone();
            with_database(&config, async move |db| {
                // The embedded database may be brand new: bring its schema up first. An external one
                // is migrated with `migrate up` (possibly as another role).
                if db.server().is_some() {
                    db.migrate_up().await?;
                }
                let ctx = shared::Ctx::new(
                    cfg.clone(),
                    shared::db::Db::single(&db.runtime_url, &cfg.database_timeouts),
                );
                let report = shared::app::seed::seed_demo(&ctx).await?;
                out(&report.to_string());
                Ok(())
            })
            .await
        }
        Command::Generate { scale } => {
            let cfg = config.clone();
            with_database(&config, async move |db| {
                let started = std::time::Instant::now();
                let report = crate::generate::run(&cfg, db, scale).await?;
                out(&format!(
                    "{report}\n(the command took {:.1} s)",
                    started.elapsed().as_secs_f64()
                ));
                Ok(())
            })
            .await
        }
        Command::Import(args) => {
            with_database(&config, async move |db| {
                if db.server().is_some() {
                    db.migrate_up().await?;
                }
                let report = import::run(&import::Options::chosen(
                    &args.from,
                    &db.owner_url,
                    &args.choices,
                ))
                .await?;
                out(&report.to_string());
                if report.clean() {
                    Ok(())
                } else {
                    Err(
                        "import: a tenant stopped or the verification found differences no \
                         anomaly explains (see the report above)"
                            .into(),
                    )
                }
            })
            .await
        }
        Command::Help | Command::LambdaHelp | Command::ImportHelp => Ok(()),
    }
}

async fn serve_lambda(config: Config, args: LambdaArgs) -> Result<(), Error> {
    let port = port_from_env("PORT", DEFAULT_HTTP_PORT)?;
    let mut functions = crate::lambda::FunctionsSetup::project_defaults();
    if let Some(dir) = args.bin_dir {
        functions.binaries = crate::lambda::Binaries::Dir(dir.into());
    }
    if let Some(file) = args.env_vars {
        functions.env_vars = Some(file.into());
    }
    functions.parameters.extend(args.parameters);
    if let Some(n) = args.concurrency {
        functions.pool.default_concurrency = n;
    }
    if let Some(s) = args.idle_timeout_s {
        functions.pool.idle_timeout = std::time::Duration::from_secs(s);
    }
    if args.quiet {
        functions.pool.logs = crate::lambda::FunctionLogs::Discard;
    }
    let opts = crate::lambda::LambdaOptions {
        database: DatabaseSource::from_env(&config)?,
        config,
        addr: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        seed: true,
        functions,
    };
    let shutdown = shutdown_signal()?;
    crate::lambda::serve_lambda(opts, shutdown).await
}

async fn serve(config: Config) -> Result<(), Error> {
    let port = port_from_env("PORT", DEFAULT_HTTP_PORT)?;
    let opts = ServeOptions {
        database: DatabaseSource::from_env(&config)?,
        config,
        addr: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        pool_size: POOL_SIZE,
        seed: true,
    };
    let shutdown = shutdown_signal()?;
    crate::serve(opts, shutdown).await
}

/// Completes on Ctrl-C (SIGINT) or SIGTERM. The handlers are installed now, not on first poll, so a
/// signal during start-up is not lost (and does not kill the process with PostgreSQL still up).
pub fn shutdown_signal() -> Result<impl Future<Output = ()>, Error> {
    let mut int = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = int.recv() => tracing::info!(signal = "SIGINT", "shutting down"),
            _ = term.recv() => tracing::info!(signal = "SIGTERM", "shutting down"),
        }
    })
}

/// Open the database for one command, run it (or stop on Ctrl-C/SIGTERM), and stop the embedded
/// server again.
async fn with_database(
    config: &Config,
    work: impl AsyncFnOnce(&Database) -> Result<(), Error>,
) -> Result<(), Error> {
    let source = DatabaseSource::from_env(config)?;
    let interrupted = shutdown_signal()?;
    let db = Database::open(&source).await?;
    let result = tokio::select! {
        r = work(&db) => r,
        () = interrupted => Err("interrupted".into()),
    };
    db.stop().await;
    result
}

fn status_table(status: &shared::migrate::Status) -> String {
    let mut s = String::new();
    let width = status
        .applied
        .iter()
        .map(|a| a.name.len())
        .chain(status.pending.iter().map(String::len))
        .chain(std::iter::once(4))
        .max()
        .unwrap_or(4);
    s.push_str(&format!(
        "{:<7}  {:<width$}  {:<20}  {}\n",
        "version", "name", "applied at (UTC)", "state"
    ));
    for a in &status.applied {
        let state = match (a.known, a.checksum_ok) {
            (false, _) => "applied, file missing",
            (true, false) => "applied, FILE EDITED since",
            (true, true) => "applied",
        };
        s.push_str(&format!(
            "{:<7}  {:<width$}  {:<20}  {}\n",
            a.version,
            a.name,
            a.applied_at.format("%Y-%m-%d %H:%M:%S").to_string(),
            state
        ));
    }
    for p in &status.pending {
        let version = p.split('_').next().unwrap_or("");
        s.push_str(&format!(
            "{:<7}  {:<width$}  {:<20}  {}\n",
            version.trim_start_matches('0'),
            p,
            "-",
            "pending"
        ));
    }
    if status.applied.is_empty() && status.pending.is_empty() {
        s.push_str("(no migrations)\n");
    }
    s.trim_end().to_string()
}

/// Human output on stdout (logs are JSON lines on the same stream; this is plain text).
fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{text}");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn parses_every_command() {
        assert_eq!(parse(&args("")).unwrap(), Command::Serve);
        assert_eq!(parse(&args("serve")).unwrap(), Command::Serve);
        assert_eq!(parse(&args("migrate up")).unwrap(), Command::MigrateUp);
        assert_eq!(parse(&args("migrate down")).unwrap(), Command::MigrateDown);
        assert_eq!(
            parse(&args("migrate status")).unwrap(),
            Command::MigrateStatus
        );
        assert_eq!(
            parse(&args("migrate new add invoices")).unwrap(),
            Command::MigrateNew("add invoices".into())
        );
        assert_eq!(parse(&args("seed")).unwrap(), Command::Seed);
        assert_eq!(
            parse(&args("generate")).unwrap(),
            Command::Generate { scale: 1 }
        );
        assert_eq!(
            parse(&args("generate --scale 10")).unwrap(),
            Command::Generate { scale: 10 }
        );
        assert_eq!(
            parse(&args("generate --scale=3")).unwrap(),
            Command::Generate { scale: 3 }
        );
        for bad in [
            "generate --scale",
            "generate --scale 0",
            "generate --scale 101",
            "generate --scale ten",
            "generate --scale=-1",
            "generate 10",
        ] {
            assert!(parse(&args(bad)).is_err(), "{bad}");
        }
        assert_eq!(
            parse(&args("lambda")).unwrap(),
            Command::Lambda(LambdaArgs::default())
        );
        assert_eq!(
            parse(&args(
                "lambda --bin-dir .aws-sam/build --parameter-overrides Stage=dev,BcryptCost=4 --concurrency 2 --idle-timeout 5 --quiet"
            ))
            .unwrap(),
            Command::Lambda(LambdaArgs {
                bin_dir: Some(".aws-sam/build".into()),
                parameters: vec![("Stage".into(), "dev".into()), ("BcryptCost".into(), "4".into())],
                env_vars: None,
                concurrency: Some(2),
                idle_timeout_s: Some(5),
                quiet: true,
            })
        );
        assert_eq!(parse(&args("lambda --help")).unwrap(), Command::LambdaHelp);
        for bad in [
            "lambda --concurrency 0",
            "lambda --concurrency",
            "lambda --idle-timeout x",
            "lambda --parameter-overrides Stage",
            "lambda --bogus",
        ] {
            assert!(parse(&args(bad)).is_err(), "{bad}");
        }
        assert_eq!(
            parse(&args("import --from postgres://old/db --tenant 7 --dry-run --fix --rename-invalid --zone Europe/Berlin")).unwrap(),
            Command::Import(ImportArgs {
                from: "postgres://old/db".into(),
                choices: import::Choices {
                    tenant: Some(7),
                    dry_run: true,
                    fix: true,
                    rename_invalid: true,
                    zone: Some("Europe/Berlin".into()),
                    verify: false,
                },
            })
        );
        assert_eq!(
            parse(&args("import --from postgres://old/db --verify")).unwrap(),
            Command::Import(ImportArgs {
                from: "postgres://old/db".into(),
                choices: import::Choices {
                    verify: true,
                    ..import::Choices::default()
                },
            })
        );
        assert_eq!(parse(&args("import --help")).unwrap(), Command::ImportHelp);
        for bad in [
            "import",
            "import --dry-run",
            "import --from",
            "import --from x --tenant zero",
            "import --from x --tenant -1",
            "import --from x --bogus",
        ] {
            assert!(parse(&args(bad)).is_err(), "{bad}");
        }
        assert!(parse(&args("migrate new")).is_err());
        assert!(parse(&args("serve now")).is_err());
        assert!(parse(&args("bogus")).is_err());
    }
}
