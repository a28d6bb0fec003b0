//! `APP_SECRET_ARN` end to end: the real `health_db` Lambda binary runs as a child process against a
//! local stub that speaks both the Secrets Manager JSON protocol (`secretsmanager.GetSecretValue`) and
//! the Lambda Runtime API. The SDK is pointed at the stub with `AWS_ENDPOINT_URL_SECRETS_MANAGER` (or
//! `AWS_ENDPOINT_URL`) and gets dummy credentials from the environment: AWS itself is never contacted.

use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use testkit::event::{EventInput, rest_v1_event};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::process::Command;
use tokio::sync::mpsc;

use crate::helpers::{TestApp, pg};

const ARN: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:jmsk-test-app-AbCdEf";
const KEY: &str = "e2e-secret-key-from-secrets-manager-0123456789";
const REQUEST_ID: &str = "e2e-request-1";

#[derive(Debug)]
struct Seen {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
}

/// `None` keeps the request hanging (the runtime's second "next" long-poll).
type Router = Arc<dyn Fn(&Seen) -> Option<Reply> + Send + Sync>;

/// A tiny HTTP/1.1 server on 127.0.0.1:0 (HTTPS with `tls`). Every request is also sent to the
/// returned channel.
async fn stub_with(
    router: Router,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> (SocketAddr, mpsc::UnboundedReceiver<Seen>) {
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

async fn stub(router: Router) -> (SocketAddr, mpsc::UnboundedReceiver<Seen>) {
    stub_with(router, None).await
}

async fn serve_conn<S: AsyncRead + AsyncWrite + Unpin>(
    sock: S,
    router: Router,
    tx: mpsc::UnboundedSender<Seen>,
) -> std::io::Result<()> {
    let mut r = BufReader::new(sock);
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_string();
        let path = parts.next().unwrap_or_default().to_string();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            r.read_line(&mut h).await?;
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        let get = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        let mut body = Vec::new();
        if let Some(len) = get("content-length").and_then(|v| v.parse::<usize>().ok()) {
            body.resize(len, 0);
            r.read_exact(&mut body).await?;
        } else if get("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
            loop {
                let mut size = String::new();
                r.read_line(&mut size).await?;
                let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
                let mut chunk = vec![0; n + 2];
                r.read_exact(&mut chunk).await?;
                if n == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..n]);
            }
        }
        let seen = Seen {
            method,
            path,
            headers,
            body,
        };
        let reply = router(&seen);
        let _ = tx.send(seen);
        let Some(reply) = reply else {
            // Hold the connection open until the test ends (kills the child).
            tokio::time::sleep(Duration::from_secs(600)).await;
            return Ok(());
        };
        let mut head = format!(
            "HTTP/1.1 {} X\r\ncontent-length: {}\r\n",
            reply.status,
            reply.body.len()
        );
        for (k, v) in &reply.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        let sock = r.get_mut();
        sock.write_all(head.as_bytes()).await?;
        sock.write_all(reply.body.as_bytes()).await?;
        sock.flush().await?;
    }
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

/// Answers GetSecretValue with `secret` (or a 400 ResourceNotFoundException when `None`), and serves
/// one `GET /health/db` invocation through the Runtime API.
fn router(secret: Option<String>) -> Router {
    let event = rest_v1_event(&EventInput {
        method: "GET",
        resource: "/health/db",
        path: "/health/db",
        stage: "prod",
        path_params: &[],
        query: &[],
        headers: &[],
        body: None,
        source_ip: "127.0.0.1",
        request_id: REQUEST_ID,
    });
    let served = Arc::new(std::sync::atomic::AtomicBool::new(false));
    Arc::new(move |req: &Seen| {
        if req.header("x-amz-target") == Some("secretsmanager.GetSecretValue") {
            return Some(match &secret {
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
            });
        }
        if req.path.ends_with("/runtime/invocation/next") {
            if served.swap(true, std::sync::atomic::Ordering::SeqCst) {
                return None;
            }
            let deadline = chrono::Utc::now().timestamp_millis() + 60_000;
            return Some(Reply {
                status: 200,
                headers: vec![
                    ("content-type", "application/json".into()),
                    ("lambda-runtime-aws-request-id", REQUEST_ID.into()),
                    ("lambda-runtime-deadline-ms", deadline.to_string()),
                    (
                        "lambda-runtime-invoked-function-arn",
                        "arn:aws:lambda:us-east-1:123456789012:function:health_db".into(),
                    ),
                    (
                        "lambda-runtime-trace-id",
                        "Root=1-00000000-000000000000000000000000".into(),
                    ),
                ],
                body: event.to_string(),
            });
        }
        Some(Reply {
            status: 202,
            headers: vec![("content-type", "application/json".into())],
            body: "{}".into(),
        })
    })
}

/// The `health_db` binary as Lambda would start it, with a clean environment plus `extra`.
/// `endpoint_var`: which variable points the SDK at the stub.
fn lambda_process(addr: SocketAddr, endpoint_var: &str, extra: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_health_db"));
    cmd.env_clear()
        .env("AWS_LAMBDA_FUNCTION_NAME", "health_db")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .env("AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH", "true")
        .env("APP_SECRET_ARN", ARN)
        .env(endpoint_var, format!("http://{addr}"))
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "AKIDSTUBSTUBSTUB")
        .env("AWS_SECRET_ACCESS_KEY", "stub-secret-access-key")
        .env("AWS_SESSION_TOKEN", "stub-session-token")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/aws-credentials",
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd
}

async fn next_matching(
    rx: &mut mpsc::UnboundedReceiver<Seen>,
    pred: impl Fn(&Seen) -> bool,
) -> Seen {
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
async fn run_to_exit(addr: SocketAddr, endpoint_var: &str) -> (bool, String) {
    run_cmd_to_exit(lambda_process(addr, endpoint_var, &[])).await
}

async fn run_cmd_to_exit(mut cmd: Command) -> (bool, String) {
    let child = cmd.spawn().expect("spawn health_db");
    let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("the function must stop at cold start, not hang")
        .expect("wait");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test]
async fn secret_values_configure_the_function() {
    let app = TestApp::spawn().await;
    let url = pg().server.url("app_rw", &app.db_name);
    let secret = json!({"DATABASE_URL": url, "SECRET_KEY": KEY}).to_string();
    let (addr, mut rx) = stub(router(Some(secret))).await;
    // A stale plaintext DATABASE_URL in the environment: the secret must win over it. SECRET_KEY is
    // absent from the environment, and inside Lambda a missing key refuses to start, so a start at all
    // proves the secret's key was used.
    let mut child = lambda_process(
        addr,
        "AWS_ENDPOINT_URL_SECRETS_MANAGER",
        &[("DATABASE_URL", "postgres://stale@127.0.0.1:1/nothing")],
    )
    .spawn()
    .expect("spawn health_db");

    let get = next_matching(&mut rx, |s| s.header("x-amz-target").is_some()).await;
    assert_eq!(get.method, "POST");
    let body: Value = serde_json::from_slice(&get.body).unwrap();
    assert_eq!(body["SecretId"], ARN);
    let auth = get.header("authorization").unwrap_or_default();
    assert!(
        auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDSTUBSTUBSTUB/"),
        "signed with the environment's credentials: {auth}"
    );

    let posted = next_matching(&mut rx, |s| s.path.ends_with("/response")).await;
    let _ = child.start_kill();
    assert!(posted.path.contains(REQUEST_ID), "{}", posted.path);
    let resp: Value = serde_json::from_slice(&posted.body).unwrap();
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
    let (addr, mut rx) = stub(router(Some(secret))).await;
    let (ok, out) = run_to_exit(addr, "AWS_ENDPOINT_URL_SECRETS_MANAGER").await;
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
    while let Ok(seen) = rx.try_recv() {
        assert!(!seen.path.contains("/runtime/invocation/"), "{seen:?}");
    }
}

#[tokio::test]
async fn a_secret_that_does_not_exist_names_app_secret_arn() {
    let (addr, _rx) = stub(router(None)).await;
    // The generic endpoint variable works as well.
    let (ok, out) = run_to_exit(addr, "AWS_ENDPOINT_URL").await;
    assert!(!ok, "must not start: {out}");
    assert!(
        out.contains("APP_SECRET_ARN")
            && out.contains("ResourceNotFoundException: Secrets Manager can't find")
            && out.contains(ARN),
        "{out}"
    );
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

    let mut trusted = lambda_process(addr, "AWS_ENDPOINT_URL_SECRETS_MANAGER", &[]);
    trusted
        .env("AWS_ENDPOINT_URL_SECRETS_MANAGER", &endpoint)
        .env("SSL_CERT_FILE", &ca_file);
    let (ok, out) = run_cmd_to_exit(trusted).await;
    assert!(!ok, "{out}");
    assert!(out.contains("lacks the key SECRET_KEY"), "{out}");

    // Trust another certificate only: the stub's must be refused.
    let other = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    std::fs::write(&ca_file, other.cert.pem()).unwrap();
    let mut untrusted = lambda_process(addr, "AWS_ENDPOINT_URL_SECRETS_MANAGER", &[]);
    untrusted
        .env("AWS_ENDPOINT_URL_SECRETS_MANAGER", &endpoint)
        .env("SSL_CERT_FILE", &ca_file);
    let (ok, out) = run_cmd_to_exit(untrusted).await;
    let _ = std::fs::remove_file(&ca_file);
    assert!(!ok, "{out}");
    assert!(
        out.contains("APP_SECRET_ARN: cannot read secret")
            && out.contains("invalid peer certificate"),
        "an unknown certificate must be refused: {out}"
    );
}
