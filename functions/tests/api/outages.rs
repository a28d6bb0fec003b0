//! A database that is down, restarting, killing our backend, too slow or stalled: the answer is a 503
//! with `Retry-After` and a string `detail` (never a 500, never a hang past the deadline), nothing of
//! the request is written, the broken connection is thrown away (Lambda's single one as much as a
//! pooled one), and the next request after recovery succeeds on the same context.
//!
//! The shared test server is never stopped: each test reaches its database through its own
//! [`Proxy`], or breaks only its own backend (`pg_terminate_backend`, a lock held by the owner).

use std::time::{Duration, Instant};

use serde_json::json;
use shared::error::COMMIT_UNKNOWN_DETAIL;
use tokio_postgres::Client;

use crate::helpers::{Body, Resp, TestApp, connect};
use crate::tcp_proxy::Mode;

/// The request must answer within `within`; a hang fails the test instead of blocking it.
async fn answered_within(
    within: Duration,
    request: impl Future<Output = Resp>,
) -> (Resp, Duration) {
    let started = Instant::now();
    let r = tokio::time::timeout(within, request)
        .await
        .unwrap_or_else(|_| panic!("no answer within {within:?}: the request hangs"));
    (r, started.elapsed())
}

#[track_caller]
fn assert_unavailable(r: Resp) {
    let r = r.expect(503);
    assert!(!r.detail().is_empty());
    assert_ne!(
        r.detail(),
        COMMIT_UNKNOWN_DETAIL,
        "a failure before the commit is a definite 'not saved'"
    );
    assert_clean_503(&r);
}

/// No internals in the answer, and a `Retry-After` in seconds.
#[track_caller]
fn assert_clean_503(r: &Resp) {
    assert!(
        !r.detail().contains("127.0.0.1") && !r.body.to_string().contains("postgres"),
        "no internals: {}",
        r.body
    );
    let retry = r
        .headers
        .get("retry-after")
        .unwrap_or_else(|| panic!("503 without Retry-After: {:?}", r.headers));
    assert!(
        retry.to_str().unwrap().parse::<u32>().is_ok(),
        "Retry-After is a number of seconds: {retry:?}"
    );
}

async fn count(app: &TestApp, table: &str) -> i64 {
    connect(&app.owner_url())
        .await
        .query_one(&format!("select count(*) from {table}"), &[])
        .await
        .unwrap()
        .get(0)
}

/// Close the app's backends from the server side, as a restarting server does.
async fn terminate_backends(app: &TestApp) {
    connect(&app.superuser_url())
        .await
        .execute(
            "select pg_terminate_backend(pid) from pg_stat_activity
              where datname = current_database() and usename = 'app_rw'",
            &[],
        )
        .await
        .unwrap();
    // Let the client side see the closed socket.
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// The pids of the app's backends.
async fn backends(admin: &Client) -> Vec<i32> {
    admin
        .query(
            "select pid from pg_stat_activity where datname = current_database() and usename = 'app_rw'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// The pid of the app's backend once it waits for a lock.
async fn lock_waiter(admin: &Client) -> i32 {
    for _ in 0..500 {
        let rows = admin
            .query(
                "select pid from pg_stat_activity where datname = current_database()
                   and usename = 'app_rw' and wait_event_type = 'Lock'",
                &[],
            )
            .await
            .unwrap();
        if let Some(row) = rows.first() {
            return row.get(0);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the request never waited for the lock");
}

#[tokio::test]
async fn a_database_that_refuses_connections_is_503_and_the_next_request_after_recovery_succeeds() {
    for single in [true, false] {
        let (app, proxy) = TestApp::spawn_behind_proxy(&[], single).await;
        let s = app.signup("Down", "downuser").await;
        let companies = count(&app, "companies").await;

        proxy.set(Mode::Refuse);
        terminate_backends(&app).await;
        let r = app.get("/api/v1/auth/me", &s.token).await;
        assert_unavailable(r);
        // Unauthenticated requests that reach the database too.
        assert_unavailable(app.try_login("downuser", "password123").await);
        let r = app
            .post("/api/v1/companies-v2/", json!({"name": "Lost"}), &s.token)
            .await;
        assert_unavailable(r);
        // The readiness probe stays 200, reporting the outage.
        let r = app
            .call("GET", "/health/db", Body::None, None)
            .await
            .expect(200);
        assert_eq!(r.body["status"], "unhealthy", "single: {single}");

        // Recovery, on the same context: no restart.
        proxy.set(Mode::Forward);
        app.get("/api/v1/auth/me", &s.token).await.expect(200);
        app.post("/api/v1/companies-v2/", json!({"name": "Kept"}), &s.token)
            .await
            .expect(200);
        assert_eq!(
            count(&app, "companies").await,
            companies + 1,
            "only the company made after recovery (single: {single})"
        );
    }
}

#[tokio::test]
async fn a_backend_terminated_mid_request_is_503_writes_nothing_and_is_replaced() {
    for single in [true, false] {
        let app = TestApp::spawn_with(&[], single).await;
        let s = app.signup("Killed Mid", "killedmid").await;
        let companies = count(&app, "companies").await;
        // The owner holds the table, so the request's insert waits; then its backend is terminated
        // (admin_shutdown, 57P01, what a restarting server sends).
        let mut owner = connect(&app.owner_url()).await;
        let lock = owner.transaction().await.unwrap();
        lock.batch_execute("lock table companies in access exclusive mode")
            .await
            .unwrap();
        let admin = connect(&app.superuser_url()).await;
        let (r, killed) = tokio::join!(
            answered_within(
                Duration::from_secs(10),
                app.post("/api/v1/companies-v2/", json!({"name": "Half"}), &s.token)
            ),
            async {
                let pid = lock_waiter(&admin).await;
                admin
                    .query_one("select pg_terminate_backend($1)", &[&pid])
                    .await
                    .unwrap()
                    .get::<_, bool>(0)
            }
        );
        assert!(killed);
        assert_unavailable(r.0);
        lock.rollback().await.unwrap();

        app.post("/api/v1/companies-v2/", json!({"name": "Whole"}), &s.token)
            .await
            .expect(200);
        assert_eq!(
            count(&app, "companies").await,
            companies + 1,
            "nothing of the terminated request (single: {single})"
        );
    }
}

#[tokio::test]
async fn a_statement_past_the_statement_timeout_is_503_and_the_next_request_succeeds() {
    let config = [
        ("DATABASE_STATEMENT_TIMEOUT_MS", "200"),
        ("DATABASE_REQUEST_TIMEOUT_MS", "5000"),
    ];
    for single in [true, false] {
        let app = TestApp::spawn_with(&config, single).await;
        let s = app.signup("Slow", "slowuser").await;
        // Positive control: the list answers while nothing holds its table.
        app.get("/api/v1/companies-v2/", &s.token).await.expect(200);

        let mut owner = connect(&app.owner_url()).await;
        let lock = owner.transaction().await.unwrap();
        lock.batch_execute("lock table companies in access exclusive mode")
            .await
            .unwrap();
        let (r, took) = answered_within(
            Duration::from_secs(4),
            app.get("/api/v1/companies-v2/", &s.token),
        )
        .await;
        assert_unavailable(r);
        assert!(
            took < Duration::from_millis(2000),
            "the statement timeout (200 ms) ends the wait, not the request deadline: {took:?}"
        );
        lock.rollback().await.unwrap();
        app.get("/api/v1/companies-v2/", &s.token).await.expect(200);
    }
}

#[tokio::test]
async fn a_connection_lost_while_committing_is_503_saying_the_change_may_be_saved() {
    for single in [true, false] {
        let (app, proxy) = TestApp::spawn_behind_proxy(&[], single).await;
        let s = app.signup("Cut Commit", "cutcommit").await;
        let companies = count(&app, "companies").await;

        // The server gets the COMMIT and commits; its answer never arrives.
        proxy.set(Mode::CutAtCommit);
        let (r, _) = answered_within(
            Duration::from_secs(10),
            app.post("/api/v1/companies-v2/", json!({"name": "Sent"}), &s.token),
        )
        .await;
        let r = r.expect(503);
        assert_eq!(r.detail(), COMMIT_UNKNOWN_DETAIL, "single: {single}");
        assert_clean_503(&r);
        proxy.set(Mode::Forward);
        assert_eq!(
            count(&app, "companies").await,
            companies + 1,
            "the commit went through, as the answer allowed (single: {single})"
        );

        // A read has its answer before its COMMIT goes out (it is not waited for), so cut there
        // it still answers 200. The COMMIT leaves with the connection's next statements, which
        // the cut then fails: a plain 503 (a read: nothing half-known), safe to retry.
        proxy.set(Mode::CutAtCommit);
        app.get("/api/v1/companies-v2/", &s.token).await.expect(200);
        assert_unavailable(app.get("/api/v1/companies-v2/", &s.token).await);
        proxy.set(Mode::Forward);
        app.get("/api/v1/companies-v2/", &s.token).await.expect(200);
    }
}

#[tokio::test]
async fn a_stalled_database_is_503_within_the_request_deadline_and_its_connection_is_dropped() {
    let config = [("DATABASE_REQUEST_TIMEOUT_MS", "1000")];
    for single in [true, false] {
        let (app, proxy) = TestApp::spawn_behind_proxy(&config, single).await;
        let s = app.signup("Stalled", "stalled").await;
        app.get("/api/v1/auth/me", &s.token).await.expect(200);
        let admin = connect(&app.superuser_url()).await;
        let stalled = backends(&admin).await;
        assert_eq!(
            stalled.len(),
            1,
            "requests one after another use one connection"
        );

        // As under SIGSTOP: the socket stays open, nothing answers.
        proxy.set(Mode::Freeze);
        let (r, took) =
            answered_within(Duration::from_secs(5), app.get("/api/v1/auth/me", &s.token)).await;
        assert_unavailable(r);
        assert!(
            took >= Duration::from_millis(900) && took < Duration::from_millis(2500),
            "answered at the 1 s deadline: {took:?} (single: {single})"
        );
        let (r, took) = answered_within(
            Duration::from_secs(5),
            app.call("GET", "/health/db", Body::None, None),
        )
        .await;
        assert_eq!(r.expect(200).body["status"], "unhealthy");
        assert!(took < Duration::from_millis(2500), "{took:?}");

        // Thawed: the next request works on a new connection, not on the stalled one.
        proxy.set(Mode::Forward);
        app.get("/api/v1/auth/me", &s.token).await.expect(200);
        let mut gone = false;
        for _ in 0..200 {
            if !backends(&admin).await.contains(&stalled[0]) {
                gone = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(gone, "the stalled connection was kept (single: {single})");
    }
}
