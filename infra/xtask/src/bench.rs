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
//! - peak RSS: `VmHWM` of `/proc/<pid>/status` after the cold request and after the warm ones.
//!
//! The output is Markdown. It measures; it asserts nothing about time.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use testkit::event::{EventInput, rest_v1_event};
use testkit::runtime::{Outcome, RuntimeApi};

pub const USAGE: &str = "usage: cargo xtask bench [--bin-dir DIR] [--functions a,b,...] [--warm N] [--cold N] [--memory MB]

  --bin-dir DIR     where the binaries are: DIR/<id>, DIR/<id>/bootstrap (target/lambda) or
                    DIR/<LogicalId>/bootstrap (.aws-sam/build). Default: the newer of
                    $CARGO_TARGET_DIR/lambda and $CARGO_TARGET_DIR/release that has them all
                    (build first: cargo build --release -p functions --bins)
  --functions LIST  comma-separated subset of: health_get, health_db, auth_me, companies_list, auth_login
  --warm N          warm invocations per function (default 200; auth_login at most 10: bcrypt)
  --cold N          cold starts per function, the median is reported (default 5)
  --memory MB       AWS_LAMBDA_FUNCTION_MEMORY_SIZE given to the functions (default 256)";

/// Long enough for a real run, so a test of the whole bench with tiny N stays meaningful.
const SECRET_KEY: &str = "bench-secret-key-0123456789abcdef0123456789abcdef";
const DB_NAME: &str = "bench";
/// How long the bench waits for one response: the deadline the Runtime API hands the function.
const INVOKE_TIMEOUT: Duration = testkit::runtime::DEADLINE;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub bin_dir: Option<PathBuf>,
    pub functions: Vec<String>,
    pub warm: usize,
    pub cold: usize,
    pub memory_mb: u32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            bin_dir: None,
            functions: SCENARIOS.iter().map(|s| s.id.to_string()).collect(),
            warm: 200,
            cold: 5,
            memory_mb: 256,
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
                        let known: Vec<&str> = SCENARIOS.iter().map(|s| s.id).collect();
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
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(o)
}

/// One benchmarked function and the request it gets.
#[derive(Debug)]
pub struct Scenario {
    pub id: &'static str,
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
        id: "health_get",
        first: "no database",
        token: false,
        body: None,
        expect_status: 200,
        warm_cap: None,
    },
    Scenario {
        id: "health_db",
        first: "first DB connection + `SELECT 1`",
        token: false,
        body: None,
        expect_status: 200,
        warm_cap: None,
    },
    Scenario {
        id: "auth_me",
        first: "JWT + first DB connection + tenant transaction",
        token: true,
        body: None,
        expect_status: 200,
        warm_cap: None,
    },
    Scenario {
        id: "companies_list",
        first: "JWT + first DB connection + tenant tx + list query (3 companies)",
        token: true,
        body: None,
        expect_status: 200,
        warm_cap: None,
    },
    Scenario {
        id: "auth_login",
        first: "first DB connection + bcrypt verify (cost 12) + login history insert",
        token: false,
        body: Some((
            "application/x-www-form-urlencoded",
            "username=admin&password=admin123&grant_type=password",
        )),
        expect_status: 200,
        warm_cap: Some(10),
    },
];

pub fn scenario(id: &str) -> Option<&'static Scenario> {
    SCENARIOS.iter().find(|s| s.id == id)
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
    token: String,
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

fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(8)..].join("\n")
}

/// One process: a cold start, then `warm` invocations; returns (ready, first, warm latencies, RSS
/// after the first request, RSS at the end).
async fn one_process(
    bin: &Path,
    s: &Scenario,
    fx: &Fixture,
    opts: &Options,
    run: usize,
    warm: usize,
) -> Result<(Duration, Duration, Vec<Duration>, u64, u64), String> {
    let mut api = RuntimeApi::start(s.id)
        .await
        .map_err(|e| format!("runtime API: {e}"))?;
    let ev = event(s, &fx.token)?;
    let log = fx.work.join(format!("{}-{run}.log", s.id));
    let out = std::fs::File::create(&log).map_err(|e| e.to_string())?;
    let err = out.try_clone().map_err(|e| e.to_string())?;
    let first = api.enqueue(ev.clone()).await;
    let spawned = Instant::now();
    let mut child = api
        .command(bin)
        .env(
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            opts.memory_mb.to_string(),
        )
        .env("APP_ENV", "production")
        .env("SECRET_KEY", SECRET_KEY)
        .env("DATABASE_URL", &fx.runtime_url)
        .env("LOG_LEVEL", "info")
        .env("BCRYPT_COST", "12")
        .current_dir(&fx.work)
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("starting {}: {e}", bin.display()))?;
    let pid = child.id().unwrap_or_default();
    let fail = |what: String| format!("{} (run {run}): {what}\n{}", s.id, tail(&log));

    let outcome = tokio::select! {
        o = tokio::time::timeout(INVOKE_TIMEOUT, first.outcome()) => match o {
            Ok(Some(o)) => o,
            Ok(None) => return Err(fail("the runtime API dropped the request".into())),
            Err(_) => return Err(fail("no response within 60 s".into())),
        },
        status = child.wait() => {
            let init = api.init_error().await.unwrap_or_default();
            return Err(fail(format!("the process exited before answering ({status:?}) {init}")));
        }
    };
    let check = |o: &Outcome| -> Result<(), String> {
        match (o.ok, o.status()) {
            (true, Some(st)) if st == s.expect_status => Ok(()),
            _ => Err(fail(format!(
                "expected a {} response, got {}: {}",
                s.expect_status,
                if o.ok { "response" } else { "error" },
                String::from_utf8_lossy(&o.body)
            ))),
        }
    };
    check(&outcome)?;
    let ready = api
        .first_next()
        .await
        .map(|t| t.saturating_duration_since(spawned))
        .unwrap_or_default();
    let first_response = outcome.at.saturating_duration_since(spawned);
    let rss_cold = vm_hwm_kib(pid).unwrap_or_default();

    let mut latencies = Vec::with_capacity(warm);
    for _ in 0..warm {
        let pending = api.enqueue(ev.clone()).await;
        let sent = Instant::now();
        let o = match tokio::time::timeout(INVOKE_TIMEOUT, pending.outcome()).await {
            Ok(Some(o)) => o,
            _ => return Err(fail("a warm invocation got no response".into())),
        };
        check(&o)?;
        latencies.push(o.at.saturating_duration_since(sent));
    }
    let rss_end = vm_hwm_kib(pid).unwrap_or_default();
    let _ = child.start_kill();
    let _ = child.wait().await;
    api.stop();
    Ok((ready, first_response, latencies, rss_cold, rss_end))
}

async fn measure(
    bin: &Path,
    s: &Scenario,
    fx: &Fixture,
    opts: &Options,
) -> Result<Measured, String> {
    let mut m = Measured {
        id: s.id.to_string(),
        binary_bytes: bin.metadata().map(|m| m.len()).unwrap_or_default(),
        ..Measured::default()
    };
    let warm = s.warm_cap.map_or(opts.warm, |c| c.min(opts.warm));
    for run in 0..opts.cold {
        // The warm series runs in the last process, once the file cache has the binary like the others.
        let n = if run + 1 == opts.cold { warm } else { 0 };
        let (ready, first, lat, rss_cold, rss_end) = one_process(bin, s, fx, opts, run, n).await?;
        m.ready.push(ready);
        m.first.push(first);
        m.rss_cold_kib.push(rss_cold);
        if n > 0 {
            m.warm = lat;
            m.rss_warm_kib = Some(rss_end);
        }
    }
    Ok(m)
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
        "BCRYPT_COST" => Some("12".into()),
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
            "select u.id, u.tenant_id, r.name from users u join roles r on r.id = u.role_id where u.username = 'admin'",
            &[],
        )
        .await
        .map_err(|e| format!("reading the demo admin: {e}"))?;
    let (user_id, tenant_id, role): (i64, i64, String) = (row.get(0), row.get(1), row.get(2));
    let (token, _) = shared::auth::jwt::JwtKeys::from_config(&config)
        .issue("admin", user_id, tenant_id, &role)
        .map_err(|e| e.to_string())?;
    Ok(Fixture {
        runtime_url,
        token,
        work: work.to_path_buf(),
    })
}

fn report(ms_: &[Measured], opts: &Options, bin_dir: &Path) -> String {
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

/// `cargo xtask bench`.
pub fn run(opts: &Options) -> Result<String, String> {
    let root = xtask::workspace_root();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| if t.is_absolute() { t } else { root.join(t) })
        .unwrap_or_else(|| root.join("target"));
    let bin_dir = match &opts.bin_dir {
        // Absolute: the functions run in the work directory, where a relative path would not resolve.
        Some(d) => d
            .canonicalize()
            .map_err(|e| format!("--bin-dir {}: {e}", d.display()))?,
        None => default_bin_dir(&target, &opts.functions)?,
    };
    let mut bins = Vec::new();
    for id in &opts.functions {
        let s = scenario(id).ok_or_else(|| format!("no scenario for `{id}`"))?;
        let bin = find_binary(&bin_dir, id)
            .ok_or_else(|| format!("no binary for `{id}` in {}", bin_dir.display()))?;
        bins.push((s, bin));
    }
    let work = std::env::temp_dir().join(format!("xtask-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    eprintln!("bench: binaries from {}", bin_dir.display());
    eprintln!("bench: starting PostgreSQL under {}", work.display());
    let server =
        testkit::pgembed::PgServer::start(&work.join("pg"), None).map_err(|e| e.to_string())?;
    // However this process ends, the server and the directory do not outlive it.
    server.stop_when_process_exits(std::process::id(), Some(&work));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let result = rt.block_on(async {
        let fx = fixture(&work, &server).await?;
        let mut measured = Vec::new();
        for (s, bin) in &bins {
            eprintln!("bench: {} ({})", s.id, bin.display());
            measured.push(measure(bin, s, &fx, opts).await?);
        }
        Ok::<_, String>(report(&measured, opts, &bin_dir))
    });
    drop(rt);
    server.stop();
    if result.is_ok() {
        let _ = std::fs::remove_dir_all(&work);
    } else {
        eprintln!("bench: function logs kept in {}", work.display());
    }
    result
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
