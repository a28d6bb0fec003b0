//! The fault suite: the local stack under a steady write and read load while its PostgreSQL is
//! stopped and restarted, frozen with SIGSTOP and resumed, and has the API's connections
//! terminated between requests. During each fault every answer is a 200 or a 503 with a string
//! `detail` and `Retry-After`, none takes longer than the configured request deadline (plus the
//! scheduling margin below), the first request after recovery succeeds without restarting
//! anything, and afterwards every company whose creation answered 200 exists and none whose
//! creation answered a plain 503 does. A 503 saying the commit's outcome is unknown (the fault hit
//! while the database was committing) may go either way, and is only counted.
//!
//! It owns its PostgreSQL (a temporary directory, a free port), never the shared test server.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use local::{Database, DatabaseSource, ServeOptions};
use shared::config::Config;
use shared::error::COMMIT_UNKNOWN_DETAIL;
use testkit::client::{Resp, try_request};
use testkit::pgembed::PgServer;
use tokio::sync::{Mutex, oneshot};

/// The request deadline the stack runs with, and what a request may take beyond it: the client's
/// connect and the answer's way back, on a machine of two cores running the load beside it.
const DEADLINE_MS: u64 = 2000;
const MARGIN: Duration = Duration::from_millis(1500);

fn config() -> Config {
    let deadline = DEADLINE_MS.to_string();
    let map: Vec<(&str, &str)> = vec![
        ("APP_ENV", "local"),
        ("BCRYPT_COST", "4"),
        ("DATABASE_REQUEST_TIMEOUT_MS", &deadline),
        ("DATABASE_CONNECT_TIMEOUT_MS", "1000"),
        ("DATABASE_STATEMENT_TIMEOUT_MS", "1500"),
    ];
    Config::from_lookup(|k| {
        map.iter()
            .find(|(name, _)| *name == k)
            .map(|(_, v)| v.to_string())
    })
    .expect("config")
}

/// Every process of the server: the postmaster (first line of `postmaster.pid`) and its children.
fn server_pids(data_dir: &Path) -> Vec<u32> {
    let pid_file =
        std::fs::read_to_string(data_dir.join("postmaster.pid")).expect("postmaster.pid");
    let postmaster: u32 = pid_file.lines().next().unwrap().trim().parse().unwrap();
    let mut pids = vec![postmaster];
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid …`: the command may hold spaces, so read after the last ')'.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if ppid == Some(postmaster) {
            pids.push(pid);
        }
    }
    pids
}

fn signal(pids: &[u32], sig: &str) {
    let status = std::process::Command::new("kill")
        .arg(format!("-{sig}"))
        .args(pids.iter().map(u32::to_string))
        .status()
        .expect("kill");
    assert!(status.success(), "kill -{sig} {pids:?}");
}

/// Resumes the frozen server however the test ends, so it can be stopped.
struct Frozen(Vec<u32>);

impl Drop for Frozen {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .arg("-CONT")
            .args(self.0.iter().map(u32::to_string))
            .status();
    }
}

/// One request of the load, as the client saw it.
struct Outcome {
    phase: &'static str,
    kind: &'static str,
    name: Option<String>,
    status: u16,
    took: Duration,
    detail_is_string: bool,
    /// The answer said the change may or may not have been saved.
    commit_unknown: bool,
    retry_after: bool,
}

async fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: &str,
    body: Option<String>,
) -> Resp {
    let auth = format!("Bearer {token}");
    let body = body.map(|b| ("application/json", b.into_bytes()));
    try_request(addr, method, path, &[("Authorization", &auth)], body)
        .await
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_under_load_answer_503_in_time_and_lose_or_invent_no_write() {
    let root = std::env::temp_dir().join(format!("jmsk-faults-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let db = Database::open(&DatabaseSource::Embedded {
        dir: root.clone(),
        port: None,
    })
    .await
    .expect("embedded PostgreSQL");
    let (data_dir, pg_port) = {
        let s = db.server().unwrap();
        (s.data_dir.clone(), s.port)
    };
    let port = testkit::pgembed::free_port().unwrap();
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let (stop, stopped) = oneshot::channel::<()>();
    let opts = ServeOptions {
        config: config(),
        database: DatabaseSource::External {
            url: db.runtime_url.clone(),
            migration_url: Some(db.owner_url.clone()),
        },
        addr,
        pool_size: 4,
        seed: false,
    };
    let server = tokio::spawn(async move {
        local::serve(opts, async {
            let _ = stopped.await;
        })
        .await
        .map_err(|e| e.to_string())
    });
    let started = Instant::now();
    while try_request(addr, "GET", "/health", &[], None)
        .await
        .is_err()
    {
        assert!(started.elapsed() < Duration::from_secs(60), "no stack");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let signup = try_request(
        addr,
        "POST",
        "/api/v1/auth/register",
        &[],
        Some((
            "application/json",
            br#"{"username":"faultadmin","password":"password123","email":"f@fault.example","full_name":"F","tenant_name":"Fault Co"}"#
                .to_vec(),
        )),
    )
    .await
    .unwrap();
    assert!(signup.status < 300, "sign-up: {:?}", signup.body);
    let login = try_request(
        addr,
        "POST",
        "/api/v1/auth/login",
        &[],
        Some((
            "application/x-www-form-urlencoded",
            b"username=faultadmin&password=password123".to_vec(),
        )),
    )
    .await
    .unwrap()
    .expect(200);
    let token = login.body["access_token"].as_str().unwrap().to_string();

    // The load: four clients, each creating companies and reading the list, one after another.
    let phase: Arc<Mutex<&'static str>> = Arc::new(Mutex::new("warm-up"));
    let running = Arc::new(AtomicBool::new(true));
    let mut workers = Vec::new();
    for w in 0..4 {
        let (phase, running, token) = (phase.clone(), running.clone(), token.clone());
        workers.push(tokio::spawn(async move {
            let mut out = Vec::new();
            let mut i = 0;
            while running.load(Ordering::Relaxed) {
                i += 1;
                let name = format!("Load {w}-{i}");
                let (kind, path, method, body) = if i % 3 == 0 {
                    ("read", "/api/v1/companies-v2/?limit=5", "GET", None)
                } else {
                    let body = serde_json::json!({ "name": name }).to_string();
                    ("write", "/api/v1/companies-v2/", "POST", Some(body))
                };
                let at = *phase.lock().await;
                let t = Instant::now();
                let r = call(addr, method, path, &token, body).await;
                out.push(Outcome {
                    phase: at,
                    kind,
                    name: (kind == "write").then(|| name.clone()),
                    status: r.status,
                    took: t.elapsed(),
                    detail_is_string: r.body["detail"].is_string(),
                    commit_unknown: r.body["detail"] == COMMIT_UNKNOWN_DETAIL,
                    retry_after: r.header("retry-after").is_some(),
                });
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            out
        }));
    }
    let set_phase = |name: &'static str| {
        let phase = phase.clone();
        async move { *phase.lock().await = name }
    };
    // After each fault, once the database is back: the next request succeeds on the running stack.
    let probe = |what: &'static str| {
        let token = token.clone();
        async move {
            let r = call(addr, "GET", "/api/v1/companies-v2/?limit=1", &token, None).await;
            assert_eq!(
                r.status, 200,
                "the first request after {what}: {:?}",
                r.body
            );
        }
    };
    tokio::time::sleep(Duration::from_secs(1)).await;

    // 1. Stopped mid-load, restarted 2 s later.
    set_phase("stopped").await;
    let stopper = db.server().unwrap();
    tokio::task::block_in_place(|| stopper.stop());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let restarted =
        tokio::task::spawn_blocking(move || PgServer::start(&root_of(&data_dir), Some(pg_port)))
            .await
            .unwrap()
            .expect("restart PostgreSQL");
    set_phase("after restart").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    probe("a restart").await;

    // 2. Frozen for twice the deadline, then resumed.
    set_phase("frozen").await;
    let frozen = Frozen(server_pids(&restarted.data_dir));
    signal(&frozen.0, "STOP");
    tokio::time::sleep(Duration::from_millis(2 * DEADLINE_MS)).await;
    drop(frozen);
    set_phase("after freeze").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    probe("a freeze").await;

    // 3. Every connection of the API terminated, three times, between requests.
    set_phase("terminated").await;
    // The superuser: only it may terminate another role's backends.
    let owner = shared::db::connect(&restarted.url("postgres", "jmsk"))
        .await
        .unwrap();
    for _ in 0..3 {
        owner
            .execute(
                "select pg_terminate_backend(pid) from pg_stat_activity
                  where datname = current_database() and pid <> pg_backend_pid()
                    and usename <> current_user",
                &[],
            )
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    set_phase("after termination").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    probe("terminated connections").await;
    running.store(false, Ordering::Relaxed);
    let mut outcomes = Vec::new();
    for w in workers {
        outcomes.extend(w.await.unwrap());
    }

    // Every answer a 200 or a proper 503, none past the deadline.
    let bad: Vec<String> = outcomes
        .iter()
        .filter(|o| !(o.status == 200 || (o.status == 503 && o.detail_is_string && o.retry_after)))
        .map(|o| format!("{} {} → {}", o.phase, o.kind, o.status))
        .collect();
    assert!(bad.is_empty(), "answers other than 200 or 503: {bad:?}");
    let slowest = outcomes.iter().map(|o| o.took).max().unwrap();
    let limit = Duration::from_millis(DEADLINE_MS) + MARGIN;
    assert!(
        slowest <= limit,
        "a request took {slowest:?} (limit {limit:?})"
    );
    // Each fault was felt (503s), and the load went on succeeding around it.
    for p in ["stopped", "frozen"] {
        assert!(
            outcomes.iter().any(|o| o.phase == p && o.status == 503),
            "no 503 while {p}"
        );
    }
    for p in [
        "warm-up",
        "after restart",
        "after freeze",
        "after termination",
    ] {
        assert!(
            outcomes.iter().any(|o| o.phase == p && o.status == 200),
            "no 200 in phase {p}"
        );
    }

    // Every 200 write is there, no 503 write is.
    let names: std::collections::HashSet<String> = owner
        .query("select name from companies", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let writes: Vec<&Outcome> = outcomes.iter().filter(|o| o.kind == "write").collect();
    let lost: Vec<&str> = writes
        .iter()
        .filter(|o| o.status == 200 && !names.contains(o.name.as_deref().unwrap()))
        .map(|o| o.name.as_deref().unwrap())
        .collect();
    let invented: Vec<&str> = writes
        .iter()
        .filter(|o| {
            o.status == 503 && !o.commit_unknown && names.contains(o.name.as_deref().unwrap())
        })
        .map(|o| o.name.as_deref().unwrap())
        .collect();
    assert!(lost.is_empty(), "answered 200 but missing: {lost:?}");
    assert!(
        invented.is_empty(),
        "answered 503 but written: {invented:?}"
    );
    let failed = writes.iter().filter(|o| o.status == 503).count();
    let unknown = writes.iter().filter(|o| o.commit_unknown).count();
    eprintln!(
        "fault suite: {} requests ({} writes, {failed} of them 503, {unknown} of those with the \
         commit's outcome unknown), slowest {slowest:?}",
        outcomes.len(),
        writes.len()
    );

    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(30), server).await;
    drop(owner);
    tokio::task::block_in_place(|| restarted.stop());
    drop(db);
    let _ = std::fs::remove_dir_all(
        std::env::temp_dir().join(format!("jmsk-faults-{}", std::process::id())),
    );
}

/// The directory `PgServer::start` takes: the one that holds `data/`.
fn root_of(data_dir: &Path) -> std::path::PathBuf {
    data_dir.parent().unwrap().to_path_buf()
}
