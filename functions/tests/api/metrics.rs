//! EMF metrics end to end: the real `health_get` binary, started as Lambda starts it, against
//! testkit's fake Runtime API; its stdout is what CloudWatch Logs would read.

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use testkit::event::{EventInput, rest_v1_event};
use testkit::runtime::RuntimeApi;

const KEY: &str = "metrics-test-secret-key-0123456789abcdef01234567";

/// Runs `health_get` with `env` for `invocations` requests of `GET /health`, each answered 200;
/// returns the request ids it was handed and every line it wrote to stdout.
async fn run(env: &[(&str, &str)], invocations: usize) -> (Vec<String>, Vec<String>) {
    run_with(env, invocations, false).await
}

/// As `run`; with `close_stdout` the read end of the function's stdout is closed at once, so every
/// write to it fails.
async fn run_with(
    env: &[(&str, &str)],
    invocations: usize,
    close_stdout: bool,
) -> (Vec<String>, Vec<String>) {
    let mut api = RuntimeApi::start("health_get").await.unwrap();
    let mut cmd = api.command(env!("CARGO_BIN_EXE_health_get"));
    cmd.env("SECRET_KEY", KEY)
        .env("LOG_LEVEL", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    if close_stdout {
        drop(child.stdout.take());
    }
    let mut ids = Vec::new();
    for _ in 0..invocations {
        let pending = api
            .enqueue(rest_v1_event(&EventInput::new("GET", "/health")).to_string())
            .await;
        ids.push(pending.request_id.clone());
        let posted = tokio::time::timeout(Duration::from_secs(60), pending.outcome())
            .await
            .expect("timed out waiting for the function")
            .expect("the Runtime API is still running");
        assert_eq!(posted.status(), Some(200), "{:?}", posted.json());
    }
    // The line is written before the answer is posted, so all of them are in the pipe by now.
    let _ = child.start_kill();
    let out = child.wait_with_output().await.unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    (ids, stdout.lines().map(str::to_string).collect())
}

fn emf_lines(lines: &[String]) -> Vec<Value> {
    lines
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v.get("_aws").is_some())
        .collect()
}

#[tokio::test]
async fn each_invocation_writes_one_emf_line_cold_then_warm() {
    let (ids, lines) = run(&[], 3).await;
    let emf = emf_lines(&lines);
    assert_eq!(emf.len(), 3, "one line per invocation: {lines:#?}");
    for (i, (doc, id)) in emf.iter().zip(&ids).enumerate() {
        assert_eq!(doc["ColdStart"], u8::from(i == 0), "{doc}");
        assert_eq!(doc["Endpoint"], "health_get");
        assert_eq!(doc["Status"], 200);
        assert_eq!(doc["RequestId"].as_str(), Some(id.as_str()));
        assert!(doc["Latency"].as_f64().is_some_and(|ms| ms >= 0.0), "{doc}");
        let directive = &doc["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "JMSK", "the default namespace");
        assert_eq!(directive["Dimensions"], serde_json::json!([["Endpoint"]]));
    }
    // The log lines are still there, as lines of their own.
    assert!(
        lines
            .iter()
            .any(|l| l.contains("request completed") && !l.contains("_aws")),
        "{lines:#?}"
    );
}

#[tokio::test]
async fn the_namespace_is_configurable_and_emf_can_be_turned_off() {
    let (_, lines) = run(&[("METRICS_NAMESPACE", "JMSK/staging")], 1).await;
    let emf = emf_lines(&lines);
    assert_eq!(emf.len(), 1, "{lines:#?}");
    assert_eq!(
        emf[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"],
        "JMSK/staging"
    );

    let (_, lines) = run(&[("EMF_METRICS", "off")], 2).await;
    assert!(emf_lines(&lines).is_empty(), "{lines:#?}");
    // Positive control: the same run logged its requests, so stdout was captured.
    assert!(
        lines
            .iter()
            .filter(|l| l.contains("request completed"))
            .count()
            == 2,
        "{lines:#?}"
    );
}

#[tokio::test]
async fn a_stdout_that_cannot_be_written_does_not_fail_the_request() {
    // `run_with` asserts a 200 for every invocation; the positive control is the first test, where
    // the same lines are written.
    let (ids, lines) = run_with(&[("EMF_METRICS", "on")], 2, true).await;
    assert_eq!(ids.len(), 2);
    assert!(lines.is_empty());
}
