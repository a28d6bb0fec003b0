//! The per-function mode (`cargo run -p local -- lambda`): the API served the way it runs in AWS,
//! from the real `template.yaml` and each function's own built binary. [`template`] reads the
//! template, [`pool`] plays the Lambda service (a process per concurrent invocation behind the one
//! Runtime API emulator, `testkit::runtime`), [`gateway`] plays API Gateway in front of them. The
//! HTTP layer is the one-process server's (`crate::server`), so both modes read requests alike.

pub mod gateway;
pub mod pool;
pub mod template;

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use shared::config::Config;

use crate::{DatabaseSource, Error, project_root};
pub use gateway::Gateway;
pub use pool::{FunctionLogs, PoolOptions, Pools, Report, Status};
use template::{Function, Template};

/// Concurrency of a function without reserved concurrency, standing in for the account's limit
/// (1,000 in AWS; a handful of processes per function is plenty on one machine).
pub const DEFAULT_CONCURRENCY: u32 = 10;
/// How long a warm environment may sit idle before it is stopped (Lambda keeps them for minutes).
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// Where the function binaries are.
#[derive(Debug, Clone)]
pub enum Binaries {
    /// A directory in any of the layouts the builds leave: `sam build`'s
    /// (`<dir>/<LogicalId>/bootstrap`), `cargo lambda build`'s (`<dir>/<binary>/bootstrap`) or
    /// cargo's (`<dir>/<binary>`).
    Dir(PathBuf),
    /// Build them first with `cargo build --release -p functions --bins` (a no-op when current).
    BuildRelease,
}

/// What the per-function mode needs besides the database.
#[derive(Debug, Clone)]
pub struct FunctionsSetup {
    pub template: PathBuf,
    /// `--parameter-overrides`, as `sam local` takes them.
    pub parameters: BTreeMap<String, String>,
    /// An `--env-vars` file as `sam local` reads it (`infra/sam/env.local.json`).
    pub env_vars: Option<PathBuf>,
    pub binaries: Binaries,
    pub pool: PoolOptions,
}

impl FunctionsSetup {
    /// The project's template and local environment, `Stage=dev` as `make sam-local-api` uses, the
    /// release build, function logs and `REPORT` lines on stdout.
    pub fn project_defaults() -> Self {
        let root = project_root();
        FunctionsSetup {
            template: root.join("template.yaml"),
            parameters: [("Stage".to_string(), "dev".to_string())].into(),
            env_vars: Some(root.join("infra/sam/env.local.json")),
            binaries: Binaries::BuildRelease,
            pool: PoolOptions {
                default_concurrency: DEFAULT_CONCURRENCY,
                idle_timeout: DEFAULT_IDLE_TIMEOUT,
                logs: FunctionLogs::Forward,
                print_reports: true,
            },
        }
    }
}

/// The template resolved, and its functions ready to start against `database_url`.
pub fn gateway(setup: &FunctionsSetup, database_url: &str) -> Result<Gateway, Error> {
    let template = template::load(&setup.template, &setup.parameters)?;
    let dir = match &setup.binaries {
        Binaries::Dir(dir) => dir.clone(),
        Binaries::BuildRelease => build_release()?,
    };
    let overrides = match &setup.env_vars {
        Some(path) => EnvVars::load(path)?,
        None => EnvVars::default(),
    };
    let mut functions = Vec::new();
    for f in &template.functions {
        let program = find_binary(&dir, f)?;
        let env = environment(f, &overrides, database_url);
        functions.push(pool::Runnable {
            spec: f.clone(),
            program,
            env,
        });
    }
    let pools = Pools::new(functions, setup.pool.clone());
    Ok(Gateway::new(&template, pools))
}

/// `sam local`'s `--env-vars` file: `Parameters` for every function, then a section per logical id.
#[derive(Debug, Default)]
pub struct EnvVars {
    all: BTreeMap<String, String>,
    per_function: BTreeMap<String, BTreeMap<String, String>>,
}

impl EnvVars {
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let section = |v: &serde_json::Value| -> Result<BTreeMap<String, String>, Error> {
            let obj = v
                .as_object()
                .ok_or_else(|| format!("{}: every section is an object", path.display()))?;
            obj.iter()
                .map(|(k, v)| match v {
                    serde_json::Value::String(s) => Ok((k.clone(), s.clone())),
                    other => Ok((k.clone(), other.to_string())),
                })
                .collect()
        };
        let mut out = EnvVars::default();
        for (key, v) in json
            .as_object()
            .ok_or_else(|| format!("{}: not a JSON object", path.display()))?
        {
            if key == "Parameters" {
                out.all = section(v)?;
            } else {
                out.per_function.insert(key.clone(), section(v)?);
            }
        }
        Ok(out)
    }
}

/// A function's environment: the template's variables, then the env file's values for the
/// variables the template declares (others are dropped, as `sam local` drops them), then the
/// database this mode runs against.
fn environment(f: &Function, overrides: &EnvVars, database_url: &str) -> Vec<(String, String)> {
    let mut env = f.environment.clone();
    let own = overrides.per_function.get(&f.logical_id);
    for source in [Some(&overrides.all), own].into_iter().flatten() {
        for (k, v) in source {
            if let Some(slot) = env.get_mut(k) {
                slot.clone_from(v);
            }
        }
    }
    if let Some(url) = env.get_mut("DATABASE_URL") {
        *url = database_url.to_string();
    }
    env.into_iter().collect()
}

fn find_binary(dir: &Path, f: &Function) -> Result<PathBuf, Error> {
    testkit::runtime::find_binary(dir, &f.binary, &f.logical_id).ok_or_else(|| {
        format!(
            "{}: no binary in {} (looked for {}/bootstrap, {}/bootstrap and {}); build them with \
             `cargo build --release -p functions --bins` or `make sam-build`",
            f.logical_id,
            dir.display(),
            f.logical_id,
            f.binary,
            f.binary
        )
        .into()
    })
}

/// Build the function binaries in release mode and return their directory.
fn build_release() -> Result<PathBuf, Error> {
    let root = project_root();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    tracing::info!("building the function binaries: cargo build --release -p functions --bins");
    let mut cmd = std::process::Command::new(cargo);
    cmd.args(["build", "--release", "-p", "functions", "--bins"])
        .current_dir(&root);
    // `cargo run` hands this process its package's CARGO_PKG_* and CARGO_MANIFEST_* variables; build
    // scripts (ring's) that read them would see them change and rebuild, with everything above
    // them, on every run.
    for (key, _) in std::env::vars_os() {
        let name = key.to_string_lossy();
        if name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_MANIFEST_")
            || matches!(
                name.as_ref(),
                "CARGO_CRATE_NAME" | "CARGO_BIN_NAME" | "CARGO_PRIMARY_PACKAGE"
            )
        {
            cmd.env_remove(&key);
        }
    }
    let status = cmd.status().map_err(|e| format!("running cargo: {e}"))?;
    if !status.success() {
        return Err(format!("cargo build --release -p functions --bins failed ({status})").into());
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    Ok(target.join("release"))
}

/// Everything `serve_lambda` needs.
#[derive(Debug, Clone)]
pub struct LambdaOptions {
    /// For the seed (and its bcrypt cost); the functions get the template's environment.
    pub config: Config,
    pub database: DatabaseSource,
    pub addr: SocketAddr,
    pub seed: bool,
    pub functions: FunctionsSetup,
}

/// Open the database, migrate, seed, then serve the template's routes from the function binaries
/// until `shutdown` completes.
pub async fn serve_lambda(
    opts: LambdaOptions,
    shutdown: impl Future<Output = ()>,
) -> Result<(), Error> {
    let pools = std::sync::Mutex::new(None);
    let result = crate::run_stack(
        &opts.database,
        opts.addr,
        async |db| {
            crate::migrate_and_seed(db, &opts.config, opts.seed).await?;
            let setup = opts.functions.clone();
            let url = db.runtime_url.clone();
            // The build (when asked for) and the template read block; keep them off the runtime.
            tokio::task::spawn_blocking(move || gateway(&setup, &url)).await?
        },
        async |listener, gateway: Gateway| {
            let addr = listener.local_addr()?;
            tracing::info!(
                url = %format!("http://{addr}"),
                stage = gateway.stage(),
                "serving the template's functions, each from its own binary"
            );
            if let Ok(mut slot) = pools.lock() {
                *slot = Some(Arc::clone(gateway.pools()));
            }
            Ok(gateway)
        },
        shutdown,
    )
    .await;
    // Warm processes end with the mode (busy ones are killed when their invocation is dropped).
    let pools = pools.lock().ok().and_then(|mut p| p.take());
    if let Some(pools) = pools {
        pools.stop_idle(Duration::ZERO).await;
    }
    result
}

/// The template as the mode reads it (for checks that need no processes).
pub fn read_template(setup: &FunctionsSetup) -> Result<Template, Error> {
    Ok(template::load(&setup.template, &setup.parameters)?)
}
