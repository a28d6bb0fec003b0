//! Cold start without `DATABASE_URL`: a function that needs the database stops with a log line naming
//! the variable (rather than answering every request with a 500), and one that does not need it starts.
//! The real binaries run against testkit's fake Lambda Runtime API, as Lambda would start them.

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use testkit::event::{EventInput, rest_v1_event};
use testkit::runtime::{Pending, RuntimeApi};

const KEY: &str = "cold-start-test-secret-key-0123456789abcdef0123";

/// A Runtime API for `function` with one `GET path` invocation queued.
async fn runtime(function: &str, path: &str) -> (RuntimeApi, Pending) {
    let mut api = RuntimeApi::start(function).await.unwrap();
    let event = rest_v1_event(&EventInput::new("GET", path));
    let pending = api.enqueue(event.to_string()).await;
    (api, pending)
}

fn without_database(api: &RuntimeApi, bin: &str) -> tokio::process::Command {
    let mut cmd = api.command(bin);
    cmd.env_remove("DATABASE_URL")
        .env_remove("APP_SECRET_ARN")
        .env("SECRET_KEY", KEY)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

#[tokio::test]
async fn a_function_that_needs_the_database_refuses_to_start_without_database_url() {
    let bin = env!("CARGO_BIN_EXE_health_db");
    let (api, _pending) = runtime("health_db", "/health/db").await;
    let (ok, text) = testkit::runtime::run_to_exit(&mut without_database(&api, bin))
        .await
        .expect("the function must stop at cold start, not wait for events");
    assert!(!ok, "must not start: {text}");
    assert!(
        text.contains("cold start failed") && text.contains("DATABASE_URL"),
        "the log names the variable: {text}"
    );
    let seen = api.requests().await;
    assert!(
        !seen.iter().any(|r| r.contains("/runtime/invocation/")),
        "it never asked for an event: {seen:?}"
    );
}

#[tokio::test]
async fn a_function_without_a_database_starts_without_database_url() {
    let bin = env!("CARGO_BIN_EXE_health_get");
    let (api, pending) = runtime("health_get", "/health").await;
    let mut child = without_database(&api, bin).spawn().unwrap();
    let posted = tokio::time::timeout(Duration::from_secs(60), pending.outcome())
        .await
        .expect("timed out waiting for the function")
        .expect("the Runtime API is still running");
    let _ = child.start_kill();
    assert!(posted.ok, "an /error post: {:?}", posted.json());
    let resp: Value = posted.json().expect("a JSON response");
    assert_eq!(resp["statusCode"], 200, "{resp}");
}
