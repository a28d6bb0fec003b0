//! The per-function mode (`cargo run -p local -- lambda`) over real TCP: the routes of the real
//! `template.yaml`, each served by its function's own binary (the ones this test run built, or
//! `LAMBDA_BIN_DIR`'s: CI points it at the release build) started as Lambda starts a `bootstrap`,
//! with the template's environment, behind the one Runtime API emulator. Every route of the
//! template must reach its own binary, and API Gateway's own answers (unknown paths, throttles,
//! timeouts) must be the template's.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use local::lambda::{Binaries, FunctionLogs, FunctionsSetup, Gateway, PoolOptions, Status};
use local::{Database, DatabaseSource};
use serde_json::json;
use testkit::client::{Resp, try_request};
use tokio::sync::oneshot;

const ORIGIN: &str = "http://localhost:5173";

/// Where the function binaries are: `LAMBDA_BIN_DIR` (relative to the workspace root, since cargo
/// runs tests in the package's directory), else beside the ones cargo built for this test run
/// (`target/debug`).
fn bin_dir() -> PathBuf {
    match std::env::var_os("LAMBDA_BIN_DIR") {
        Some(dir) => local::project_root().join(dir),
        None => Path::new(env!("CARGO_BIN_EXE_health_get"))
            .parent()
            .expect("the binaries' directory")
            .to_path_buf(),
    }
}

fn setup(template: PathBuf, parameters: &[(&str, &str)], idle_timeout: Duration) -> FunctionsSetup {
    let root = local::project_root();
    let mut params: BTreeMap<String, String> = [("Stage", "dev"), ("BcryptCost", "4")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    params.extend(
        parameters
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    FunctionsSetup {
        template,
        parameters: params,
        env_vars: Some(root.join("infra/sam/env.local.json")),
        binaries: Binaries::Dir(bin_dir()),
        pool: PoolOptions {
            default_concurrency: 4,
            idle_timeout,
            logs: FunctionLogs::Discard,
            print_reports: false,
        },
    }
}

struct Served {
    addr: SocketAddr,
    gateway: Gateway,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn serve(setup: &FunctionsSetup, database_url: &str) -> Served {
    let gateway = local::lambda::gateway(setup, database_url).expect("the template's functions");
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(local::server::serve_backend(
        listener,
        gateway.clone(),
        async {
            let _ = stopped.await;
        },
    ));
    Served {
        addr,
        gateway,
        stop,
        task,
    }
}

impl Served {
    async fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<(&str, Vec<u8>)>,
    ) -> Resp {
        try_request(self.addr, method, path, headers, body)
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    async fn get(&self, path: &str, token: &str) -> Resp {
        let auth = format!("Bearer {token}");
        self.request("GET", path, &[("Authorization", &auth)], None)
            .await
    }

    async fn login(&self, username: &str, password: &str) -> String {
        let form = format!("username={username}&password={password}");
        let r = self
            .request(
                "POST",
                "/api/v1/auth/login",
                &[("Origin", ORIGIN)],
                Some(("application/x-www-form-urlencoded", form.into_bytes())),
            )
            .await
            .expect(200);
        r.body["access_token"].as_str().expect("token").to_string()
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.expect("server task").expect("server");
        self.gateway.pools().stop_idle(Duration::ZERO).await;
    }
}

/// The answer came from a function, not from API Gateway itself.
#[track_caller]
fn from_function(r: &Resp, what: &str) {
    assert!(
        r.header("x-amzn-errortype").is_none(),
        "{what}: API Gateway answered itself: {r:?}"
    );
}

async fn database(name: &str) -> (Database, PathBuf) {
    let root = std::env::temp_dir().join(format!("jmsk-lambda-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let db = Database::open(&DatabaseSource::Embedded {
        dir: root.join("pg"),
        port: None,
    })
    .await
    .expect("embedded database");
    db.migrate_up().await.expect("migrations");
    let config = crate::helpers::test_config(&[]);
    let ctx = shared::Ctx::new(
        config.clone(),
        shared::db::Db::single(&db.runtime_url, &config.database_timeouts),
    );
    shared::app::seed::seed_demo(&ctx).await.expect("seed");
    (db, root)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_of_the_template_reaches_its_own_binary() {
    let (db, root) = database("routes").await;
    let root_dir = local::project_root();
    let setup = setup(
        root_dir.join("template.yaml"),
        &[],
        Duration::from_secs(300),
    );
    let app = serve(&setup, &db.runtime_url).await;
    let pools = app.gateway.pools().clone();

    // Health, with and without the stage prefix; the second invocation is warm, in the same process.
    let r = app.request("GET", "/health", &[], None).await.expect(200);
    assert_eq!(r.body["status"], "healthy");
    assert!(r.header("x-amzn-requestid").is_some(), "{r:?}");
    app.request("GET", "/dev/health/", &[], None)
        .await
        .expect(200);
    let health: Vec<_> = pools
        .reports()
        .into_iter()
        .filter(|r| r.function == "HealthGetFunction")
        .collect();
    assert_eq!(health.len(), 2, "{health:?}");
    assert!(
        health[0].init_duration.is_some(),
        "a cold start: {health:?}"
    );
    assert!(
        health[1].init_duration.is_none(),
        "a warm invocation: {health:?}"
    );
    assert_eq!(health[0].pid, health[1].pid, "the warm process was reused");
    assert!(
        health
            .iter()
            .all(|r| r.status == Status::Ok && r.memory_mb == 256)
    );
    assert!(
        health[0].to_string().starts_with("REPORT RequestId: ")
            && health[0].to_string().contains("Init Duration: "),
        "{}",
        health[0]
    );
    let db_health = app
        .request("GET", "/health/db", &[], None)
        .await
        .expect(200);
    assert_eq!(db_health.body["database"], "connected", "{db_health:?}");

    // What API Gateway answers itself, from the template's GatewayResponses: an unknown path, and
    // (unlike the one-process server's 405) a known path's missing method.
    for (method, path) in [
        ("GET", "/api/v1/nothing-here"),
        ("DELETE", "/api/v1/auth/login"),
    ] {
        let r = app
            .request(method, path, &[("Origin", ORIGIN)], None)
            .await
            .expect(404);
        assert_eq!(r.body, json!({"detail": "Not Found"}), "{method} {path}");
        assert_eq!(r.header("access-control-allow-origin"), Some("*"));
        assert_eq!(
            r.header("x-amzn-errortype"),
            Some("MISSING_AUTHENTICATION_TOKEN")
        );
    }

    // A preflight reaches the path's function, which reflects an allowed origin.
    let r = app
        .request(
            "OPTIONS",
            "/api/v1/auth/me",
            &[
                ("Origin", ORIGIN),
                ("Access-Control-Request-Method", "GET"),
                ("Access-Control-Request-Headers", "authorization"),
            ],
            None,
        )
        .await;
    assert!(r.status == 200 || r.status == 204, "preflight: {r:?}");
    from_function(&r, "preflight");
    assert_eq!(r.header("access-control-allow-origin"), Some(ORIGIN));

    // Sign-up, the app's form login, /auth/me through the stage prefix, a query string.
    app.request(
        "POST",
        "/api/v1/auth/register",
        &[("Origin", ORIGIN)],
        Some((
            "application/json",
            json!({"username": "probe", "password": "password123", "full_name": "Probe",
                   "tenant_name": "Probe Works"})
            .to_string()
            .into_bytes(),
        )),
    )
    .await
    .expect(200);
    let probe = app.login("probe", "password123").await;
    let me = app.get("/dev/api/v1/auth/me", &probe).await.expect(200);
    assert_eq!(me.body["username"], "probe");
    let history = app
        .get("/api/v1/auth/login-history?limit=1", &probe)
        .await
        .expect(200);
    assert_eq!(history.body["history"][0]["ip_address"], "127.0.0.1");

    // The demo tenant, as its staff sees it.
    let staff = app.login("staff", "staff1234").await;
    let orders = app.get("/api/v1/orders/", &staff).await.expect(200);
    assert_eq!(
        orders.body.as_array().map(Vec::len),
        Some(3),
        "{}",
        orders.body
    );
    let admin = app.login("admin", "admin123").await;
    let report = app
        .get("/api/v1/reports/metal-reconciliation", &admin)
        .await
        .expect(200);
    for m in report.body["metals"].as_array().expect("metals") {
        assert_eq!(m["unexplained_fine_grams"], json!(0.0), "{m}");
    }

    // Every route of the template, as the probe tenant's admin: ids that are not the probe's, empty
    // bodies. Each answer must come from the route's own function (its binary started with the
    // template's environment and answered), whatever it says.
    let template = local::lambda::read_template(&setup).expect("template");
    let auth = format!("Bearer {probe}");
    let mut checked = 0;
    for f in &template.functions {
        for route in f.routes.iter().filter(|r| r.method != "OPTIONS") {
            // Logging out would end the probe's session for the routes after it.
            if route.path == "/api/v1/auth/logout" {
                continue;
            }
            let path: String = route
                .path
                .split('/')
                .map(|s| if s.starts_with('{') { "999999" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            let body = matches!(route.method.as_str(), "POST" | "PUT")
                .then(|| ("application/json", b"{}".to_vec()));
            let before = pools.reports().len();
            let r = app
                .request(&route.method, &path, &[("Authorization", &auth)], body)
                .await;
            let what = format!("{} {path} ({})", route.method, f.logical_id);
            from_function(&r, &what);
            let reports = pools.reports();
            assert_eq!(reports.len(), before + 1, "{what}: one invocation");
            let last = reports.last().expect("a report");
            assert_eq!(last.function, f.logical_id, "{what}");
            assert_eq!(last.status, Status::Ok, "{what}: {last}");
            checked += 1;
        }
    }
    assert_eq!(checked, functions::routes::ROUTES.len() - 1);
    // Every function ran in its own process.
    let pids: std::collections::BTreeSet<u32> = pools.reports().iter().map(|r| r.pid).collect();
    assert!(
        pids.len() >= template.functions.len() - 1,
        "{} processes",
        pids.len()
    );

    app.stop().await;
    db.stop().await;
    let _ = std::fs::remove_dir_all(root);
}

/// Holds every row of `table` locked (from another session) until dropped, so a request that
/// reads it waits: a request in flight for as long as the test needs, without timing.
struct TableLock {
    client: tokio_postgres::Client,
}

impl TableLock {
    async fn take(owner_url: &str, table: &str) -> Self {
        let client = crate::helpers::connect(owner_url).await;
        client
            .batch_execute(&format!(
                "BEGIN; LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"
            ))
            .await
            .expect("lock");
        TableLock { client }
    }

    /// Wait until some other session waits for this lock.
    async fn wait_for_a_waiter(&self) {
        for _ in 0..600 {
            let row = self
                .client
                .query_one(
                    // pg_locks, unlike pg_stat_activity, shows other roles' waits to a non-superuser.
                    "select count(*) from pg_locks where not granted",
                    &[],
                )
                .await
                .expect("pg_stat_activity");
            if row.get::<_, i64>(0) > 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no request came to wait for the lock in 30 s");
    }

    async fn release(self) {
        self.client.batch_execute("ROLLBACK").await.expect("unlock");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reserved_concurrency_throttles_timeouts_kill_and_idle_processes_stop() {
    let (db, root) = database("limits").await;
    // The real template with one change: the companies list may run for 1 s, not 10.
    let text =
        std::fs::read_to_string(local::project_root().join("template.yaml")).expect("template");
    let (head, tail) = text
        .split_once("  CompaniesListFunction:\n")
        .expect("CompaniesListFunction in the template");
    let tail = tail.replacen("      Timeout: 10\n", "      Timeout: 1\n", 1);
    let short = root.join("template.yaml");
    std::fs::write(&short, format!("{head}  CompaniesListFunction:\n{tail}")).expect("write");
    let setup = setup(
        short,
        &[("OrdersListReservedConcurrency", "1")],
        Duration::from_secs(1),
    );
    let app = serve(&setup, &db.runtime_url).await;
    let pools = app.gateway.pools().clone();
    let token = app.login("admin", "admin123").await;

    // The orders list may run once at a time (its own reserved concurrency): with one invocation
    // held on a lock, a second is throttled with the template's INTEGRATION_FAILURE answer; without
    // the lock, both run.
    assert_eq!(
        pools.get("OrdersListFunction").map(|p| p.concurrency),
        Some(1)
    );
    let lock = TableLock::take(&db.owner_url, "orders").await;
    let first = {
        let (addr, token) = (app.addr, token.clone());
        tokio::spawn(async move {
            let auth = format!("Bearer {token}");
            try_request(
                addr,
                "GET",
                "/api/v1/orders/",
                &[("Authorization", &auth)],
                None,
            )
            .await
        })
    };
    lock.wait_for_a_waiter().await;
    let throttled = app.get("/api/v1/orders/", &token).await.expect(503);
    assert_eq!(
        throttled.header("x-amzn-errortype"),
        Some("INTEGRATION_FAILURE")
    );
    assert_eq!(throttled.header("retry-after"), Some("5"));
    assert!(throttled.body["detail"].is_string(), "{throttled:?}");
    lock.release().await;
    let first = first
        .await
        .expect("task")
        .expect("first request")
        .expect(200);
    from_function(&first, "the held request");
    app.get("/api/v1/orders/", &token).await.expect(200);

    // Past its Timeout the process is killed and API Gateway answers 502; the next request starts
    // a new process. (A function without reserved concurrency gets the configured 4.)
    app.get("/api/v1/companies-v2/", &token).await.expect(200);
    let lock = TableLock::take(&db.owner_url, "companies").await;
    let r = app.get("/api/v1/companies-v2/", &token).await.expect(502);
    assert_eq!(r.body, json!({"detail": "Internal server error"}));
    lock.release().await;
    let after = app.get("/api/v1/companies-v2/", &token).await.expect(200);
    from_function(&after, "after the timeout");
    let runs: Vec<_> = pools
        .reports()
        .into_iter()
        .filter(|r| r.function == "CompaniesListFunction")
        .collect();
    assert_eq!(
        runs.iter().map(|r| r.status).collect::<Vec<_>>(),
        [Status::Ok, Status::Timeout, Status::Ok]
    );
    assert_ne!(runs[1].pid, runs[2].pid, "a new process after the kill");
    assert!(runs[2].init_duration.is_some(), "which was a cold start");
    assert_eq!(
        pools.get("CompaniesListFunction").map(|p| p.concurrency),
        Some(4)
    );

    // Idle for longer than the idle timeout (1 s here), the warm processes are stopped.
    assert!(pools.idle_count("CompaniesListFunction") > 0);
    let mut waited = 0;
    while pools.idle_count("CompaniesListFunction") > 0 {
        assert!(waited < 300, "idle processes still running after 30 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }

    app.stop().await;
    db.stop().await;
    let _ = std::fs::remove_dir_all(root);
}
