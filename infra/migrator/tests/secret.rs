//! `MIGRATION_SECRET_ARN` end to end: the real `migrate` binary, started as Lambda starts it
//! (testkit's fake Runtime API), reads the schema owner's URL from a local stub of Secrets Manager's
//! `GetSecretValue`, and never the request functions' `APP_SECRET_ARN` secret. The stub answers only
//! a request SigV4-signed with the test's credentials (no session token here: the unsigned-token path).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use testkit::http1::{read_request, write_response};
use testkit::pgembed::PgServer;
use testkit::runtime::RuntimeApi;
use tokio::io::BufReader;
use tokio::net::TcpListener;

const MIGRATION_ARN: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:jmsk-migration";
const APP_ARN: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:jmsk-app";

const ACCESS_KEY_ID: &str = "AKIDSTUBSTUBSTUB";
const SECRET_ACCESS_KEY: &str = "stub-secret-access-key";

/// A stub answering every validly signed GetSecretValue with `secret_string` (anything else gets
/// AWS's 400 InvalidSignatureException); returns its address and the SecretIds asked for.
async fn stub(secret_string: String) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    let asked = Arc::new(Mutex::new(Vec::new()));
    let seen = asked.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let (secret_string, seen) = (secret_string.clone(), seen.clone());
            tokio::spawn(async move {
                let mut r = BufReader::new(sock);
                while let Ok(Some(req)) = read_request(&mut r).await {
                    let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
                    let id = body["SecretId"].as_str().unwrap_or_default().to_string();
                    let (status, answer) = match check_signature(&req) {
                        Ok(()) => {
                            seen.lock().unwrap().push(id.clone());
                            let answer =
                                json!({"ARN": id, "Name": "stub", "SecretString": secret_string});
                            (200, answer)
                        }
                        Err(why) => (
                            400,
                            json!({"__type": "InvalidSignatureException", "message": why}),
                        ),
                    };
                    let headers = [("content-type", "application/x-amz-json-1.1".to_string())];
                    let sent = write_response(
                        r.get_mut(),
                        status,
                        &headers,
                        answer.to_string().as_bytes(),
                    )
                    .await;
                    if sent.is_err() {
                        break;
                    }
                }
            });
        }
    });
    (addr, asked)
}

/// Secrets Manager's check: signed by the test's key for us-east-1 and secretsmanager, over the
/// operation, and without a session token, since the environment sets none.
fn check_signature(req: &testkit::http1::Request) -> Result<(), String> {
    testkit::http1::check_secrets_manager_signature(
        req,
        ACCESS_KEY_ID,
        SECRET_ACCESS_KEY,
        &["x-amz-target"],
    )?;
    if req.header("x-amz-security-token").is_some() {
        return Err("a session token, but AWS_SESSION_TOKEN is not set".into());
    }
    Ok(())
}

/// The `migrate` binary with both secrets configured, stale URLs in the environment and dummy
/// credentials.
fn migrate_process(api: &RuntimeApi, endpoint: &str) -> tokio::process::Command {
    let mut cmd = api.command(env!("CARGO_BIN_EXE_migrate"));
    cmd.env("MIGRATION_SECRET_ARN", MIGRATION_ARN)
        .env("APP_SECRET_ARN", APP_ARN)
        .env(
            "MIGRATION_DATABASE_URL",
            "postgres://stale-owner@127.0.0.1:1/x",
        )
        .env("DATABASE_URL", "postgres://app_rw@127.0.0.1:1/x")
        .env("AWS_ENDPOINT_URL_SECRETS_MANAGER", endpoint)
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

#[tokio::test]
async fn the_owners_url_comes_from_the_migration_secret() {
    let (server, _root) =
        PgServer::throwaway("migrator-secret-pg", &Default::default()).expect("start PostgreSQL");
    let (owner_url, _) = testkit::pgembed::bootstrap(&server, "migrator_secret")
        .await
        .unwrap();
    let (endpoint, asked) = stub(json!({"MIGRATION_DATABASE_URL": owner_url}).to_string()).await;
    let mut api = RuntimeApi::start("migrate").await.unwrap();
    let pending = api.enqueue(json!({"action": "status"}).to_string()).await;
    let mut child = migrate_process(&api, &endpoint).spawn().unwrap();
    let posted = tokio::time::timeout(Duration::from_secs(60), pending.outcome())
        .await
        .expect("timed out waiting for the function")
        .expect("the Runtime API is still running");
    let _ = child.start_kill();
    // Only the secret's URL reaches a database: both in the environment point at port 1.
    assert!(posted.ok, "{:?}", String::from_utf8_lossy(&posted.body));
    let out = posted.json().unwrap();
    assert_eq!(out["action"], "status");
    assert_eq!(
        out["pending"].as_array().map(Vec::len),
        Some(shared::migrate::MIGRATIONS.len()),
        "{out}"
    );
    assert_eq!(
        *asked.lock().unwrap(),
        [MIGRATION_ARN],
        "APP_SECRET_ARN is never read"
    );
    server.stop();
}

#[tokio::test]
async fn a_migration_secret_without_the_owners_url_stops_the_cold_start() {
    // What an app secret holds: no MIGRATION_DATABASE_URL.
    let app_like = json!({"DATABASE_URL": "postgres://app_rw:rw-pw@db/jmsk", "SECRET_KEY": "k"});
    let (endpoint, _) = stub(app_like.to_string()).await;
    let api = RuntimeApi::start("migrate").await.unwrap();
    let (ok, text) = testkit::runtime::run_to_exit(&mut migrate_process(&api, &endpoint))
        .await
        .expect("the function must stop at cold start");
    assert!(!ok, "{text}");
    assert!(
        text.contains("MIGRATION_SECRET_ARN")
            && text.contains("lacks the key MIGRATION_DATABASE_URL")
            && text.contains(MIGRATION_ARN),
        "{text}"
    );
    assert!(!text.contains("rw-pw"), "no values in the error: {text}");
    let seen = api.requests().await;
    assert!(
        !seen.iter().any(|r| r.contains("/runtime/invocation/")),
        "it never asked for an event: {seen:?}"
    );
}
