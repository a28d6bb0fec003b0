//! Plumbing: health, CORS, event shapes, stage prefixes, panics and broken connections.

use serde_json::json;
use shared::http::{Endpoint, Handler, Sizing};

use crate::helpers::{Body, TestApp, connect};

#[tokio::test]
async fn health_endpoints() {
    let app = TestApp::spawn().await;
    let r = app.call("GET", "/", Body::None, None).await.expect(200);
    assert_eq!(r.body["status"], "ok");
    let r = app
        .call("GET", "/health", Body::None, None)
        .await
        .expect(200);
    assert_eq!(r.body, json!({"status": "healthy", "lambda": false}));
    let r = app
        .call("GET", "/health/db", Body::None, None)
        .await
        .expect(200);
    assert_eq!(r.body["database"], "connected");
}

#[tokio::test]
async fn health_db_reports_an_unreachable_database_with_200() {
    let port = testkit::pgembed::free_port().unwrap();
    let app = TestApp {
        ctx: shared::Ctx::new(
            crate::helpers::test_config(&[]),
            shared::db::Db::single(
                &format!("postgres://app_rw@127.0.0.1:{port}/nope"),
                &Default::default(),
            ),
        ),
        db_name: "none".into(),
    };
    let r = app
        .call("GET", "/health/db", Body::None, None)
        .await
        .expect(200);
    assert_eq!(r.body["status"], "unhealthy");
    assert!(
        !r.body.to_string().contains("127.0.0.1"),
        "no internals: {}",
        r.body
    );
}

#[tokio::test]
async fn cors_for_allowed_origins_and_preflight_without_auth() {
    let app = TestApp::spawn().await;
    let r = app
        .call_with_headers(
            "GET",
            "/health",
            Body::None,
            None,
            &[("origin", "http://localhost:5173")],
        )
        .await
        .expect(200);
    assert_eq!(
        r.headers.get("access-control-allow-origin").unwrap(),
        "http://localhost:5173"
    );
    let r = app
        .call_with_headers(
            "GET",
            "/health",
            Body::None,
            None,
            &[("origin", "https://evil.example")],
        )
        .await
        .expect(200);
    assert!(r.headers.get("access-control-allow-origin").is_none());
    // Preflight of an authenticated route: no token, no business code, CORS headers.
    let r = app
        .call_with_headers(
            "OPTIONS",
            "/api/v1/auth/me",
            Body::None,
            None,
            &[("origin", "http://localhost:3000")],
        )
        .await
        .expect(204);
    assert_eq!(
        r.headers.get("access-control-allow-origin").unwrap(),
        "http://localhost:3000"
    );
    assert!(r.headers.get("access-control-allow-methods").is_some());
    let allowed = r.headers["access-control-allow-headers"].to_str().unwrap();
    assert!(
        allowed.split(',').any(|h| h == "idempotency-key"),
        "{allowed}"
    );
    // Error answers carry CORS headers too.
    let r = app
        .call_with_headers(
            "GET",
            "/api/v1/auth/me",
            Body::None,
            None,
            &[("origin", "http://localhost:5173")],
        )
        .await
        .expect(401);
    assert_eq!(
        r.headers.get("access-control-allow-origin").unwrap(),
        "http://localhost:5173"
    );
    // What a browser app may read of an answer beyond the safelisted headers.
    assert_eq!(
        r.headers.get("access-control-expose-headers").unwrap(),
        "idempotent-replayed,retry-after"
    );
}

#[tokio::test]
async fn trailing_slash_either_way() {
    let app = TestApp::spawn().await;
    app.call("GET", "/health/", Body::None, None)
        .await
        .expect(200);
    let s = app.signup("Slash", "slashy").await;
    app.get("/api/v1/auth/me/", &s.token).await.expect(200);
}

#[tokio::test]
async fn http_api_v2_events_work_too() {
    let app = TestApp::spawn().await;
    let event = json!({
        "version": "2.0",
        "routeKey": "GET /prod/health",
        "rawPath": "/prod/health",
        "rawQueryString": "",
        "headers": {"origin": "http://localhost:5173"},
        "requestContext": {
            "accountId": "1", "apiId": "a", "domainName": "x", "domainPrefix": "x", "requestId": "v2-req",
            "routeKey": "GET /health", "stage": "prod", "time": "x", "timeEpoch": 0,
            "http": {"method": "GET", "path": "/prod/health", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "t"}
        },
        "isBase64Encoded": false
    });
    let req = testkit::event::to_request(&event).unwrap();
    let resp =
        shared::http::dispatch(&app.ctx, &functions::endpoints::health::get::ENDPOINT, req).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers().get("access-control-allow-origin").unwrap(),
        "http://localhost:5173"
    );
}

static PANICKING: Endpoint = Endpoint {
    id: "test_panics",
    method: "GET",
    path: "/panic",
    summary: "panics",
    tag: "test",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: Handler::Public(|_, _| Box::pin(async { panic!("secret internal detail") })),
};

#[tokio::test]
async fn a_panic_is_a_500_with_a_request_id_and_no_internals() {
    let app = TestApp::spawn().await;
    let event = testkit::event::rest_v1_event(&testkit::event::EventInput {
        request_id: "req-123",
        ..testkit::event::EventInput::new("GET", "/panic")
    });
    let req = testkit::event::to_request(&event).unwrap();
    let resp = shared::http::dispatch(&app.ctx, &PANICKING, req).await;
    assert_eq!(resp.status(), 500);
    let body: serde_json::Value = match resp.into_body() {
        lambda_http::Body::Text(t) => serde_json::from_str(&t).unwrap(),
        lambda_http::Body::Binary(b) => serde_json::from_slice(&b).unwrap(),
        _ => panic!("empty body"),
    };
    assert_eq!(body["detail"], "Internal server error");
    assert_eq!(body["request_id"], "req-123");
    assert!(!body.to_string().contains("secret internal detail"));
    // The "container" keeps serving.
    app.call("GET", "/health", Body::None, None)
        .await
        .expect(200);
}

#[tokio::test]
async fn a_killed_connection_is_reopened_for_the_next_request() {
    let app = TestApp::spawn_with(&[], true).await;
    let s = app.signup("Killed", "killme").await;
    app.get("/api/v1/auth/me", &s.token).await.expect(200);
    let admin = connect(&app.superuser_url()).await;
    let killed: i64 = admin
        .query_one(
            "select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity
              where datname = current_database() and usename = 'app_rw') t",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(killed, 1, "the function holds exactly one connection");
    // As in a thawed Lambda container: the next request comes after the connection sat idle.
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    app.get("/api/v1/auth/me", &s.token).await.expect(200);
    app.get("/api/v1/auth/me", &s.token).await.expect(200);
}

#[tokio::test]
async fn one_connection_per_container_in_lambda_mode() {
    let app = TestApp::spawn_with(&[], true).await;
    let s = app.signup("Single", "singleconn").await;
    for _ in 0..5 {
        app.get("/api/v1/auth/me", &s.token).await.expect(200);
    }
    let admin = connect(&app.superuser_url()).await;
    let n: i64 = admin
        .query_one(
            "select count(*) from pg_stat_activity where datname = current_database() and usename = 'app_rw'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 1);
}

#[tokio::test]
async fn database_tls_follows_the_url_sslmode() {
    let app = TestApp::spawn().await;
    let url = crate::helpers::pg().server.url("app_rw", &app.db_name);
    // The default (prefer) falls back to plain text on a server without TLS, as locally.
    shared::db::connect(&url)
        .await
        .expect("sslmode=prefer connects");
    // require, and libpq's verify modes read as it, insist on TLS: the local server offers none, so
    // the connection is refused, not downgraded. (shared/tests/db_tls.rs: a server with TLS.)
    for mode in ["require", "verify-ca", "verify-full"] {
        let Err(err) = shared::db::connect(&format!("{url}?sslmode={mode}")).await else {
            panic!("sslmode={mode} must refuse a server without TLS");
        };
        assert!(err.to_string().contains("connect"), "{mode}: {err}");
    }
}
