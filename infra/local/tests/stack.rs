//! The local stack end to end over real TCP: `local::serve` starts its own PostgreSQL in a temporary
//! directory, migrates, seeds the demo tenant and serves every route; a tiny HTTP/1.1 client talks to
//! it. Then the stack is stopped (PostgreSQL included) and served again from the same directory,
//! this time through the `DATABASE_URL` path, to show the data and the seed survive.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use local::{Database, DatabaseSource, ServeOptions};
use serde_json::json;
use shared::config::Config;
use testkit::client::{Resp, try_request};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const ORIGIN: &str = "http://localhost:5173";

fn config() -> Config {
    // Local defaults (CORS origins included); only bcrypt is made cheap.
    let map: HashMap<&str, &str> = [("APP_ENV", "local"), ("BCRYPT_COST", "4")].into();
    Config::from_lookup(|k| map.get(k).map(|v| v.to_string())).expect("config")
}

struct Running {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), String>>,
}

async fn start(database: DatabaseSource) -> Running {
    let port = testkit::pgembed::free_port().expect("free port");
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let (stop, stopped) = oneshot::channel::<()>();
    let opts = ServeOptions {
        config: config(),
        database,
        addr,
        pool_size: 4,
        seed: true,
    };
    let task = tokio::spawn(async move {
        local::serve(opts, async {
            let _ = stopped.await;
        })
        .await
        .map_err(|e| e.to_string())
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if task.is_finished() {
            let out = task.await.expect("serve task");
            panic!("the stack stopped during start-up: {out:?}");
        }
        if let Ok(r) = try_request(addr, "GET", "/health", &[], None).await
            && r.status == 200
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the stack did not come up in 120 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Running { addr, stop, task }
}

async fn shut_down(running: Running) {
    let _ = running.stop.send(());
    let out = tokio::time::timeout(Duration::from_secs(30), running.task)
        .await
        .expect("the stack stops within 30 s")
        .expect("serve task");
    assert_eq!(out, Ok(()));
    assert!(
        TcpStream::connect(running.addr).await.is_err(),
        "the HTTP port is closed after shutdown"
    );
}

async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<(&str, Vec<u8>)>,
) -> Resp {
    try_request(addr, method, path, headers, body)
        .await
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

async fn get(addr: SocketAddr, path: &str, token: &str) -> Resp {
    let auth = format!("Bearer {token}");
    request(addr, "GET", path, &[("Authorization", &auth)], None).await
}

/// Log in as the React app does: a form body.
async fn login(addr: SocketAddr, username: &str, password: &str) -> String {
    let form = format!("username={username}&password={password}&remember_me=false");
    let r = request(
        addr,
        "POST",
        "/api/v1/auth/login",
        &[("Origin", ORIGIN)],
        Some(("application/x-www-form-urlencoded", form.into_bytes())),
    )
    .await
    .expect(200);
    assert_eq!(r.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(r.body["token_type"], "bearer");
    r.body["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

fn postmaster_running(dir: &Path) -> bool {
    dir.join("data").join("postmaster.pid").exists()
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("jmsk-local-stack-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_stack_serves_every_route_over_tcp_and_stops_cleanly() {
    testkit::init_tracing();
    let root = temp_dir();
    let pg_dir = root.join("pg");

    // First run: a fresh embedded PostgreSQL, migrated and seeded.
    let app = start(DatabaseSource::Embedded {
        dir: pg_dir.clone(),
        port: None,
    })
    .await;
    let addr = app.addr;
    assert!(postmaster_running(&pg_dir));

    // Health, with and without the trailing slash.
    for path in ["/health", "/health/"] {
        let r = request(addr, "GET", path, &[], None).await.expect(200);
        assert_eq!(r.body["status"], "healthy");
    }

    // Unknown path: 404 in the API's error shape, with CORS headers for an allowed origin.
    let r = request(
        addr,
        "GET",
        "/api/v1/nothing-here",
        &[("Origin", ORIGIN)],
        None,
    )
    .await
    .expect(404);
    assert_eq!(r.body, json!({"detail": "Not Found"}));
    assert_eq!(r.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(r.header("content-type"), Some("application/json"));

    // Known path, wrong method: 405.
    let r = request(
        addr,
        "DELETE",
        "/api/v1/auth/login",
        &[("Origin", ORIGIN)],
        None,
    )
    .await
    .expect(405);
    assert_eq!(r.body, json!({"detail": "Method Not Allowed"}));
    assert_eq!(r.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(r.header("allow"), Some("POST, OPTIONS"));

    // CORS preflight from the React dev server (for a GET-only route), and from a stranger.
    let preflight = [
        ("Origin", ORIGIN),
        ("Access-Control-Request-Method", "GET"),
        ("Access-Control-Request-Headers", "authorization"),
    ];
    let r = request(addr, "OPTIONS", "/api/v1/auth/me", &preflight, None).await;
    assert!(r.status == 200 || r.status == 204, "preflight: {r:?}");
    assert_eq!(r.header("access-control-allow-origin"), Some(ORIGIN));
    assert!(
        r.header("access-control-allow-methods")
            .is_some_and(|m| m.contains("GET")),
        "{r:?}"
    );
    assert!(
        r.header("access-control-allow-headers")
            .is_some_and(|h| h.contains("authorization")),
        "{r:?}"
    );
    let r = request(
        addr,
        "OPTIONS",
        "/api/v1/auth/me",
        &[("Origin", "http://evil.example")],
        None,
    )
    .await;
    assert_eq!(r.header("access-control-allow-origin"), None);
    request(addr, "OPTIONS", "/api/v1/nothing-here", &preflight, None)
        .await
        .expect(404);

    // Sign-up, form login, /auth/me.
    let r = request(
        addr,
        "POST",
        "/api/v1/auth/register",
        &[("Origin", ORIGIN)],
        Some((
            "application/json",
            json!({"username": "Ada", "password": "password123", "full_name": "Ada Lovelace",
                   "tenant_name": "Ada Gold Works"})
            .to_string()
            .into_bytes(),
        )),
    )
    .await
    .expect(200);
    assert_eq!(r.body["username"], "ada");
    let token = login(addr, "ada", "password123").await;
    let me = get(addr, "/api/v1/auth/me", &token).await.expect(200);
    assert_eq!(me.body["role"], "admin");
    assert_eq!(me.body["username"], "ada");
    assert!(me.body["tenant_id"].is_i64());

    // Query strings reach the handler; the peer address is the client IP.
    let r = get(addr, "/api/v1/auth/login-history?limit=0", &token)
        .await
        .expect(422);
    assert!(r.body["detail"].is_string());
    let r = get(addr, "/api/v1/auth/login-history?limit=1", &token)
        .await
        .expect(200);
    let history = r.body["history"].as_array().expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["ip_address"], "127.0.0.1");
    assert_eq!(history[0]["user_agent"], "local-stack-test");

    // No token: 401 with a string detail (and CORS headers, so the browser can read it).
    let r = request(addr, "GET", "/api/v1/auth/me", &[("Origin", ORIGIN)], None)
        .await
        .expect(401);
    assert!(r.body["detail"].is_string());
    assert_eq!(r.header("access-control-allow-origin"), Some(ORIGIN));

    // Oversized body: 413, decided by dispatch as in Lambda; the whole upload is read first, so the
    // client gets the answer rather than a reset, and the connection is closed after it.
    let big = vec![b'a'; shared::http::call::MAX_BODY_BYTES + 300_000];
    let r = request(
        addr,
        "POST",
        "/api/v1/auth/register",
        &[],
        Some(("application/json", big)),
    )
    .await
    .expect(413);
    assert!(
        r.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("larger"))
    );
    assert_eq!(r.header("connection"), Some("close"));
    // A request head past API Gateway's 10 KiB: 414 for the URI, 431 for headers, each with a
    // detail; just under it, a normal answer. (Past 64 KiB hyper's parser answers 414 itself,
    // without a body.)
    let long = format!("/health?pad={}", "x".repeat(60_000));
    let r = request(addr, "GET", &long, &[], None).await.expect(414);
    assert_eq!(r.body["detail"], "Request URI too long");
    let cookie = "c".repeat(11 * 1024);
    let r = request(addr, "GET", "/health", &[("X-Big", &cookie)], None)
        .await
        .expect(431);
    assert_eq!(r.body["detail"], "Request header fields too large");
    let fits = format!("/health?pad={}", "x".repeat(9_000));
    request(addr, "GET", &fits, &[], None).await.expect(200);

    // The demo tenant and its logins.
    let mut tenant = None;
    for (user, password, role) in [
        ("admin", "admin123", "admin"),
        ("manager", "manager123", "manager"),
        ("staff", "staff1234", "staff"),
    ] {
        let token = login(addr, user, password).await;
        let me = get(addr, "/api/v1/auth/me", &token).await.expect(200);
        assert_eq!(me.body["role"], role, "{user}");
        let t = me.body["tenant_id"].as_i64();
        assert!(
            tenant.is_none() || tenant == t,
            "demo users share one tenant"
        );
        tenant = t;
    }
    assert_ne!(tenant, me.body["tenant_id"].as_i64());
    // Its demo orders, newest first, numbered from the tenant's counter, and the one shipment.
    let staff = login(addr, "staff", "staff1234").await;
    let orders = get(addr, "/api/v1/orders/", &staff).await.expect(200);
    let t = tenant.unwrap();
    let numbers: Vec<&str> = orders
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["order_number"].as_str().unwrap())
        .collect();
    assert_eq!(
        numbers,
        [3, 2, 1].map(|n| format!("ORD-{t}-{n:06}")),
        "{}",
        orders.body
    );
    assert_eq!(
        orders.body[2]["price"],
        json!(3300.0),
        "the sum of its line items' prices"
    );
    let shipments = get(addr, "/api/v1/shipments/", &staff).await.expect(200);
    assert_eq!(shipments.body.as_array().unwrap().len(), 1);
    assert_eq!(shipments.body[0]["order_number"], numbers[1]);
    // Its ledger: the 18K band cast for the first order consumed 30 g × 0.75 of the 100 g its
    // company deposited.
    let ledger = get(addr, "/api/v1/department-ledger/", &staff)
        .await
        .expect(200);
    assert_eq!(ledger.body.as_array().unwrap().len(), 9, "{}", ledger.body);
    let company = orders.body[2]["company_id"].as_i64().unwrap();
    let balances = get(
        addr,
        &format!("/api/v1/companies/{company}/metal-balances"),
        &staff,
    )
    .await
    .expect(200);
    assert_eq!(balances.body[0]["metal_code"], "GOLD_18K");
    assert_eq!(balances.body[0]["balance_grams"], json!(77.5));
    // Every gram of the demo is accounted for: the safe gave 22.5 g of 18K and 23.75 g of platinum
    // to casting, and the bracelet's 24.4 g left with its shipment.
    let admin = login(addr, "admin", "admin123").await;
    let report = get(addr, "/api/v1/reports/metal-reconciliation", &admin)
        .await
        .expect(200);
    let metals = report.body["metals"].as_array().unwrap();
    let codes: Vec<&str> = metals
        .iter()
        .map(|m| m["metal_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["GOLD_18K", "PLATINUM"], "{}", report.body);
    for m in metals {
        assert_eq!(m["unexplained_fine_grams"], json!(0.0), "{m}");
    }
    assert_eq!(metals[0]["safe_fine_grams"], json!(277.5));
    assert_eq!(metals[1]["shipped_fine_grams"], json!(23.18));

    // The demo's rows are in the audit trail as the seed's, made by no user.
    let trail = get(
        addr,
        "/api/v1/audit/?entity_type=company&limit=1000",
        &admin,
    )
    .await
    .expect(200);
    let seeded: Vec<&serde_json::Value> = trail
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["endpoint"] == "local_seed")
        .collect();
    assert!(!seeded.is_empty(), "{}", trail.body);
    assert!(
        seeded.iter().all(|e| e["action"] == "create"
            && e["user_id"].is_null()
            && e["request_id"] == "seed"),
        "{seeded:?}"
    );

    // Stop: HTTP server and PostgreSQL.
    shut_down(app).await;
    assert!(
        !postmaster_running(&pg_dir),
        "PostgreSQL stopped with the stack"
    );

    // Second run from the same directory, through the DATABASE_URL path (the embedded server is
    // started here, the stack only gets URLs): data persisted, the seed is a no-op, the database
    // is left running for its owner.
    let db = Database::open(&DatabaseSource::Embedded {
        dir: pg_dir.clone(),
        port: None,
    })
    .await
    .expect("reopen the embedded database");
    let app = start(DatabaseSource::External {
        url: db.runtime_url.clone(),
        migration_url: Some(db.owner_url.clone()),
    })
    .await;
    let token = login(app.addr, "ada", "password123").await;
    get(app.addr, "/api/v1/auth/me", &token).await.expect(200);
    login(app.addr, "admin", "admin123").await;
    shut_down(app).await;
    assert!(
        postmaster_running(&pg_dir),
        "an external database is not stopped by the stack"
    );
    // The seed is idempotent: the demo tenant is recognised, nothing is added.
    let ctx = shared::Ctx::new(
        config(),
        shared::db::Db::single(&db.runtime_url, &config().database_timeouts),
    );
    let report = shared::app::seed::seed_demo(&ctx).await.expect("seed");
    assert!(
        matches!(report, shared::app::seed::SeedReport::AlreadySeeded),
        "{report}"
    );
    drop(ctx);
    db.stop().await;
    assert!(!postmaster_running(&pg_dir));
    let _ = std::fs::remove_dir_all(&root);
}
