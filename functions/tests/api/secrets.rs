//! `APP_SECRET_ARN` end to end: the real `health_db` Lambda binary runs as a child process against a
//! local stub of the Secrets Manager JSON protocol (`secretsmanager.GetSecretValue`) and against
//! testkit's fake Lambda Runtime API. The binary is pointed at the stub with
//! `AWS_ENDPOINT_URL_SECRETS_MANAGER` (or `AWS_ENDPOINT_URL`) and gets dummy credentials from the
//! environment; the stub checks the request's SigV4 signature with them, as Secrets Manager would, and
//! refuses a wrong one: AWS itself is never contacted.

use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use testkit::event::{EventInput, rest_v1_event};
use testkit::http1::{Request, read_request, write_response};
use testkit::runtime::{Pending, RuntimeApi};
use tokio::io::{AsyncRead, AsyncWrite, BufReader};
use tokio::net::TcpListener;
use tokio::process::Command;
use tokio::sync::mpsc;

use crate::helpers::{TestApp, pg};

const ARN: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:jmsk-test-app-AbCdEf";
const KEY: &str = "e2e-secret-key-from-secrets-manager-0123456789";
const REQUEST_ID: &str = "e2e-request-1";
const ACCESS_KEY_ID: &str = "AKIDSTUBSTUBSTUB";
const SECRET_ACCESS_KEY: &str = "stub-secret-access-key";
const SESSION_TOKEN: &str = "stub-session-token";

struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
}

type Router = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

/// A tiny HTTP/1.1 server on 127.0.0.1:0 (HTTPS with `tls`). Every request is also sent to the
/// returned channel.
async fn stub_with(
    router: Router,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> (SocketAddr, mpsc::UnboundedReceiver<Request>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let (router, tx, tls) = (router.clone(), tx.clone(), tls.clone());
            tokio::spawn(async move {
                let _ = match tls {
                    None => serve_conn(sock, router, tx).await,
                    Some(acceptor) => match acceptor.accept(sock).await {
                        Ok(tls_sock) => serve_conn(tls_sock, router, tx).await,
                        Err(_) => Ok(()),
                    },
                };
            });
        }
    });
    (addr, rx)
}

async fn stub(router: Router) -> (SocketAddr, mpsc::UnboundedReceiver<Request>) {
    stub_with(router, None).await
}

async fn serve_conn<S: AsyncRead + AsyncWrite + Unpin>(
    sock: S,
    router: Router,
    tx: mpsc::UnboundedSender<Request>,
) -> std::io::Result<()> {
    let mut r = BufReader::new(sock);
    while let Some(req) = read_request(&mut r).await? {
        let reply = router(&req);
        let _ = tx.send(req);
        write_response(
            r.get_mut(),
            reply.status,
            &reply.headers,
            reply.body.as_bytes(),
        )
        .await?;
    }
    Ok(())
}

fn json_reply(status: u16, body: Value, extra: &[(&'static str, &str)]) -> Reply {
    let mut headers = vec![("content-type", "application/x-amz-json-1.1".to_string())];
    headers.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    Reply {
        status,
        headers,
        body: body.to_string(),
    }
}

/// What Secrets Manager checks before it reads a request: a SigV4 signature by the test's
/// credentials, scoped to us-east-1 and secretsmanager, over (at least) the operation and the session
/// token. `Ok` gives the signed header names.
fn check_signature(req: &Request) -> Result<Vec<String>, String> {
    let signed = testkit::http1::check_secrets_manager_signature(
        req,
        ACCESS_KEY_ID,
        SECRET_ACCESS_KEY,
        &["x-amz-target", "x-amz-security-token", "content-type"],
    )?;
    if req.header("x-amz-security-token") != Some(SESSION_TOKEN) {
        return Err("not the session token".into());
    }
    Ok(signed)
}

/// Answers GetSecretValue with `secret` (or a 400 ResourceNotFoundException when `None`), once the
/// signature is checked; a bad one gets AWS's 400 InvalidSignatureException.
fn router(secret: Option<String>) -> Router {
    Arc::new(move |req: &Request| {
        if req.header("x-amz-target") != Some("secretsmanager.GetSecretValue") {
            return json_reply(404, json!({"__type": "UnknownOperationException"}), &[]);
        }
        if let Err(why) = check_signature(req) {
            return json_reply(
                400,
                json!({"__type": "InvalidSignatureException",
                       "message": format!("The request signature we calculated does not match the signature you provided ({why}).")}),
                &[("x-amzn-errortype", "InvalidSignatureException")],
            );
        }
        match &secret {
            Some(s) => json_reply(
                200,
                json!({"ARN": ARN, "Name": "jmsk-test-app", "VersionId": "v1", "SecretString": s}),
                &[],
            ),
            None => json_reply(
                400,
                json!({"__type": "ResourceNotFoundException",
                       "Message": "Secrets Manager can't find the specified secret."}),
                &[("x-amzn-errortype", "ResourceNotFoundException")],
            ),
        }
    })
}

/// A Runtime API with one `GET /health/db` invocation queued.
async fn runtime() -> (RuntimeApi, Pending) {
    let mut api = RuntimeApi::start("health_db").await.unwrap();
    let event = rest_v1_event(&EventInput {
        request_id: REQUEST_ID,
        ..EventInput::new("GET", "/health/db")
    });
    let pending = api.enqueue(event.to_string()).await;
    (api, pending)
}

/// The `health_db` binary as Lambda would start it, plus `APP_SECRET_ARN`, dummy credentials,
/// `endpoint_var` = `endpoint` (which variable points the binary at the stub) and `extra`.
fn lambda_process(
    api: &RuntimeApi,
    endpoint_var: &str,
    endpoint: &str,
    extra: &[(&str, &str)],
) -> Command {
    let mut cmd = api.command(env!("CARGO_BIN_EXE_health_db"));
    cmd.env("APP_SECRET_ARN", ARN)
        .env(endpoint_var, endpoint)
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
        .env("AWS_SESSION_TOKEN", SESSION_TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd
}

async fn next_matching(
    rx: &mut mpsc::UnboundedReceiver<Request>,
    pred: impl Fn(&Request) -> bool,
) -> Request {
    tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let seen = rx.recv().await.expect("stub channel closed");
            if pred(&seen) {
                return seen;
            }
        }
    })
    .await
    .expect("timed out waiting for the function")
}

/// Runs the binary until it exits (cold-start failures) and returns its combined output.
async fn run_to_exit(api: &RuntimeApi, endpoint_var: &str, stub: SocketAddr) -> (bool, String) {
    run_cmd_to_exit(lambda_process(
        api,
        endpoint_var,
        &format!("http://{stub}"),
        &[],
    ))
    .await
}

async fn run_cmd_to_exit(mut cmd: Command) -> (bool, String) {
    testkit::runtime::run_to_exit(&mut cmd)
        .await
        .expect("the function must stop at cold start, not hang")
}

#[tokio::test]
async fn secret_values_configure_the_function() {
    let app = TestApp::spawn().await;
    let url = pg().server.url("app_rw", &app.db_name);
    let secret = json!({"DATABASE_URL": url, "SECRET_KEY": KEY}).to_string();
    let (addr, mut rx) = stub(router(Some(secret))).await;
    let (api, pending) = runtime().await;
    let request_id = pending.request_id.clone();
    // A stale plaintext DATABASE_URL in the environment: the secret must win over it. SECRET_KEY is
    // absent from the environment, and inside Lambda a missing key refuses to start, so a start at all
    // proves the secret's key was used.
    let mut child = lambda_process(
        &api,
        "AWS_ENDPOINT_URL_SECRETS_MANAGER",
        &format!("http://{addr}"),
        &[("DATABASE_URL", "postgres://stale@127.0.0.1:1/nothing")],
    )
    .spawn()
    .expect("spawn health_db");

    let get = next_matching(&mut rx, |s| s.header("x-amz-target").is_some()).await;
    assert_eq!(get.method, "POST");
    let body: Value = serde_json::from_slice(&get.body).unwrap();
    assert_eq!(body["SecretId"], ARN);
    assert_eq!(
        get.header("content-type"),
        Some("application/x-amz-json-1.1")
    );
    let signed = check_signature(&get).expect("a valid signature");
    assert_eq!(
        signed,
        [
            "content-type",
            "host",
            "x-amz-date",
            "x-amz-security-token",
            "x-amz-target"
        ],
        "signed with the environment's credentials, over the operation and the token"
    );

    let posted = tokio::time::timeout(Duration::from_secs(60), pending.outcome())
        .await
        .expect("timed out waiting for the function")
        .expect("the Runtime API is still running");
    let _ = child.start_kill();
    // Posted to `/runtime/invocation/{id}/response` of the invocation it was handed.
    assert!(posted.ok, "an /error post: {:?}", posted.json());
    assert_eq!(posted.request_id, request_id);
    let resp: Value = posted.json().expect("a JSON response");
    assert_eq!(resp["statusCode"], 200, "{resp}");
    let inner: Value = serde_json::from_str(resp["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        inner["status"], "healthy",
        "DATABASE_URL from the secret: {inner}"
    );
}

#[tokio::test]
async fn a_missing_key_stops_the_cold_start_with_a_clear_error() {
    let secret = json!({"DATABASE_URL": "postgres://app_rw@127.0.0.1:1/jmsk"}).to_string();
    let (addr, _rx) = stub(router(Some(secret))).await;
    let (api, _pending) = runtime().await;
    let (ok, out) = run_to_exit(&api, "AWS_ENDPOINT_URL_SECRETS_MANAGER", addr).await;
    assert!(!ok, "must not start: {out}");
    assert!(
        out.contains("APP_SECRET_ARN")
            && out.contains("lacks the key SECRET_KEY")
            && out.contains(ARN),
        "{out}"
    );
    assert!(
        !out.contains("postgres://"),
        "no values in the error: {out}"
    );
    // It never reached the Runtime API's event loop.
    let seen = api.requests().await;
    assert!(
        !seen.iter().any(|r| r.contains("/runtime/invocation/")),
        "{seen:?}"
    );
}

#[tokio::test]
async fn a_secret_that_does_not_exist_names_app_secret_arn() {
    let (addr, _rx) = stub(router(None)).await;
    let (api, _pending) = runtime().await;
    // The generic endpoint variable works as well.
    let (ok, out) = run_to_exit(&api, "AWS_ENDPOINT_URL", addr).await;
    assert!(!ok, "must not start: {out}");
    assert!(
        out.contains("APP_SECRET_ARN")
            && out.contains("ResourceNotFoundException: Secrets Manager can't find")
            && out.contains(ARN),
        "{out}"
    );
}

/// The stub refuses a request not signed with its credentials, as Secrets Manager does: the cold
/// start stops naming the error type, and the secret key appears nowhere.
#[tokio::test]
async fn a_wrong_secret_access_key_is_refused_with_a_clear_error() {
    let secret = json!({"DATABASE_URL": "postgres://app_rw@127.0.0.1:1/jmsk"}).to_string();
    let (addr, _rx) = stub(router(Some(secret))).await;
    let (api, _pending) = runtime().await;
    let endpoint = format!("http://{addr}");

    // Positive control: the right key gets the secret (which lacks SECRET_KEY, so the start stops
    // there, after the read).
    let right = lambda_process(&api, "AWS_ENDPOINT_URL_SECRETS_MANAGER", &endpoint, &[]);
    let (ok, out) = run_cmd_to_exit(right).await;
    assert!(!ok, "{out}");
    assert!(out.contains("lacks the key SECRET_KEY"), "{out}");

    let wrong_key = "wrong-secret-access-key-0123456789";
    let wrong = lambda_process(
        &api,
        "AWS_ENDPOINT_URL_SECRETS_MANAGER",
        &endpoint,
        &[("AWS_SECRET_ACCESS_KEY", wrong_key)],
    );
    let (ok, out) = run_cmd_to_exit(wrong).await;
    assert!(!ok, "must not start: {out}");
    assert!(
        out.contains("APP_SECRET_ARN: cannot read secret")
            && out.contains(ARN)
            && out.contains("InvalidSignatureException: The request signature we calculated")
            && out.contains("AWS_SECRET_ACCESS_KEY"),
        "{out}"
    );
    assert!(
        !out.contains(wrong_key) && !out.contains(SECRET_ACCESS_KEY),
        "no key in the error: {out}"
    );
    assert!(!out.contains("lacks the key"), "{out}");
}

/// The production path is HTTPS: a TLS stub with a throwaway certificate, trusted through
/// `SSL_CERT_FILE` (which the client's native root store honours). The secret lacks SECRET_KEY, so a
/// "lacks the key" error proves the handshake, the request and the parsing all worked; without the
/// certificate the same call must fail certificate verification.
#[tokio::test]
async fn the_secret_is_read_over_verified_tls() {
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![cert.der().clone()],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(signing_key.serialize_der())),
    )
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let secret = json!({"DATABASE_URL": "postgres://app_rw@127.0.0.1:1/jmsk"}).to_string();
    let (addr, _rx) = stub_with(router(Some(secret)), Some(acceptor)).await;
    let ca_file = std::env::temp_dir().join(format!("jmsk-secrets-ca-{}.pem", std::process::id()));
    std::fs::write(&ca_file, cert.pem()).unwrap();
    let endpoint = format!("https://localhost:{}", addr.port());
    let (api, _pending) = runtime().await;

    let mut trusted = lambda_process(&api, "AWS_ENDPOINT_URL_SECRETS_MANAGER", &endpoint, &[]);
    trusted.env("SSL_CERT_FILE", &ca_file);
    let (ok, out) = run_cmd_to_exit(trusted).await;
    assert!(!ok, "{out}");
    assert!(out.contains("lacks the key SECRET_KEY"), "{out}");

    // Trust another certificate only: the stub's must be refused.
    let other = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    std::fs::write(&ca_file, other.cert.pem()).unwrap();
    let mut untrusted = lambda_process(&api, "AWS_ENDPOINT_URL_SECRETS_MANAGER", &endpoint, &[]);
    untrusted.env("SSL_CERT_FILE", &ca_file);
    let (ok, out) = run_cmd_to_exit(untrusted).await;
    let _ = std::fs::remove_file(&ca_file);
    assert!(!ok, "{out}");
    assert!(
        out.contains("APP_SECRET_ARN: cannot read secret")
            && out.contains("invalid peer certificate"),
        "an unknown certificate must be refused: {out}"
    );
}

/// The schema owner's URL belongs in the migration secret (MIGRATION_SECRET_ARN): an app secret
/// that still carries it starts the function, which never keeps the value and names the key, and
/// only the key, in a warning.
#[tokio::test]
async fn an_owner_url_in_the_app_secret_is_ignored_and_named_in_a_warning() {
    let app = TestApp::spawn().await;
    let url = pg().server.url("app_rw", &app.db_name);
    let owner = "postgres://app_owner:owner-secret-pw@db.internal.example/jmsk";
    let secret = json!({"DATABASE_URL": url, "SECRET_KEY": KEY, "MIGRATION_DATABASE_URL": owner})
        .to_string();
    let (addr, _rx) = stub(router(Some(secret))).await;
    let (api, pending) = runtime().await;
    let mut child = lambda_process(
        &api,
        "AWS_ENDPOINT_URL_SECRETS_MANAGER",
        &format!("http://{addr}"),
        &[],
    )
    .spawn()
    .expect("spawn health_db");
    let posted = tokio::time::timeout(Duration::from_secs(60), pending.outcome())
        .await
        .expect("timed out waiting for the function")
        .expect("the Runtime API is still running");
    let _ = child.start_kill();
    let out = child.wait_with_output().await.unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(posted.status(), Some(200), "{text}");
    assert!(
        text.contains("carries MIGRATION_DATABASE_URL")
            && text.contains("MIGRATION_SECRET_ARN")
            && text.contains(r#""level":"WARN""#),
        "the key is named in a warning: {text}"
    );
    assert!(
        !text.contains("owner-secret-pw") && !text.contains("db.internal.example"),
        "never its value: {text}"
    );
}
