//! `cargo xtask bench`: cold start, warm latency and peak memory of the real Lambda binaries.
//!
//! Nothing is built here: the binaries come from `--bin-dir` (a `cargo build --release` directory, a
//! `cargo lambda build` directory with `<id>/bootstrap`, or `.aws-sam/build` with
//! `<LogicalId>/bootstrap`). The bench starts a throwaway PostgreSQL (`testkit::pgembed`), migrates and
//! seeds it, and plays the Lambda service with `testkit::runtime::RuntimeApi` (the fake Runtime API the
//! `APP_SECRET_ARN` tests use too): on 127.0.0.1 it hands out API Gateway REST (v1) events on
//! `GET /2018-06-01/runtime/invocation/next` and collects what the function posts to `.../response` or
//! `.../error`. Each function binary is spawned the way Lambda starts a `provided.al2023` bootstrap
//! (`RuntimeApi::command`: a clean environment with the `AWS_LAMBDA_*` variables), and measured:
//!
//! - cold start: process spawn → the runtime's first `next` (Lambda's "Init Duration") and spawn → first
//!   response received (what the first user waits for, minus Lambda's own overhead);
//! - warm: N sequential invocations on the same process, latency event handed out → response received;
//! - peak RSS: `VmHWM` of `/proc/<pid>/status` after the cold request and after the warm ones;
//! - the floor, in the same run: `lambda_floor` (`infra/testkit/src/bin/lambda_floor.rs`, the same
//!   runtime crates and profile, nothing of `shared`) empty, and running each endpoint's own
//!   statements in one flight over plain `tokio-postgres` (read from PostgreSQL's statement log of
//!   the function's second invocation, parameters inlined with the types the server infers when it
//!   prepares them; for the login, a bcrypt verify too). Each figure is printed beside its floor.
//!
//! The output is Markdown. It measures; it asserts nothing about time.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use testkit::event::{EventInput, rest_v1_event};
use testkit::runtime::RuntimeApi;

pub const USAGE: &str = "usage: cargo xtask bench [--bin-dir DIR] [--functions a,b,...] [--warm N] [--cold N] [--memory MB]

  --bin-dir DIR     where the binaries are: DIR/<id>, DIR/<id>/bootstrap (target/lambda) or
                    DIR/<LogicalId>/bootstrap (.aws-sam/build). Default: the newer of
                    $CARGO_TARGET_DIR/lambda and $CARGO_TARGET_DIR/release that has them all
                    (build first: cargo build --release -p functions -p testkit --bins;
                    testkit's lambda_floor is the floor, looked for in DIR, then
                    $CARGO_TARGET_DIR/release)
  --functions LIST  comma-separated subset of: health_get, health_db, auth_me, companies_list, auth_login
  --warm N          warm invocations per function (default 200; auth_login at most 10: bcrypt)
  --cold N          cold starts per function, the median is reported (default 5)
  --memory MB       AWS_LAMBDA_FUNCTION_MEMORY_SIZE given to the functions (default 256)
  --runner CMD      start every binary through CMD (split at spaces), e.g. arm64 builds on an
                    x86_64 machine: --runner 'qemu-aarch64 -L /usr/aarch64-linux-gnu' (the floor
                    must then be an arm64 build too: cargo lambda build --release --arm64 -p testkit)";

/// Long enough for a real run, so a test of the whole bench with tiny N stays meaningful.
const SECRET_KEY: &str = "bench-secret-key-0123456789abcdef0123456789abcdef";
const DB_NAME: &str = "bench";
/// The login's bcrypt cost: the template's default.
const BCRYPT_COST: u32 = 12;
/// The demo admin's password (`shared::app::seed`), which the login scenario sends.
const DEMO_ADMIN_PASSWORD: &str = "admin123";
/// The floor function (`infra/testkit/src/bin/lambda_floor.rs`).
pub const FLOOR_BINARY: &str = "lambda_floor";
/// How long the bench waits for one response: the deadline the Runtime API hands the function.
const INVOKE_TIMEOUT: Duration = testkit::runtime::DEADLINE;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub bin_dir: Option<PathBuf>,
    pub functions: Vec<String>,
    pub warm: usize,
    pub cold: usize,
    pub memory_mb: u32,
    /// A program (and its arguments) every binary is started through.
    pub runner: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            bin_dir: None,
            functions: SCENARIOS.iter().map(|s| s.name.to_string()).collect(),
            warm: 200,
            cold: 5,
            memory_mb: 256,
            runner: Vec::new(),
        }
    }
}

pub fn parse_args(args: &[&str]) -> Result<Options, String> {
    let mut o = Options::default();
    let mut it = args.iter();
    while let Some(&arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .map(|v| v.to_string())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        let number = |name: &str, v: String| {
            v.parse::<usize>()
                .map_err(|_| format!("{name}: '{v}' is not a number"))
        };
        match arg {
            "--bin-dir" => o.bin_dir = Some(PathBuf::from(value(arg)?)),
            "--functions" => {
                let list = value(arg)?;
                o.functions = list
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect();
                for f in &o.functions {
                    if scenario(f).is_none() {
                        let known: Vec<&str> = SCENARIOS.iter().map(|s| s.name).collect();
                        return Err(format!(
                            "no scenario for `{f}` (known: {})",
                            known.join(", ")
                        ));
                    }
                }
                if o.functions.is_empty() {
                    return Err("--functions: empty list".into());
                }
            }
            "--warm" => o.warm = number(arg, value(arg)?)?,
            "--cold" => {
                o.cold = number(arg, value(arg)?)?;
                if o.cold == 0 {
                    return Err("--cold must be at least 1".into());
                }
            }
            "--memory" => {
                let n = number(arg, value(arg)?)?;
                o.memory_mb = u32::try_from(n)
                    .ok()
                    .filter(|m| (128..=10240).contains(m))
                    .ok_or("--memory must be 128..=10240")?;
            }
            "--runner" => {
                o.runner = value(arg)?.split_whitespace().map(String::from).collect();
                if o.runner.is_empty() {
                    return Err("--runner: empty command".into());
                }
                // The functions start in a cleared environment, without PATH to look it up in.
                if let Some(program) = o.runner.first_mut()
                    && !program.contains('/')
                    && let Some(found) = std::env::var_os("PATH").and_then(|p| {
                        std::env::split_paths(&p)
                            .map(|d| d.join(&*program))
                            .find(|c| c.is_file())
                    })
                {
                    *program = found.to_string_lossy().into_owned();
                }
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(o)
}

/// One benchmarked function and the request it gets.
#[derive(Debug)]
pub struct Scenario {
    /// How `--functions` and the tables name it: the endpoint's id, unless the same endpoint is
    /// measured twice (`companies_create+key`).
    pub name: &'static str,
    /// The endpoint (its binary and route).
    pub id: &'static str,
    /// Send an `Idempotency-Key` (a new one per invocation).
    pub idempotency_key: bool,
    /// What the first request has to do beyond the runtime's start (for the table).
    pub first: &'static str,
    pub token: bool,
    /// `(content type, body)`.
    pub body: Option<(&'static str, &'static str)>,
    pub expect_status: u16,
    /// At most this many warm invocations (bcrypt makes a login cost ~0.3 s of CPU).
    pub warm_cap: Option<usize>,
}

pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "health_get",
        id: "health_get",
        idempotency_key: false,
        first: "no database",
        token: false,
        body: None,
        expect_status: 200,
        warm_cap: None,
    },
    Scenario {
        name: "health_db",
        id: "health_db",
        idempotency_key: false,
        first: "first DB connection + `SELECT 1`",
        token: false,
        body: None,
        expect_status: 200,
        warm_cap: None,
    },
    Scenario {
        name: "auth_me",
        id: "auth_me",
        idempotency_key: false,
        first: "JWT + first DB connection + tenant transaction",
        token: true,
        body: None,
        expect_status: 200,
        warm_cap: None,
    },
    Scenario {
        name: "companies_list",
        id: "companies_list",
        idempotency_key: false,
        first: "JWT + first DB connection + tenant tx + list query (3 companies)",
        token: true,
        body: None,
        expect_status: 200,
        warm_cap: None,
    },
    Scenario {
        name: "auth_login",
        id: "auth_login",
        idempotency_key: false,
        first: "first DB connection + bcrypt verify (cost 12) + login history insert",
        token: false,
        body: Some((
            "application/x-www-form-urlencoded",
            "username=admin&password=admin123&grant_type=password",
        )),
        expect_status: 200,
        warm_cap: Some(10),
    },
    // A write, with and without an idempotency key: what the key costs (README, Idempotency keys).
    // `{n}` is a new number per invocation, so that every create is a new company.
    Scenario {
        name: "companies_create",
        id: "companies_create",
        idempotency_key: false,
        first: "JWT + first DB connection + tenant tx + insert + COMMIT",
        token: true,
        body: Some(("application/json", "{\"name\": \"Bench {n}\"}")),
        expect_status: 200,
        warm_cap: None,
    },
    Scenario {
        name: "companies_create+key",
        id: "companies_create",
        idempotency_key: true,
        first: "as companies_create, plus claiming the key and storing the answer",
        token: true,
        body: Some(("application/json", "{\"name\": \"Bench {n}\"}")),
        expect_status: 200,
        warm_cap: None,
    },
];

/// The `{n}` of a scenario's event: a new number for every invocation of the bench.
static INVOCATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn scenario_needs_database(s: &Scenario) -> bool {
    s.id != "health_get"
}

pub fn scenario(name: &str) -> Option<&'static Scenario> {
    SCENARIOS.iter().find(|s| s.name == name)
}

/// Where binary `id` is under `dir`, in any of the three layouts.
pub fn find_binary(dir: &Path, id: &str) -> Option<PathBuf> {
    testkit::runtime::find_binary(dir, id, &xtask::logical_id(id))
}

/// The default binary directory: of `<target>/lambda` and `<target>/release`, the one that has every
/// binary, and of two such the more recently built.
pub fn default_bin_dir(target: &Path, ids: &[String]) -> Result<PathBuf, String> {
    let mut best: Option<(SystemTime, PathBuf)> = None;
    for dir in [target.join("lambda"), target.join("release")] {
        let bins: Option<Vec<PathBuf>> = ids.iter().map(|id| find_binary(&dir, id)).collect();
        let Some(bins) = bins else { continue };
        let newest = bins
            .iter()
            .filter_map(|b| b.metadata().and_then(|m| m.modified()).ok())
            .max()
            .unwrap_or(UNIX_EPOCH);
        if best.as_ref().is_none_or(|(t, _)| newest > *t) {
            best = Some((newest, dir));
        }
    }
    best.map(|(_, d)| d).ok_or_else(|| {
        format!(
            "no binaries for {} in {}/lambda or {}/release: build them first \
             (cargo build --release -p functions --bins, or cargo lambda build --release -p functions --bins) \
             or pass --bin-dir",
            ids.join(", "),
            target.display(),
            target.display()
        )
    })
}

/// Nearest-rank percentile of sorted samples (`q` in 0..=1).
pub fn percentile(sorted: &[Duration], q: f64) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

pub fn median(samples: &[Duration]) -> Option<Duration> {
    let mut s = samples.to_vec();
    s.sort_unstable();
    percentile(&s, 0.5)
}

fn ms(d: Duration) -> String {
    let v = d.as_secs_f64() * 1000.0;
    if v >= 100.0 {
        format!("{v:.0} ms")
    } else if v >= 10.0 {
        format!("{v:.1} ms")
    } else {
        format!("{v:.2} ms")
    }
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

// ---------------------------------------------------------------------------------------------
// The bench
// ---------------------------------------------------------------------------------------------

struct Fixture {
    runtime_url: String,
    /// The role of `runtime_url`, whose statements are logged to read an endpoint's SQL.
    runtime_role: String,
    superuser_url: String,
    /// The server's log (statements land there).
    pg_log: PathBuf,
    token: String,
    /// The demo admin's stored bcrypt hash, for the login's floor.
    admin_hash: String,
    work: PathBuf,
}

#[derive(Debug, Default)]
struct Measured {
    id: String,
    binary_bytes: u64,
    ready: Vec<Duration>,
    first: Vec<Duration>,
    warm: Vec<Duration>,
    rss_cold_kib: Vec<u64>,
    rss_warm_kib: Option<u64>,
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

fn event(s: &Scenario, token: &str) -> Result<String, String> {
    let ep = functions::routes::ROUTES
        .iter()
        .find(|e| e.id == s.id)
        .ok_or_else(|| format!("`{}` is not in the route table", s.id))?;
    let mut headers = vec![
        ("Host".to_string(), "bench.execute-api.local".to_string()),
        ("User-Agent".to_string(), "xtask-bench".to_string()),
        ("Accept".to_string(), "application/json".to_string()),
    ];
    if s.token {
        headers.push(("Authorization".into(), format!("Bearer {token}")));
    }
    if let Some((ct, _)) = s.body {
        headers.push(("Content-Type".into(), ct.to_string()));
    }
    if s.idempotency_key {
        headers.push(("Idempotency-Key".into(), "bench-{n}".into()));
    }
    let resource = xtask::api_path(ep.path);
    Ok(rest_v1_event(&EventInput {
        method: ep.method,
        resource: &resource,
        path: ep.path,
        stage: "prod",
        path_params: &[],
        query: &[],
        headers: &headers,
        body: s.body.map(|(_, b)| b.as_bytes()),
        source_ip: "127.0.0.1",
        request_id: "bench",
    })
    .to_string())
}

pub fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(8)..].join("\n")
}

/// What to start and how to judge its answers: a function, or the floor function.
struct Target<'a> {
    label: String,
    bin: &'a Path,
    env: Vec<(&'static str, String)>,
    event: String,
    expect_status: u16,
}

impl<'a> Target<'a> {
    /// The endpoint `s` from `bin`, in the environment a deployed function has.
    fn function(bin: &'a Path, s: &'a Scenario, fx: &Fixture) -> Result<Self, String> {
        Ok(Target {
            label: s.name.to_string(),
            bin,
            env: vec![
                ("APP_ENV", "production".into()),
                ("SECRET_KEY", SECRET_KEY.into()),
                ("DATABASE_URL", fx.runtime_url.clone()),
                ("LOG_LEVEL", "info".into()),
                ("BCRYPT_COST", BCRYPT_COST.to_string()),
            ],
            event: event(s, &fx.token)?,
            expect_status: s.expect_status,
        })
    }

    /// The floor function running `sql` (and bcrypt, for a login), on the health event.
    fn floor(
        bin: &'a Path,
        label: String,
        fx: &Fixture,
        sql: Option<&str>,
        bcrypt: bool,
    ) -> Result<Self, String> {
        let health = scenario("health_get").ok_or("no health_get scenario")?;
        let mut env = vec![("DATABASE_URL", fx.runtime_url.clone())];
        if let Some(sql) = sql {
            env.push(("FLOOR_SQL", sql.to_string()));
        }
        if bcrypt {
            env.push(("FLOOR_BCRYPT_HASH", fx.admin_hash.clone()));
            env.push(("FLOOR_BCRYPT_PASSWORD", DEMO_ADMIN_PASSWORD.into()));
        }
        Ok(Target {
            label,
            bin,
            env,
            event: event(health, "")?,
            expect_status: 200,
        })
    }
}

/// One running process behind its own Runtime API.
struct Proc<'a> {
    target: &'a Target<'a>,
    api: RuntimeApi,
    child: tokio::process::Child,
    pid: u32,
    spawned: Instant,
    log: PathBuf,
    run: usize,
}

impl<'a> Proc<'a> {
    async fn start(
        target: &'a Target<'a>,
        fx: &Fixture,
        opts: &Options,
        run: usize,
    ) -> Result<Self, String> {
        let api = RuntimeApi::start_with(
            &target.label,
            testkit::runtime::Limits {
                memory_mb: opts.memory_mb,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| format!("runtime API: {e}"))?;
        let log = fx.work.join(format!("{}-{run}.log", target.label));
        let out = std::fs::File::create(&log).map_err(|e| e.to_string())?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let mut cmd = match opts.runner.split_first() {
            Some((program, args)) => {
                let mut cmd = api.command(program);
                cmd.args(args).arg(target.bin);
                cmd
            }
            None => api.command(target.bin),
        };
        cmd.envs(target.env.iter().map(|(k, v)| (k, v)))
            .current_dir(&fx.work)
            .stdout(out)
            .stderr(err);
        let spawned = Instant::now();
        let child = cmd
            .spawn()
            .map_err(|e| format!("starting {}: {e}", target.bin.display()))?;
        let pid = child.id().unwrap_or_default();
        Ok(Proc {
            target,
            api,
            child,
            pid,
            spawned,
            log,
            run,
        })
    }

    fn fail(&self, what: String) -> String {
        format!(
            "{} (run {}): {what}\n{}",
            self.target.label,
            self.run,
            tail(&self.log)
        )
    }

    /// One invocation; returns when its response arrived.
    async fn invoke(&mut self) -> Result<Instant, String> {
        let n = INVOCATION.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let event = self.target.event.replace("{n}", &n.to_string());
        let pending = self.api.enqueue(event).await;
        let outcome = tokio::select! {
            o = tokio::time::timeout(INVOKE_TIMEOUT, pending.outcome()) => match o {
                Ok(Some(o)) => o,
                Ok(None) => return Err(self.fail("the runtime API dropped the request".into())),
                Err(_) => return Err(self.fail("no response within 60 s".into())),
            },
            status = self.child.wait() => {
                let init = self.api.init_error().await.unwrap_or_default();
                return Err(self.fail(format!("the process exited before answering ({status:?}) {init}")));
            }
        };
        match (outcome.ok, outcome.status()) {
            (true, Some(st)) if st == self.target.expect_status => Ok(outcome.at),
            _ => Err(self.fail(format!(
                "expected a {} response, got {}: {}",
                self.target.expect_status,
                if outcome.ok { "response" } else { "error" },
                String::from_utf8_lossy(&outcome.body)
            ))),
        }
    }

    async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

/// What one process measured: spawn → ready, spawn → first response, the warm latencies, the RSS
/// after the first request and at the end.
struct Sample {
    ready: Duration,
    first: Duration,
    warm: Vec<Duration>,
    rss_cold: u64,
    rss_end: u64,
}

/// One process: a cold start, then `warm` sequential invocations.
async fn one_process(
    target: &Target<'_>,
    fx: &Fixture,
    opts: &Options,
    run: usize,
    warm: usize,
) -> Result<Sample, String> {
    let mut p = Proc::start(target, fx, opts, run).await?;
    let answered = p.invoke().await?;
    let ready = p
        .api
        .first_next()
        .await
        .map(|t| t.saturating_duration_since(p.spawned))
        .unwrap_or_default();
    let first = answered.saturating_duration_since(p.spawned);
    let rss_cold = vm_hwm_kib(p.pid).unwrap_or_default();
    let mut latencies = Vec::with_capacity(warm);
    for _ in 0..warm {
        let sent = Instant::now();
        let at = p.invoke().await?;
        latencies.push(at.saturating_duration_since(sent));
    }
    let rss_end = vm_hwm_kib(p.pid).unwrap_or_default();
    p.stop().await;
    Ok(Sample {
        ready,
        first,
        warm: latencies,
        rss_cold,
        rss_end,
    })
}

/// `opts.cold` processes of `target`, the warm series in the last one (once the file cache holds
/// the binary, as for the others).
async fn measure(
    target: &Target<'_>,
    fx: &Fixture,
    opts: &Options,
    warm: usize,
) -> Result<Measured, String> {
    let mut m = Measured {
        id: target.label.clone(),
        binary_bytes: target.bin.metadata().map(|m| m.len()).unwrap_or_default(),
        ..Measured::default()
    };
    for run in 0..opts.cold {
        let n = if run + 1 == opts.cold { warm } else { 0 };
        let sample = one_process(target, fx, opts, run, n).await?;
        m.ready.push(sample.ready);
        m.first.push(sample.first);
        m.rss_cold_kib.push(sample.rss_cold);
        if n > 0 {
            m.warm = sample.warm;
            m.rss_warm_kib = Some(sample.rss_end);
        }
    }
    Ok(m)
}

// ---------------------------------------------------------------------------------------------
// The endpoint's own SQL, from PostgreSQL's statement log
// ---------------------------------------------------------------------------------------------

/// One statement the server logged: its text (`$n` placeholders for the extended protocol) and
/// the parameters' literals (`'5'`, `NULL`) as the server printed them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    pub sql: String,
    pub params: Vec<String>,
}

/// Whether a log line starts an entry: `2026-12-01 22:00:00.123 UTC [1234] LOG:  …` (the default
/// `log_line_prefix`, `%m [%p] `); other lines continue the entry before (a statement's newlines).
fn entry_kind(line: &str) -> Option<(&str, &str)> {
    let rest = line.split_once("] ")?.1;
    let (kind, text) = rest.split_once(":  ")?;
    let prefix = line.split_once(" [")?.0;
    prefix
        .starts_with(|c: char| c.is_ascii_digit())
        .then_some((kind, text))
}

/// The statements in a stretch of the server log, with their parameters.
pub fn logged_statements(log: &str) -> Vec<Logged> {
    let mut entries: Vec<(String, String)> = Vec::new();
    for line in log.lines() {
        match entry_kind(line) {
            Some((kind, text)) => entries.push((kind.to_string(), text.to_string())),
            None => {
                if let Some((_, text)) = entries.last_mut() {
                    text.push('\n');
                    text.push_str(line);
                }
            }
        }
    }
    let mut out: Vec<Logged> = Vec::new();
    for (kind, text) in entries {
        match kind.as_str() {
            "LOG" => {
                let sql = if let Some(sql) = text.strip_prefix("statement: ") {
                    sql
                } else if let Some(rest) = text.strip_prefix("execute ") {
                    match rest.split_once(": ") {
                        Some((_, sql)) => sql,
                        None => continue,
                    }
                } else {
                    continue;
                };
                out.push(Logged {
                    sql: sql.to_string(),
                    params: Vec::new(),
                });
            }
            "DETAIL" => {
                // "parameters: …" since PostgreSQL 13, "Parameters: …" before.
                let params = text
                    .strip_prefix("parameters: ")
                    .or_else(|| text.strip_prefix("Parameters: "));
                if let (Some(params), Some(last)) = (params, out.last_mut()) {
                    last.params = parameter_literals(params);
                }
            }
            _ => {}
        }
    }
    out
}

/// `$1 = '5', $2 = NULL, $3 = 'it''s'` → `['5', NULL, 'it''s']`.
fn parameter_literals(list: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = list.trim();
    while let Some(eq) = rest.find(" = ") {
        rest = &rest[eq + 3..];
        let (value, after) = if let Some(body) = rest.strip_prefix('\'') {
            // A quoted literal ends at a quote that is not doubled.
            let bytes = body.as_bytes();
            let mut i = 0;
            loop {
                match bytes.get(i) {
                    Some(b'\'') if bytes.get(i + 1) == Some(&b'\'') => i += 2,
                    Some(b'\'') | None => break,
                    Some(_) => i += 1,
                }
            }
            let end = (i + 2).min(rest.len());
            (&rest[..end], &rest[end..])
        } else {
            let end = rest.find(", $").unwrap_or(rest.len());
            (&rest[..end], &rest[end..])
        };
        out.push(value.to_string());
        rest = after.trim_start_matches(", ");
    }
    out
}

/// `sql` with each `$n` replaced by `with(n)`.
fn substitute(sql: &str, with: impl Fn(usize) -> Result<String, String>) -> Result<String, String> {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        let digits: String = sql[i + 1..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if digits.is_empty() {
            out.push(c);
            continue;
        }
        for _ in 0..digits.len() {
            chars.next();
        }
        let n: usize = digits.parse().map_err(|_| format!("${digits}"))?;
        out.push_str(&with(n)?);
    }
    Ok(out)
}

/// `sql` with `$n` replaced by the literal `n`, cast to the parameter's type.
fn inline(sql: &str, literals: &[String], types: &[String]) -> Result<String, String> {
    substitute(sql, |n| {
        let (lit, ty) = literals
            .get(n.wrapping_sub(1))
            .zip(types.get(n.wrapping_sub(1)))
            .ok_or_else(|| format!("${n} has no logged value in: {sql}"))?;
        Ok(format!("{lit}::{ty}"))
    })
}

/// The type of each parameter of each statement, as the server infers it when it prepares the
/// statement (as `client`'s role).
pub async fn parameter_types(
    client: &tokio_postgres::Client,
    statements: &[Logged],
) -> Result<Vec<Vec<String>>, String> {
    let mut out = Vec::new();
    for st in statements {
        if st.params.is_empty() {
            out.push(Vec::new());
            continue;
        }
        let prepared = client
            .prepare(&st.sql)
            .await
            .map_err(|e| format!("preparing {}: {e}", st.sql))?;
        out.push(
            prepared
                .params()
                .iter()
                .map(|t| t.name().to_string())
                .collect(),
        );
    }
    Ok(out)
}

/// A logged statement as a replay runs it: its COMMIT becomes a ROLLBACK. A replayed write would
/// otherwise be refused the second time (a refresh token's hash, a ledger entry's id drawn up
/// front are unique), and the rows it would leave would change what the next replay reads. The
/// floor is then slightly lower than the real work (no commit record), never higher.
fn replayable(sql: &str) -> String {
    let sql = sql.trim().trim_end_matches(';').trim();
    if sql.eq_ignore_ascii_case("commit") {
        "ROLLBACK".to_string()
    } else {
        sql.to_string()
    }
}

/// The statements as one script with their parameters inlined (the floor function runs it).
pub fn inlined_script(statements: &[Logged], types: &[Vec<String>]) -> Result<String, String> {
    let mut script = Vec::new();
    for (st, types) in statements.iter().zip(types) {
        let sql = if st.params.is_empty() {
            st.sql.clone()
        } else {
            inline(&st.sql, &st.params, types)?
        };
        script.push(replayable(&sql));
    }
    Ok(script.join(";\n"))
}

/// pgbench's variables for a script: as literals for `-M simple` (substituted into the text) and as
/// bare values for `-M prepared` (sent as parameters).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PgbenchVariables {
    pub simple: Vec<(String, String)>,
    pub prepared: Vec<(String, String)>,
}

/// A pgbench script of the statements, each parameter a variable (`:s0p1::int8`; a NULL inline,
/// since a variable cannot hold one). pgbench reads `:name` as a variable wherever it appears, so
/// values (timestamps have colons) must not be in the script's text.
pub fn pgbench_script(
    statements: &[Logged],
    types: &[Vec<String>],
) -> Result<(String, PgbenchVariables), String> {
    let mut vars = PgbenchVariables::default();
    let mut script = String::new();
    for (i, (st, types)) in statements.iter().zip(types).enumerate() {
        let mut simple = Vec::new();
        let mut prepared = Vec::new();
        let sql = substitute(&st.sql, |n| {
            let (lit, ty) = st
                .params
                .get(n.wrapping_sub(1))
                .zip(types.get(n.wrapping_sub(1)))
                .ok_or_else(|| format!("${n} has no logged value in: {}", st.sql))?;
            if lit == "NULL" {
                return Ok(format!("NULL::{ty}"));
            }
            Ok(format!(":s{i}p{n}::{ty}"))
        })?;
        for (k, lit) in st.params.iter().enumerate() {
            if lit == "NULL" {
                continue;
            }
            let name = format!("s{i}p{}", k + 1);
            let bare = lit
                .strip_prefix('\'')
                .and_then(|l| l.strip_suffix('\''))
                .unwrap_or(lit)
                .replace("''", "'");
            simple.push((name.clone(), lit.clone()));
            prepared.push((name, bare));
        }
        vars.simple.extend(simple);
        vars.prepared.extend(prepared);
        // pgbench ends a command at a semicolon at the end of a line.
        script.push_str(&replayable(&sql));
        script.push_str(";\n");
    }
    Ok((script, vars))
}

/// The SQL one warm invocation of `s` runs, as one script with its parameters inlined: the role's
/// statements are logged while a fresh process answers twice, and the second answer's are taken
/// (the first one's include the connection's set-up). Each statement's parameter types come from
/// preparing it as the same role.
async fn endpoint_sql(
    target: &Target<'_>,
    fx: &Fixture,
    opts: &Options,
) -> Result<(String, usize), String> {
    let set = |on: bool| {
        let role = &fx.runtime_role;
        if on {
            format!("alter role \"{role}\" set log_statement = 'all'")
        } else {
            format!("alter role \"{role}\" reset log_statement")
        }
    };
    let admin = shared::db::connect(&fx.superuser_url)
        .await
        .map_err(|e| e.to_string())?;
    admin
        .batch_execute(&set(true))
        .await
        .map_err(|e| e.to_string())?;
    let captured = async {
        let mut p = Proc::start(target, fx, opts, 0).await?;
        p.invoke().await?;
        let from = std::fs::metadata(&fx.pg_log).map(|m| m.len()).unwrap_or(0);
        p.invoke().await?;
        let log = std::fs::read(&fx.pg_log).map_err(|e| format!("{}: {e}", fx.pg_log.display()))?;
        p.stop().await;
        let from = usize::try_from(from).unwrap_or(usize::MAX).min(log.len());
        Ok::<_, String>(logged_statements(&String::from_utf8_lossy(&log[from..])))
    }
    .await;
    admin
        .batch_execute(&set(false))
        .await
        .map_err(|e| e.to_string())?;
    let statements = captured?;
    // What the captured requests committed under a unique key, which the replays (they roll back)
    // would be refused inserting again: a login's refresh token hash, a created company's name
    // (and its idempotency key, whose replay would otherwise find it answered).
    admin
        .batch_execute(
            "delete from refresh_tokens;
             delete from idempotency_keys;
             delete from companies where name like 'Bench %'",
        )
        .await
        .map_err(|e| e.to_string())?;
    if statements.is_empty() {
        return Err(format!("{}: no statement was logged", target.label));
    }
    let runtime = shared::db::connect(&fx.runtime_url)
        .await
        .map_err(|e| e.to_string())?;
    let types = parameter_types(&runtime, &statements).await?;
    Ok((inlined_script(&statements, &types)?, statements.len()))
}

async fn fixture(work: &Path, server: &testkit::pgembed::PgServer) -> Result<Fixture, String> {
    let (owner_url, runtime_url) = testkit::pgembed::bootstrap(server, DB_NAME)
        .await
        .map_err(|e| e.to_string())?;
    let mut owner = shared::db::connect(&owner_url)
        .await
        .map_err(|e| e.to_string())?;
    shared::migrate::up(&mut owner)
        .await
        .map_err(|e| format!("migrating: {e}"))?;
    let config = shared::config::Config::from_lookup(|k| match k {
        "APP_ENV" => Some("production".into()),
        "SECRET_KEY" => Some(SECRET_KEY.into()),
        "DATABASE_URL" => Some(runtime_url.clone()),
        "BCRYPT_COST" => Some(BCRYPT_COST.to_string()),
        _ => None,
    })
    .map_err(|e| e.to_string())?;
    let ctx = shared::Ctx::new(
        config.clone(),
        shared::db::Db::single(&runtime_url, &config.database_timeouts),
    );
    shared::app::seed::seed_demo(&ctx)
        .await
        .map_err(|e| format!("seeding: {e}"))?;
    // The superuser reads past row-level security.
    let admin = shared::db::connect(&server.url("postgres", DB_NAME))
        .await
        .map_err(|e| e.to_string())?;
    let row = admin
        .query_one(
            "select u.id, u.tenant_id, r.name, u.hashed_password from users u join roles r on r.id = u.role_id where u.username = 'admin'",
            &[],
        )
        .await
        .map_err(|e| format!("reading the demo admin: {e}"))?;
    let (user_id, tenant_id, role): (i64, i64, String) = (row.get(0), row.get(1), row.get(2));
    let admin_hash: String = row.get(3);
    let runtime = shared::db::connect(&runtime_url)
        .await
        .map_err(|e| e.to_string())?;
    let runtime_role: String = runtime
        .query_one("select current_user::text", &[])
        .await
        .map_err(|e| e.to_string())?
        .get(0);
    let (token, _) = shared::auth::jwt::JwtKeys::from_config(&config)
        .issue("admin", user_id, tenant_id, &role)
        .map_err(|e| e.to_string())?;
    Ok(Fixture {
        runtime_url,
        runtime_role,
        superuser_url: server.url("postgres", DB_NAME),
        pg_log: work.join("postgres.log"),
        token,
        admin_hash,
        work: work.to_path_buf(),
    })
}

type WithFloor = (Measured, Option<(Measured, usize)>);

fn report(measured: &[WithFloor], empty: &Measured, opts: &Options, bin_dir: &Path) -> String {
    let ms_: Vec<&Measured> = measured.iter().map(|(m, _)| m).collect();
    let ms_ = ms_.as_slice();
    let mut out = String::new();
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let _ = writeln!(
        out,
        "Binaries: `{}`; {cores} cores ({cpu}); AWS_LAMBDA_FUNCTION_MEMORY_SIZE={} (not enforced \
         locally); PostgreSQL on loopback. Cold = median of {} process starts (min–max); warm = {} \
         sequential invocations on one process (auth_login: at most 10).\n",
        bin_dir.display(),
        opts.memory_mb,
        opts.cold,
        opts.warm
    );
    out.push_str(
        "| function | first request does | binary | cold: spawn → ready | cold: spawn → first response | warm p50 | warm p95 | warm p99 | peak RSS cold / warm |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for m in ms_ {
        let first = scenario(&m.id).map_or("", |s| s.first);
        let range = |v: &[Duration]| {
            let (lo, hi) = (v.iter().min(), v.iter().max());
            match (median(v), lo, hi) {
                (Some(md), Some(lo), Some(hi)) if v.len() > 1 => {
                    format!("{} ({}–{})", ms(md), ms(*lo), ms(*hi))
                }
                (Some(md), _, _) => ms(md),
                _ => "–".into(),
            }
        };
        let mut warm = m.warm.clone();
        warm.sort_unstable();
        let p = |q| percentile(&warm, q).map_or("–".to_string(), ms);
        let rss_cold = m.rss_cold_kib.iter().max().copied().unwrap_or_default();
        let _ = writeln!(
            out,
            "| `{}` | {} | {:.1} MB | {} | {} | {} | {} | {} | {} / {} |",
            m.id,
            first,
            m.binary_bytes as f64 / 1_000_000.0,
            range(&m.ready),
            range(&m.first),
            p(0.50),
            p(0.95),
            p(0.99),
            mib(rss_cold),
            m.rss_warm_kib.map_or("–".into(), mib),
        );
    }
    out.push_str(&floor_table(measured, empty));
    out.push_str(&breakdown(measured, empty));
    out.push_str(
        "\nReference figures (the project's stack notes): published hello-world cold starts on Lambda \
         (lambda-perf, 2026-08) are Lambda's Init Duration, which \"spawn → ready\" approximates without \
         Lambda's own sandbox set-up.\n\n\
         | what | cold start | memory |\n|---|---:|---:|\n",
    );
    for m in ms_
        .iter()
        .filter(|m| m.id == "health_get" || m.id == "auth_me")
    {
        let rss = m.rss_cold_kib.iter().max().copied().unwrap_or_default();
        let _ = writeln!(
            out,
            "| this project, `{}` (here; ready / first response) | {} / {} | {} |",
            m.id,
            median(&m.ready).map_or("–".into(), ms),
            median(&m.first).map_or("–".into(), ms),
            mib(rss)
        );
    }
    out.push_str(
        "| Rust hello world, provided.al2023 (Lambda) | 14–18 ms | ≈ 15 MB |\n\
         | Python 3.12 hello world (Lambda) | 73–85 ms | ≈ 37 MB |\n\
         | the Python service we replace (its real imports, here) | ≈ 3.7 s | 122 MiB |\n",
    );
    out
}

/// Each function beside its floor, measured in the same run: cold, the empty function plus a
/// fresh connection running the endpoint's SQL (and bcrypt, for the login); warm, that SQL on an
/// open connection.
fn floor_table(measured: &[WithFloor], empty: &Measured) -> String {
    let p50 = |m: &Measured| {
        let mut w = m.warm.clone();
        w.sort_unstable();
        percentile(&w, 0.5)
    };
    let ratio = |a: Option<Duration>, b: Option<Duration>| match (a, b) {
        (Some(a), Some(b)) if !b.is_zero() => format!("{:.2}×", a.as_secs_f64() / b.as_secs_f64()),
        _ => "–".into(),
    };
    let show = |d: Option<Duration>| d.map_or("–".to_string(), ms);
    let mut out = String::from(
        "\nAgainst the floor, measured in the same run: the floor of a cold start is an empty Lambda \
         function (`lambda_floor`, the same runtime crates and profile) that opens a fresh connection \
         and runs the endpoint's own statements (read from PostgreSQL's statement log of a warm \
         invocation, parameters inlined) in one flight with plain `tokio-postgres` (and, for the \
         login, verifies the bcrypt hash); the floor of a warm request is those statements on the \
         open connection.\n\n\
         | function | statements | cold: first response | floor | ratio | warm p50 | floor | ratio |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let _ = writeln!(
        out,
        "| (empty function) | 0 | {} | – | – | {} | – | – |",
        show(median(&empty.first)),
        show(p50(empty)),
    );
    for (m, floor) in measured {
        let (f, statements) = match floor {
            Some((f, n)) => (f, n.to_string()),
            None => (empty, "0".to_string()),
        };
        let _ = writeln!(
            out,
            "| `{}` | {statements} | {} | {} | {} | {} | {} | {} |",
            m.id,
            show(median(&m.first)),
            show(median(&f.first)),
            ratio(median(&m.first), median(&f.first)),
            show(p50(m)),
            show(p50(f)),
            ratio(p50(m), p50(f)),
        );
    }
    out
}

/// Where a cold start's time goes, from the medians of this run: each step is the difference of
/// two measured figures (the floor function isolates what is not ours).
fn breakdown(measured: &[WithFloor], empty: &Measured) -> String {
    let mut out = String::new();
    let Some((m, Some((floor, _)))) = measured
        .iter()
        .find(|(m, f)| f.is_some() && m.id != "health_db" && m.id != "auth_login")
        .or_else(|| measured.iter().find(|(_, f)| f.is_some()))
    else {
        return out;
    };
    let med = |v: &[Duration]| median(v).unwrap_or_default();
    let p50 = |m: &Measured| {
        let mut w = m.warm.clone();
        w.sort_unstable();
        percentile(&w, 0.5).unwrap_or_default()
    };
    let signed = |a: Duration, b: Duration| {
        let d = a.as_secs_f64() - b.as_secs_f64();
        format!("{:+.2} ms", d * 1000.0)
    };
    let _ = writeln!(
        out,
        "\nThe cold start of `{}`, step by step (medians of this run; each step the difference of two \
         measured figures):\n\n| step | measured as | time |\n|---|---|---:|",
        m.id
    );
    let rows = [
        (
            "process start, tokio and the Lambda runtime, to the first `next`",
            "empty function: spawn → ready".to_string(),
            ms(med(&empty.ready)),
        ),
        (
            "our initialisation: configuration, logging (and the secret, when set)",
            format!("`{}` ready − empty function ready", m.id),
            signed(med(&m.ready), med(&empty.ready)),
        ),
        (
            "the first event over the Runtime API, and the empty answer",
            "empty function: first response − ready".to_string(),
            signed(med(&empty.first), med(&empty.ready)),
        ),
        (
            "a fresh connection: TCP, start-up, authentication, and a fresh backend's first statements",
            "floor: first response − empty first response − floor warm".to_string(),
            signed(med(&floor.first), med(&empty.first) + p50(floor)),
        ),
        (
            "the endpoint's statements in one flight",
            "floor warm p50".to_string(),
            ms(p50(floor)),
        ),
        (
            "ours on the first request: TLS set-up, JWT, dispatch, round trips beyond one, first-use costs",
            format!(
                "`{}` first response − floor first response − our initialisation",
                m.id
            ),
            signed(
                med(&m.first) + med(&empty.ready),
                med(&floor.first) + med(&m.ready),
            ),
        ),
    ];
    for (step, how, t) in rows {
        let _ = writeln!(out, "| {step} | {how} | {t} |");
    }
    let _ = writeln!(
        out,
        "| **total** | `{}`: spawn → first response | **{}** |",
        m.id,
        ms(med(&m.first))
    );
    out
}

/// `$CARGO_TARGET_DIR` (relative to the workspace root), else `<root>/target`.
pub fn target_dir() -> PathBuf {
    let root = xtask::workspace_root();
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| if t.is_absolute() { t } else { root.join(t) })
        .unwrap_or_else(|| root.join("target"))
}

/// Run `work` on a current-thread runtime against a throwaway PostgreSQL in a fresh directory
/// `xtask-<label>-<pid>` under the temporary directory. However this process ends, the server and
/// the directory do not outlive it.
pub fn with_throwaway_postgres<T>(
    label: &str,
    work: impl AsyncFnOnce(&testkit::pgembed::PgServer, &Path) -> Result<T, String>,
) -> Result<T, String> {
    eprintln!("{label}: starting PostgreSQL");
    let (server, dir) =
        testkit::pgembed::PgServer::throwaway(&format!("xtask-{label}"), &Default::default())
            .map_err(|e| e.to_string())?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let result = rt.block_on(work(&server, &dir));
    drop(rt);
    server.stop();
    // The safety net removes the directory when this process exits, so a failure's error carries
    // the tail of the log it needs (`Proc::fail`).
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// `cargo xtask bench`.
pub fn run(opts: &Options) -> Result<String, String> {
    let target = target_dir();
    let bin_dir = match &opts.bin_dir {
        // Absolute: the functions run in the work directory, where a relative path would not resolve.
        Some(d) => d
            .canonicalize()
            .map_err(|e| format!("--bin-dir {}: {e}", d.display()))?,
        None => {
            let ids: Vec<String> = opts
                .functions
                .iter()
                .map(|f| scenario(f).map_or(f.clone(), |s| s.id.to_string()))
                .collect();
            default_bin_dir(&target, &ids)?
        }
    };
    let floor_bin = find_binary(&bin_dir, FLOOR_BINARY)
        .or_else(|| find_binary(&target.join("release"), FLOOR_BINARY))
        .ok_or_else(|| {
            format!(
                "no {FLOOR_BINARY} in {} or {}/release: build it with \
                 cargo build --release -p testkit --bin {FLOOR_BINARY}",
                bin_dir.display(),
                target.display()
            )
        })?;
    let mut bins = Vec::new();
    for id in &opts.functions {
        let s = scenario(id).ok_or_else(|| format!("no scenario for `{id}`"))?;
        let bin = find_binary(&bin_dir, s.id)
            .ok_or_else(|| format!("no binary for `{}` in {}", s.id, bin_dir.display()))?;
        bins.push((s, bin));
    }
    eprintln!("bench: binaries from {}", bin_dir.display());
    with_throwaway_postgres("bench", async |server, work| {
        let fx = fixture(work, server).await?;
        eprintln!(
            "bench: the floor: an empty function ({})",
            floor_bin.display()
        );
        let empty = Target::floor(&floor_bin, "floor-empty".into(), &fx, None, false)?;
        let empty = measure(&empty, &fx, opts, opts.warm).await?;
        let mut measured = Vec::new();
        for (s, bin) in &bins {
            eprintln!("bench: {} ({})", s.name, bin.display());
            let function = Target::function(bin, s, &fx)?;
            let warm = s.warm_cap.map_or(opts.warm, |c| c.min(opts.warm));
            let m = measure(&function, &fx, opts, warm).await?;
            // health_get touches no database: its floor is the empty function.
            let floor = if scenario_needs_database(s) {
                let (sql, statements) = endpoint_sql(&function, &fx, opts).await?;
                let _ = std::fs::write(fx.work.join(format!("floor-{}.sql", s.name)), &sql);
                eprintln!(
                    "bench: floor of {}: {statements} statements in one flight",
                    s.name
                );
                let target = Target::floor(
                    &floor_bin,
                    format!("floor-{}", s.name),
                    &fx,
                    Some(&sql),
                    s.id == "auth_login",
                )?;
                Some((measure(&target, &fx, opts, warm).await?, statements))
            } else {
                None
            };
            measured.push((m, floor));
        }
        Ok::<_, String>(report(&measured, &empty, opts, &bin_dir))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn arguments() {
        assert_eq!(parse_args(&[]).unwrap(), Options::default());
        let o = parse_args(&[
            "--bin-dir",
            "/x",
            "--functions",
            "health_get, auth_me",
            "--warm",
            "3",
            "--cold",
            "2",
            "--memory",
            "512",
        ])
        .unwrap();
        assert_eq!(o.bin_dir, Some(PathBuf::from("/x")));
        assert_eq!(o.functions, vec!["health_get", "auth_me"]);
        assert_eq!((o.warm, o.cold, o.memory_mb), (3, 2, 512));
        assert!(o.runner.is_empty());
        let o = parse_args(&["--runner", "qemu-aarch64 -L /usr/aarch64-linux-gnu"]).unwrap();
        assert!(o.runner[0].ends_with("qemu-aarch64"), "{:?}", o.runner);
        assert_eq!(o.runner[1..], ["-L", "/usr/aarch64-linux-gnu"]);
        assert!(parse_args(&["--runner", " "]).is_err());
        assert!(
            parse_args(&["--functions", "nope"])
                .unwrap_err()
                .contains("known")
        );
        assert!(parse_args(&["--cold", "0"]).is_err());
        assert!(parse_args(&["--memory", "64"]).is_err());
        assert!(parse_args(&["--warm"]).is_err());
        assert!(parse_args(&["--what"]).is_err());
    }

    #[test]
    fn every_scenario_is_a_route_and_builds_an_event() {
        for s in SCENARIOS {
            let ev: Value = serde_json::from_str(&event(s, "tok").unwrap()).unwrap();
            let ep = functions::routes::ROUTES
                .iter()
                .find(|e| e.id == s.id)
                .unwrap();
            assert_eq!(ev["httpMethod"], ep.method);
            assert_eq!(ev["path"], ep.path);
            assert_eq!(
                ev["headers"]["Authorization"].as_str() == Some("Bearer tok"),
                s.token
            );
            assert_eq!(ev["body"].is_string(), s.body.is_some());
        }
    }

    #[test]
    fn statements_and_parameters_are_read_from_the_server_log() {
        let log = "\
2026-12-01 22:40:01.100 UTC [77] LOG:  statement: START TRANSACTION
2026-12-01 22:40:01.101 UTC [77] LOG:  execute s0: select a
\t  from t where id = $1 and name = $2 and x = $10
2026-12-01 22:40:01.101 UTC [77] DETAIL:  parameters: $1 = '5', $2 = 'it''s, $3 = ''x''', $3 = NULL, $4 = '', $5 = '6', $6 = '7', $7 = '8', $8 = '9', $9 = '10', $10 = '11'
2026-12-01 22:40:01.102 UTC [77] LOG:  duration: 0.1 ms
2026-12-01 22:40:01.103 UTC [77] LOG:  execute <unnamed>: select now()
2026-12-01 22:40:01.104 UTC [77] LOG:  statement: COMMIT
";
        let st = logged_statements(log);
        let sql: Vec<&str> = st.iter().map(|s| s.sql.as_str()).collect();
        assert_eq!(
            sql,
            [
                "START TRANSACTION",
                "select a\n\t  from t where id = $1 and name = $2 and x = $10",
                "select now()",
                "COMMIT"
            ]
        );
        assert_eq!(
            st[1].params[..4],
            ["'5'", "'it''s, $3 = ''x'''", "NULL", "''"].map(String::from)
        );
        assert_eq!(st[1].params.len(), 10);
        assert!(st[0].params.is_empty() && st[2].params.is_empty());
        let types: Vec<String> = [
            "int8", "text", "text", "text", "int4", "int4", "int4", "int4", "int4", "int8",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            inline(&st[1].sql, &st[1].params, &types).unwrap(),
            "select a\n\t  from t where id = '5'::int8 and name = 'it''s, $3 = ''x'''::text and x = '11'::int8"
        );
        // A placeholder without a logged value is an error, not a silent gap.
        assert!(inline("select $2", &st[1].params[..1], &types).is_err());
        assert_eq!(
            inline("select '$' || 1", &[], &[]).unwrap(),
            "select '$' || 1"
        );
    }

    #[test]
    fn pgbench_scripts_take_parameters_as_variables() {
        let st = vec![
            Logged {
                sql: "BEGIN".into(),
                params: vec![],
            },
            Logged {
                sql: "select $1, $2, $3".into(),
                params: vec![
                    "'it''s'".into(),
                    "NULL".into(),
                    "'2026-12-01 10:00:00+00'".into(),
                ],
            },
            // A replay rolls back, so that it can be repeated.
            Logged {
                sql: "COMMIT".into(),
                params: vec![],
            },
        ];
        let types = vec![
            vec![],
            vec!["text".into(), "int8".into(), "timestamptz".into()],
            vec![],
        ];
        let (script, vars) = pgbench_script(&st, &types).unwrap();
        // No value in the text: pgbench would read the timestamp's ":00" as a variable.
        assert_eq!(
            script,
            "BEGIN;\nselect :s1p1::text, NULL::int8, :s1p3::timestamptz;\nROLLBACK;\n"
        );
        assert_eq!(
            vars.simple,
            [
                ("s1p1".to_string(), "'it''s'".to_string()),
                ("s1p3".into(), "'2026-12-01 10:00:00+00'".into())
            ]
        );
        assert_eq!(
            vars.prepared,
            [
                ("s1p1".to_string(), "it's".to_string()),
                ("s1p3".into(), "2026-12-01 10:00:00+00".into())
            ]
        );
        assert_eq!(
            inlined_script(&st, &types).unwrap(),
            "BEGIN;\nselect 'it''s'::text, NULL::int8, '2026-12-01 10:00:00+00'::timestamptz;\nROLLBACK"
        );
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&v, 0.5), Some(Duration::from_millis(50)));
        assert_eq!(percentile(&v, 0.95), Some(Duration::from_millis(95)));
        assert_eq!(percentile(&v, 0.99), Some(Duration::from_millis(99)));
        assert_eq!(percentile(&v, 0.0), Some(Duration::from_millis(1)));
        assert_eq!(percentile(&[], 0.5), None);
        let odd = [3, 1, 2].map(Duration::from_millis);
        assert_eq!(median(&odd), Some(Duration::from_millis(2)));
    }

    #[test]
    fn binaries_are_found_in_all_three_layouts() {
        let dir = std::env::temp_dir().join(format!("xtask-bench-layout-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let release = dir.join("release");
        let lambda = dir.join("lambda");
        let sam = dir.join("sam");
        for d in [
            &release,
            &lambda.join("auth_me"),
            &sam.join("AuthMeFunction"),
        ] {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(release.join("auth_me"), b"x").unwrap();
        assert_eq!(
            find_binary(&release, "auth_me"),
            Some(release.join("auth_me"))
        );
        assert_eq!(find_binary(&lambda, "auth_me"), None);
        std::fs::write(lambda.join("auth_me/bootstrap"), b"x").unwrap();
        std::fs::write(sam.join("AuthMeFunction/bootstrap"), b"x").unwrap();
        assert_eq!(
            find_binary(&lambda, "auth_me"),
            Some(lambda.join("auth_me/bootstrap"))
        );
        assert_eq!(
            find_binary(&sam, "auth_me"),
            Some(sam.join("AuthMeFunction/bootstrap"))
        );
        let ids = vec!["auth_me".to_string()];
        assert!(default_bin_dir(&dir, &ids).is_ok());
        let err = default_bin_dir(&dir, &["health_get".to_string()]).unwrap_err();
        assert!(err.contains("build them first"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
