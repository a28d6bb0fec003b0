//! `cargo xtask throughput`: requests per second of the local server's release build under `wrk`,
//! each request beside its floor, measured in the same run on the same machine: `pgbench` running
//! the request's own statements (read from PostgreSQL's statement log while the server answers it
//! once) against the same server with as many connections as the server's pool; for the login,
//! the raw bcrypt rate on the same cores.
//!
//! The server is `target/release/local serve` against a throwaway PostgreSQL (`testkit::pgembed`),
//! seeded with the demo tenant (bcrypt cost 12, the template's) and brought to 50 orders of 2 line
//! items. It logs at `warn`: one JSON line per request would measure the terminal. Nothing here
//! asserts; it prints Markdown.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use testkit::client::{Resp, try_request};

use crate::bench::{Logged, logged_statements, parameter_types, pgbench_script, tail};

pub const USAGE: &str =
    "usage: cargo xtask throughput [--duration SECONDS] [--connections 4,32] [--only NAME,...]

Needs: cargo build --release -p local -p testkit --bins (the server and the bcrypt floor); wrk (Debian: infra/tools/apt-install.sh wrk); pgbench
(PostgreSQL 15's, beside initdb).

  --duration S       seconds per wrk and pgbench run (default 10)
  --connections LIST client connections of wrk (default 4,32)
  --only LIST        a subset of: orders_list, auth_me, companies_list, auth_login, ledger_create";

/// The local server's pool (`local::POOL_SIZE`): pgbench gets as many connections.
const POOL: u32 = 15;
const BCRYPT_COST: u32 = 12;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub duration_s: u64,
    pub connections: Vec<u32>,
    pub only: Option<Vec<String>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            duration_s: 10,
            connections: vec![4, 32],
            only: None,
        }
    }
}

const CASES: &[&str] = &[
    "orders_list",
    "auth_me",
    "companies_list",
    "auth_login",
    "ledger_create",
];

pub fn parse_args(args: &[&str]) -> Result<Options, String> {
    let mut o = Options::default();
    let mut it = args.iter();
    while let Some(&arg) = it.next() {
        let value = it.next().ok_or_else(|| format!("{arg} needs a value"))?;
        match arg {
            "--duration" => {
                o.duration_s = value
                    .parse()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("--duration: '{value}' is not a positive number"))?
            }
            "--connections" => {
                o.connections = value
                    .split(',')
                    .map(|c| c.trim().parse::<u32>().ok().filter(|c| *c > 0))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| format!("--connections: '{value}' is not a list of numbers"))?
            }
            "--only" => {
                let list: Vec<String> = value.split(',').map(|s| s.trim().to_string()).collect();
                if let Some(bad) = list.iter().find(|c| !CASES.contains(&c.as_str())) {
                    return Err(format!(
                        "--only: no case `{bad}` (known: {})",
                        CASES.join(", ")
                    ));
                }
                o.only = Some(list);
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(o)
}

/// One request under load.
struct Case {
    name: &'static str,
    method: &'static str,
    path: String,
    body: Option<(&'static str, String)>,
    token: bool,
    expect: u16,
    what: &'static str,
}

/// The server process; stopped when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<(&str, String)>,
) -> Result<Resp, String> {
    let auth = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("Authorization", a.as_str())).collect();
    try_request(
        addr,
        method,
        path,
        &headers,
        body.map(|(ct, b)| (ct, b.into_bytes())),
    )
    .await
    .map_err(|e| format!("{method} {path}: {e}"))
}

async fn ok(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<(&str, String)>,
    expect: u16,
) -> Result<Value, String> {
    let r = call(addr, method, path, token, body).await?;
    if r.status != expect {
        return Err(format!(
            "{method} {path}: {} (expected {expect}): {}",
            r.status, r.body
        ));
    }
    Ok(r.body)
}

fn first_id(list: &Value, pick: impl Fn(&Value) -> bool) -> Result<i64, String> {
    list.as_array()
        .and_then(|a| a.iter().find(|v| pick(v)))
        .and_then(|v| v["id"].as_i64())
        .ok_or_else(|| format!("nothing to pick in {list}"))
}

fn tool(name: &str, dirs: &[PathBuf]) -> Result<PathBuf, String> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    dirs.iter()
        .cloned()
        .chain(std::env::split_paths(&path))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .ok_or_else(|| format!("`{name}` not found (wrk: infra/tools/apt-install.sh wrk; pgbench comes with PostgreSQL 15)"))
}

/// `wrk`'s requests/s and the non-2xx/3xx and socket errors it counted.
pub fn parse_wrk(out: &str) -> Option<(f64, u64)> {
    let rps = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))?
        .trim()
        .parse()
        .ok()?;
    let mut errors = 0;
    for l in out.lines().map(str::trim) {
        if let Some(n) = l.strip_prefix("Non-2xx or 3xx responses:") {
            errors += n.trim().parse::<u64>().unwrap_or(0);
        }
        if let Some(list) = l.strip_prefix("Socket errors:") {
            errors += list
                .split(',')
                .filter_map(|p| p.split_whitespace().last()?.parse::<u64>().ok())
                .sum::<u64>();
        }
    }
    Some((rps, errors))
}

/// `pgbench`'s transactions/s (without the initial connection time).
pub fn parse_pgbench(out: &str) -> Option<f64> {
    out.lines()
        .find_map(|l| l.trim().strip_prefix("tps = "))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn lua_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn wrk(
    wrk: &Path,
    addr: SocketAddr,
    case: &Case,
    token: &str,
    connections: u32,
    secs: u64,
    work: &Path,
) -> Result<(f64, u64), String> {
    let script = work.join(format!("{}.lua", case.name));
    let mut lua = format!("wrk.method = \"{}\"\n", case.method);
    if case.token {
        let _ = writeln!(
            lua,
            "wrk.headers[\"Authorization\"] = {}",
            lua_string(&format!("Bearer {token}"))
        );
    }
    if let Some((ct, body)) = &case.body {
        let _ = writeln!(
            lua,
            "wrk.headers[\"Content-Type\"] = \"{ct}\"\nwrk.body = {}",
            lua_string(body)
        );
    }
    std::fs::write(&script, lua).map_err(|e| e.to_string())?;
    let out = Command::new(wrk)
        .args([
            "-t",
            &connections.min(2).to_string(),
            "-c",
            &connections.to_string(),
        ])
        .args(["-d", &format!("{secs}s"), "--timeout", "30s", "-s"])
        .arg(&script)
        .arg(format!("http://{addr}{}", case.path))
        .output()
        .map_err(|e| format!("wrk: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    parse_wrk(&text)
        .ok_or_else(|| format!("wrk said: {text}{}", String::from_utf8_lossy(&out.stderr)))
}

fn pgbench(
    pgbench: &Path,
    url: &str,
    script: &Path,
    vars: &[(String, String)],
    mode: &str,
    secs: u64,
) -> Result<f64, String> {
    let mut cmd = Command::new(pgbench);
    cmd.args([
        "-n",
        "-M",
        mode,
        "-c",
        &POOL.to_string(),
        "-j",
        "2",
        "-T",
        &secs.to_string(),
        "-f",
    ])
    .arg(script);
    for (k, v) in vars {
        cmd.arg("-D").arg(format!("{k}={v}"));
    }
    let out = cmd.arg(url).output().map_err(|e| format!("pgbench: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    parse_pgbench(&text).ok_or_else(|| {
        format!(
            "pgbench ({mode}) said: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// The statements one request runs on the server, logged while it answers once.
async fn capture(
    admin: &tokio_postgres::Client,
    log: &Path,
    addr: SocketAddr,
    case: &Case,
    token: &str,
) -> Result<Vec<Logged>, String> {
    let sql =
        |s: &'static str| async move { admin.batch_execute(s).await.map_err(|e| e.to_string()) };
    sql("alter system set log_statement = 'all'").await?;
    sql("select pg_reload_conf()").await?;
    // Backends read the reloaded setting before their next command; give the signal a moment.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let from = std::fs::metadata(log).map(|m| m.len()).unwrap_or(0);
    let answered = call(
        addr,
        case.method,
        &case.path,
        case.token.then_some(token),
        case.body.clone(),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let text = std::fs::read(log).map_err(|e| format!("{}: {e}", log.display()));
    sql("alter system reset log_statement").await?;
    sql("select pg_reload_conf()").await?;
    let answered = answered?;
    if answered.status != case.expect {
        return Err(format!(
            "{}: {} {}",
            case.name, answered.status, answered.body
        ));
    }
    // A created row keeps the id its statements drew up front; pgbench's replays (rolled back)
    // insert that id again, so the row goes, through the API, as a user would delete it.
    if case.method == "POST"
        && let Some(id) = answered.body["id"].as_i64()
        && case.name == "ledger_create"
    {
        let path = format!("{}{id}", case.path);
        ok(addr, "DELETE", &path, Some(token), None, 200).await?;
    }
    let text = text?;
    let from = usize::try_from(from).unwrap_or(usize::MAX).min(text.len());
    // The superuser's own statements are logged too; they are the ones above.
    Ok(logged_statements(&String::from_utf8_lossy(&text[from..]))
        .into_iter()
        .filter(|s| !s.sql.contains("pg_reload_conf") && !s.sql.contains("alter system"))
        .collect())
}

struct Row {
    case: &'static str,
    what: &'static str,
    statements: usize,
    rates: Vec<(u32, f64, u64)>,
    floor: String,
    ratio: String,
}

/// bcrypt verifications per second on `processes` cores, at `BCRYPT_COST`, by the release build:
/// that many `lambda_floor` processes (FLOOR_BCRYPT_HASH, nothing else) invoked back to back behind
/// their Runtime APIs for `secs`.
async fn bcrypt_rate(floor: &Path, processes: usize, secs: u64) -> Result<f64, String> {
    let hash = bcrypt::hash("admin123", BCRYPT_COST).map_err(|e| e.to_string())?;
    let event = testkit::event::rest_v1_event(&testkit::event::EventInput::new("GET", "/health"))
        .to_string();
    let deadline = Instant::now() + Duration::from_secs(secs);
    let started = Instant::now();
    let runs = (0..processes).map(|i| {
        let (hash, event) = (hash.clone(), event.clone());
        async move {
            let mut api = testkit::runtime::RuntimeApi::start(&format!("bcrypt-{i}"))
                .await
                .map_err(|e| e.to_string())?;
            let mut child = api
                .command(floor)
                .env("FLOOR_BCRYPT_HASH", &hash)
                .env("FLOOR_BCRYPT_PASSWORD", "admin123")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("{}: {e}", floor.display()))?;
            let mut n = 0u64;
            while Instant::now() < deadline {
                let pending = api.enqueue(event.clone()).await;
                match tokio::time::timeout(Duration::from_secs(60), pending.outcome()).await {
                    Ok(Some(o)) if o.ok => n += 1,
                    other => return Err(format!("the bcrypt floor failed: {other:?}")),
                }
            }
            let _ = child.start_kill();
            Ok::<u64, String>(n)
        }
    });
    let counts = futures_util::future::try_join_all(runs).await?;
    Ok(counts.iter().sum::<u64>() as f64 / started.elapsed().as_secs_f64())
}

/// `cargo xtask throughput`.
pub fn run(opts: &Options) -> Result<String, String> {
    let target = crate::bench::target_dir();
    let local = target.join("release").join("local");
    let floor = target.join("release").join(crate::bench::FLOOR_BINARY);
    if !floor.is_file() {
        return Err(format!(
            "no {}: build it with cargo build --release -p testkit --bins",
            floor.display()
        ));
    }
    if !local.is_file() {
        return Err(format!(
            "no {}: build it with cargo build --release -p local",
            local.display()
        ));
    }
    let pg_bin = PathBuf::from(
        std::env::var("PG_BIN_DIR").unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".into()),
    );
    let wrk_bin = tool("wrk", &[])?;
    let pgbench_bin = tool("pgbench", &[pg_bin])?;
    crate::bench::with_throwaway_postgres("throughput", async |server, work| {
        measure(opts, server, work, &local, &floor, &wrk_bin, &pgbench_bin).await
    })
}

async fn measure(
    opts: &Options,
    pg: &testkit::pgembed::PgServer,
    work: &Path,
    local: &Path,
    floor: &Path,
    wrk_bin: &Path,
    pgbench_bin: &Path,
) -> Result<String, String> {
    let (owner_url, runtime_url) = testkit::pgembed::bootstrap(pg, "bench")
        .await
        .map_err(|e| e.to_string())?;
    let port = testkit::pgembed::free_port().map_err(|e| e.to_string())?;
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let log = std::fs::File::create(work.join("local.log")).map_err(|e| e.to_string())?;
    let child = Command::new(local)
        .arg("serve")
        .env("DATABASE_URL", &runtime_url)
        .env("MIGRATION_DATABASE_URL", &owner_url)
        .env("PORT", port.to_string())
        .env("APP_ENV", "local")
        .env("BCRYPT_COST", BCRYPT_COST.to_string())
        .env("LOG_LEVEL", "warn")
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .spawn()
        .map_err(|e| format!("{}: {e}", local.display()))?;
    let srv = Server { child, addr };
    let up = Instant::now() + Duration::from_secs(120);
    loop {
        if let Ok(r) = try_request(srv.addr, "GET", "/health", &[], None).await
            && r.status == 200
        {
            break;
        }
        if Instant::now() > up {
            // The work directory goes when the run ends: its log's tail goes with the error.
            return Err(format!(
                "the local server did not come up in 120 s; its log ends:\n{}",
                tail(&work.join("local.log"))
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!("throughput: server on {addr}, preparing 50 orders");
    let form = "username=admin&password=admin123".to_string();
    let login = ok(
        addr,
        "POST",
        "/api/v1/auth/login",
        None,
        Some(("application/x-www-form-urlencoded", form.clone())),
        200,
    )
    .await?;
    let token = login["access_token"]
        .as_str()
        .ok_or("no access_token")?
        .to_string();
    let t = Some(token.as_str());
    let contact = first_id(
        &ok(addr, "GET", "/api/v1/contacts/", t, None, 200).await?,
        |_| true,
    )?;
    let have = ok(addr, "GET", "/api/v1/orders/", t, None, 200)
        .await?
        .as_array()
        .map_or(0, Vec::len);
    for i in have..50 {
        let body = json!({"contact_id": contact, "line_items": [
            {"product_description": format!("Ring {i}"), "quantity": 2, "price": 100},
            {"product_description": format!("Chain {i}"), "quantity": 1, "price": 250}]});
        ok(
            addr,
            "POST",
            "/api/v1/orders/",
            t,
            Some(("application/json", body.to_string())),
            201,
        )
        .await?;
    }
    let orders = ok(addr, "GET", "/api/v1/orders/", t, None, 200).await?;
    let order = first_id(&orders, |_| true)?;
    let department = first_id(
        &ok(addr, "GET", "/api/v1/departments/", t, None, 200).await?,
        |d| {
            d["name"]
                .as_str()
                .is_some_and(|n| n != "Casting" && n != "Inventory")
        },
    )?;
    let metal = first_id(
        &ok(addr, "GET", "/api/v1/metals/", t, None, 200).await?,
        |_| true,
    )?;
    let ledger = json!({"date": "2026-11-30", "department_id": department, "order_id": order, "metal_id": metal,
                        "direction": "IN", "quantity": 1, "weight": 1.5})
    .to_string();
    let cases = [
        Case {
            name: "orders_list",
            method: "GET",
            path: "/api/v1/orders/".into(),
            body: None,
            token: true,
            expect: 200,
            what: "`GET /api/v1/orders/` (50 orders of 2 line items)",
        },
        Case {
            name: "auth_me",
            method: "GET",
            path: "/api/v1/auth/me".into(),
            body: None,
            token: true,
            expect: 200,
            what: "`GET /api/v1/auth/me`",
        },
        Case {
            name: "companies_list",
            method: "GET",
            path: "/api/v1/companies-v2/".into(),
            body: None,
            token: true,
            expect: 200,
            what: "`GET /api/v1/companies-v2/`",
        },
        Case {
            name: "auth_login",
            method: "POST",
            path: "/api/v1/auth/login".into(),
            body: Some(("application/x-www-form-urlencoded", form)),
            token: false,
            expect: 200,
            what: "`POST /api/v1/auth/login` (bcrypt cost 12)",
        },
        Case {
            name: "ledger_create",
            method: "POST",
            path: "/api/v1/department-ledger/".into(),
            body: Some(("application/json", ledger)),
            token: true,
            expect: 201,
            what: "`POST /api/v1/department-ledger/` (an IN entry)",
        },
    ];
    let admin = shared::db::connect(&pg.url("postgres", "bench"))
        .await
        .map_err(|e| e.to_string())?;
    let pg_log = work.join("postgres.log");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut rows = Vec::new();
    for case in cases.iter().filter(|c| {
        opts.only
            .as_ref()
            .is_none_or(|o| o.iter().any(|n| n == c.name))
    }) {
        eprintln!("throughput: {}", case.name);
        let statements = capture(&admin, &pg_log, addr, case, &token).await?;
        let mut rates = Vec::new();
        for &c in &opts.connections {
            let (rps, errors) = wrk(wrk_bin, addr, case, &token, c, opts.duration_s, work)?;
            rates.push((c, rps, errors));
        }
        let last = rates.last().map_or(0.0, |r| r.1);
        let (floor, best) = if case.name == "auth_login" {
            let rate = bcrypt_rate(floor, cores, opts.duration_s).await?;
            (
                format!("{rate:.1} bcrypt verifies/s ({cores} floor processes)"),
                rate,
            )
        } else {
            let runtime = shared::db::connect(&runtime_url)
                .await
                .map_err(|e| e.to_string())?;
            let types = parameter_types(&runtime, &statements).await?;
            let (script, vars) = pgbench_script(&statements, &types)?;
            let file = work.join(format!("{}.sql", case.name));
            std::fs::write(&file, script).map_err(|e| e.to_string())?;
            let simple = pgbench(
                pgbench_bin,
                &runtime_url,
                &file,
                &vars.simple,
                "simple",
                opts.duration_s,
            )?;
            let prepared = pgbench(
                pgbench_bin,
                &runtime_url,
                &file,
                &vars.prepared,
                "prepared",
                opts.duration_s,
            )?;
            (
                format!("{simple:.0} simple / {prepared:.0} prepared tps"),
                simple.max(prepared),
            )
        };
        rows.push(Row {
            case: case.name,
            what: case.what,
            statements: statements.len(),
            rates,
            floor,
            ratio: if best > 0.0 {
                format!("{:.2}×", last / best)
            } else {
                "–".into()
            },
        });
    }
    drop(srv);
    let mut out = String::new();
    let conns: Vec<String> = opts
        .connections
        .iter()
        .map(|c| format!("{c} conn."))
        .collect();
    let _ = writeln!(
        out,
        "`target/release/local serve` (pool {POOL}, LOG_LEVEL=warn) under `wrk` for {} s per run; floor: \
         `pgbench` with {POOL} connections running each request's own statements (logged while the server \
         answered it once), and for the login the raw bcrypt rate at cost {BCRYPT_COST}; {cores} cores, \
         everything on one machine.\n",
        opts.duration_s
    );
    let _ = writeln!(
        out,
        "| request | statements | {} | errors | floor | ratio at {} |",
        conns.join(" | "),
        conns.last().map_or("", String::as_str)
    );
    let _ = writeln!(
        out,
        "|---|---:|{}---:|---|---:|",
        "---:|".repeat(conns.len())
    );
    for r in rows {
        let rates: Vec<String> = r
            .rates
            .iter()
            .map(|(_, rps, _)| format!("{rps:.0} req/s"))
            .collect();
        let errors: u64 = r.rates.iter().map(|(_, _, e)| e).sum();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {errors} | {} | {} |",
            r.what,
            r.statements,
            rates.join(" | "),
            r.floor,
            r.ratio
        );
        let _ = r.case;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_outputs_are_read() {
        let wrk = "Running 10s test @ http://127.0.0.1:1/x\n  2 threads and 32 connections\n  \
                   Latency 10ms\n  12000 requests in 10.00s, 1.2MB read\n  \
                   Socket errors: connect 0, read 2, write 0, timeout 1\n  \
                   Non-2xx or 3xx responses: 4\nRequests/sec:   1200.50\nTransfer/sec: 1MB\n";
        assert_eq!(parse_wrk(wrk), Some((1200.5, 7)));
        assert_eq!(parse_wrk("Requests/sec: 10\n"), Some((10.0, 0)));
        assert_eq!(parse_wrk("no numbers"), None);
        let pgbench = "number of transactions actually processed: 100\nlatency average = 1.0 ms\n\
                       initial connection time = 10.5 ms\ntps = 5938.123456 (without initial connection time)\n";
        assert_eq!(parse_pgbench(pgbench), Some(5938.123456));
        assert_eq!(parse_pgbench("error"), None);
    }

    #[test]
    fn arguments() {
        assert_eq!(parse_args(&[]).unwrap(), Options::default());
        let o = parse_args(&[
            "--duration",
            "3",
            "--connections",
            "1,8",
            "--only",
            "auth_me",
        ])
        .unwrap();
        assert_eq!((o.duration_s, o.connections.clone()), (3, vec![1, 8]));
        assert_eq!(o.only, Some(vec!["auth_me".to_string()]));
        for bad in [
            &["--duration", "0"][..],
            &["--connections", "a"],
            &["--only", "x"],
            &["--x", "1"],
            &["--duration"],
        ] {
            assert!(parse_args(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn lua_strings_are_escaped() {
        assert_eq!(lua_string(r#"{"a":"b\c"}"#), r#""{\"a\":\"b\\c\"}""#);
    }
}
