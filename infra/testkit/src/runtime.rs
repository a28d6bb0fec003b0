//! A fake Lambda Runtime API: what a function binary's runtime client talks to inside Lambda, on
//! 127.0.0.1 for tests and the bench. It hands out the queued events on
//! `GET /2018-06-01/runtime/invocation/next` (a long poll while the queue is empty), with the
//! `Lambda-Runtime-*` headers, and collects what the function posts to `.../{id}/response` or
//! `.../{id}/error`; `/runtime/init/error` is kept too.
//!
//! ```no_run
//! # async fn demo(event: serde_json::Value) -> std::io::Result<()> {
//! let mut api = testkit::runtime::RuntimeApi::start("health_get").await?;
//! let pending = api.enqueue(event.to_string()).await;
//! let mut child = api.command("target/release/health_get").spawn()?;
//! let outcome = pending.outcome().await.expect("the function answered");
//! assert_eq!(outcome.status(), Some(200));
//! child.start_kill()?;
//! api.stop();
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::ffi::OsStr;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite, BufReader};
use tokio::net::TcpListener;
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::http1::{read_request, write_response};

/// The invocation deadline handed to the function (`Lambda-Runtime-Deadline-Ms`), from when it
/// receives the event, unless [`Limits`] say otherwise.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// What Lambda tells a function about its configuration: the invocation deadline (its `Timeout`) and
/// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub deadline: Duration,
    pub memory_mb: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            deadline: DEADLINE,
            memory_mb: 128,
        }
    }
}

const PREFIX: &str = "/2018-06-01/runtime/";

/// Where a function's binary is under `dir`, in any of the layouts the builds leave: `sam build`'s
/// `<dir>/<LogicalId>/bootstrap`, `cargo lambda build`'s `<dir>/<binary>/bootstrap`, or cargo's
/// `<dir>/<binary>`.
pub fn find_binary(dir: &Path, binary: &str, logical_id: &str) -> Option<PathBuf> {
    [
        dir.join(logical_id).join("bootstrap"),
        dir.join(binary).join("bootstrap"),
        dir.join(binary),
    ]
    .into_iter()
    .find(|p| p.is_file())
}

/// What the function posted for one invocation.
#[derive(Debug)]
pub struct Outcome {
    /// The invocation's `Lambda-Runtime-Aws-Request-Id`, which the post's path named.
    pub request_id: String,
    /// `false` for `.../error`.
    pub ok: bool,
    pub body: Vec<u8>,
    /// When the post was read completely.
    pub at: Instant,
}

impl Outcome {
    /// The posted body as JSON (an API Gateway proxy response for `lambda_http` functions).
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The API Gateway proxy response's `statusCode`.
    pub fn status(&self) -> Option<u16> {
        self.json()?
            .get("statusCode")?
            .as_u64()
            .and_then(|s| u16::try_from(s).ok())
    }
}

/// A queued invocation, until the function posts its result.
#[derive(Debug)]
pub struct Pending {
    pub request_id: String,
    rx: oneshot::Receiver<Outcome>,
}

impl Pending {
    /// Wait for the function's result; `None` if the Runtime API was stopped first. Wrap it in
    /// `tokio::time::timeout`: a function that never answers leaves this waiting.
    pub async fn outcome(self) -> Option<Outcome> {
        self.rx.await.ok()
    }
}

struct Invocation {
    request_id: String,
    event: String,
}

struct State {
    queue: Mutex<mpsc::UnboundedReceiver<Invocation>>,
    pending: Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
    /// When the runtime first asked for an event: its initialisation is over.
    first_next: Mutex<Option<Instant>>,
    /// Woken when `first_next` is set.
    initialised: tokio::sync::Notify,
    limits: Limits,
    /// A body posted to `/runtime/init/error`.
    init_error: Mutex<Option<String>>,
    /// `METHOD path` of every request, in order.
    requests: Mutex<Vec<String>>,
    function_name: String,
}

/// One emulated Lambda execution environment's Runtime API (one per function process). Dropping it
/// stops it, as [`RuntimeApi::stop`] does.
pub struct RuntimeApi {
    addr: SocketAddr,
    queue: mpsc::UnboundedSender<Invocation>,
    state: Arc<State>,
    server: tokio::task::JoinHandle<()>,
    seq: u64,
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.server.abort();
        // Pending invocations resolve to `None` now rather than when the last connection closes.
        if let Ok(mut pending) = self.state.pending.try_lock() {
            pending.clear();
        }
    }
}

impl RuntimeApi {
    /// Listen on a free port of 127.0.0.1, for the function `function_name`.
    pub async fn start(function_name: &str) -> std::io::Result<Self> {
        Self::start_with(function_name, Limits::default()).await
    }

    /// [`RuntimeApi::start`] for a function with these limits.
    pub async fn start_with(function_name: &str, limits: Limits) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = mpsc::unbounded_channel();
        let state = Arc::new(State {
            queue: Mutex::new(rx),
            pending: Mutex::new(HashMap::new()),
            first_next: Mutex::new(None),
            initialised: tokio::sync::Notify::new(),
            limits,
            init_error: Mutex::new(None),
            requests: Mutex::new(Vec::new()),
            function_name: function_name.to_string(),
        });
        let st = state.clone();
        let server = tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let st = st.clone();
                tokio::spawn(async move {
                    let _ = serve_conn(sock, st).await;
                });
            }
        });
        Ok(RuntimeApi {
            addr,
            queue: tx,
            state,
            server,
            seq: 0,
        })
    }

    /// What `AWS_LAMBDA_RUNTIME_API` is set to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Queue an event (the JSON text Lambda would send); it is handed out on the next `next`.
    pub async fn enqueue(&mut self, event: String) -> Pending {
        self.seq += 1;
        let request_id = format!("{}-{:08}", self.state.function_name, self.seq);
        let (tx, rx) = oneshot::channel();
        self.state
            .pending
            .lock()
            .await
            .insert(request_id.clone(), tx);
        let _ = self.queue.send(Invocation {
            request_id: request_id.clone(),
            event,
        });
        Pending { request_id, rx }
    }

    /// When the runtime first asked for an event (its initialisation was over), if it has.
    pub async fn first_next(&self) -> Option<Instant> {
        *self.state.first_next.lock().await
    }

    /// Wait until the runtime has first asked for an event, i.e. its initialisation is over.
    pub async fn ready(&self) -> Instant {
        loop {
            let notified = self.state.initialised.notified();
            if let Some(at) = *self.state.first_next.lock().await {
                return at;
            }
            notified.await;
        }
    }

    /// What the runtime posted to `/runtime/init/error`, if anything.
    pub async fn init_error(&self) -> Option<String> {
        self.state.init_error.lock().await.clone()
    }

    /// `METHOD path` of every request received so far, in order.
    pub async fn requests(&self) -> Vec<String> {
        self.state.requests.lock().await.clone()
    }

    /// A function binary started the way Lambda starts a `provided.al2023` bootstrap: a clean
    /// environment with the `AWS_LAMBDA_*` variables pointing at this Runtime API (the memory of its
    /// [`Limits`], 128 MB unless set, region
    /// us-east-1, the stage not part of the path as in this project's template), stdin closed, killed
    /// when dropped. Add the function's own variables, and stdout/stderr, to it.
    pub fn command(&self, program: impl AsRef<OsStr>) -> tokio::process::Command {
        let name = &self.state.function_name;
        let mut cmd = tokio::process::Command::new(program);
        cmd.env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", self.addr.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", name)
            .env(
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                self.state.limits.memory_mb.to_string(),
            )
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
            .env("AWS_REGION", "us-east-1")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("TZ", ":UTC")
            .env("LANG", "en_US.UTF-8")
            .env("AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH", "true")
            .stdin(Stdio::null())
            .kill_on_drop(true);
        cmd
    }

    /// Stop listening. Long polls in progress end, and pending invocations resolve to `None`.
    pub fn stop(self) {}
}

/// Run a function process that must stop during its cold start (`cmd` with stdout and stderr
/// piped): whether it exited successfully, and what it printed, stdout then stderr. An error if it
/// is still running after 60 s (it would be waiting for events instead of failing).
pub async fn run_to_exit(cmd: &mut tokio::process::Command) -> std::io::Result<(bool, String)> {
    let child = cmd.spawn()?;
    let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "still running after 60 s: it did not stop at its cold start",
            )
        })??;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok((out.status.success(), text))
}

async fn serve_conn<S: AsyncRead + AsyncWrite + Unpin>(
    sock: S,
    st: Arc<State>,
) -> std::io::Result<()> {
    let mut r = BufReader::new(sock);
    while let Some(req) = read_request(&mut r).await? {
        let received = Instant::now();
        st.requests
            .lock()
            .await
            .push(format!("{} {}", req.method, req.path));
        let route = req.path.strip_prefix(PREFIX).unwrap_or_default();
        let json = [("content-type", "application/json".to_string())];
        match (req.method.as_str(), route) {
            ("GET", "invocation/next") => {
                st.first_next.lock().await.get_or_insert(received);
                st.initialised.notify_waiters();
                // Long poll: wait for an event to be queued.
                let next = st.queue.lock().await.recv().await;
                let Some(inv) = next else { return Ok(()) };
                let deadline = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or_default()
                    + st.limits.deadline;
                let headers = [
                    ("content-type", "application/json".to_string()),
                    ("lambda-runtime-aws-request-id", inv.request_id.clone()),
                    (
                        "lambda-runtime-deadline-ms",
                        deadline.as_millis().to_string(),
                    ),
                    (
                        "lambda-runtime-invoked-function-arn",
                        format!(
                            "arn:aws:lambda:us-east-1:000000000000:function:{}",
                            st.function_name
                        ),
                    ),
                    (
                        "lambda-runtime-trace-id",
                        "Root=1-00000000-000000000000000000000000;Sampled=0".to_string(),
                    ),
                ];
                write_response(r.get_mut(), 200, &headers, inv.event.as_bytes()).await?;
            }
            ("POST", "init/error") => {
                *st.init_error.lock().await = Some(String::from_utf8_lossy(&req.body).into());
                write_response(r.get_mut(), 202, &json, b"{}").await?;
            }
            ("POST", route) if route.starts_with("invocation/") => {
                let rest = route.trim_start_matches("invocation/");
                let (id, kind) = rest.rsplit_once('/').unwrap_or((rest, ""));
                let ok = match kind {
                    "response" => Some(true),
                    "error" => Some(false),
                    _ => None,
                };
                let waiter = match ok {
                    Some(_) => st.pending.lock().await.remove(id),
                    None => None,
                };
                match (ok, waiter) {
                    (Some(ok), Some(tx)) => {
                        let _ = tx.send(Outcome {
                            request_id: id.to_string(),
                            ok,
                            body: req.body,
                            at: received,
                        });
                        write_response(r.get_mut(), 202, &json, b"{}").await?;
                    }
                    _ => {
                        let body = br#"{"errorMessage":"unknown request id","errorType":"InvalidRequestID"}"#;
                        write_response(r.get_mut(), 400, &json, body).await?;
                    }
                }
            }
            _ => {
                write_response(r.get_mut(), 404, &json, b"{}").await?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    /// (status line, lower-cased header lines, body) of one response.
    async fn response(r: &mut BufReader<TcpStream>) -> (String, String, Vec<u8>) {
        let mut status = String::new();
        r.read_line(&mut status).await.unwrap();
        let (mut head, mut len) = (String::new(), 0);
        loop {
            let mut l = String::new();
            r.read_line(&mut l).await.unwrap();
            if l.trim().is_empty() {
                break;
            }
            let lower = l.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                len = v.trim().parse().unwrap();
            }
            head.push_str(&lower);
        }
        let mut body = vec![0; len];
        r.read_exact(&mut body).await.unwrap();
        (status, head, body)
    }

    fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
        head.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
            .map(str::trim)
    }

    /// The emulation speaks the protocol a runtime client expects (no timing involved).
    #[tokio::test]
    async fn hands_out_events_and_collects_results() {
        let mut api = RuntimeApi::start("f").await.unwrap();
        let pending = api.enqueue(r#"{"hello":1}"#.into()).await;
        let sock = TcpStream::connect(api.addr()).await.unwrap();
        let mut r = BufReader::new(sock);
        r.get_mut()
            .write_all(b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .unwrap();
        let (status, head, body) = response(&mut r).await;
        assert!(status.starts_with("HTTP/1.1 200"), "{status}");
        assert!(
            header(&head, "lambda-runtime-deadline-ms").is_some(),
            "{head}"
        );
        assert!(
            header(&head, "lambda-runtime-invoked-function-arn")
                .is_some_and(|arn| arn.starts_with("arn:aws:lambda:")),
            "{head}"
        );
        let id = header(&head, "lambda-runtime-aws-request-id")
            .unwrap()
            .to_string();
        assert_eq!(id, pending.request_id.to_ascii_lowercase());
        assert_eq!(body, br#"{"hello":1}"#);
        assert!(api.first_next().await.is_some());

        // An id that was never handed out is refused.
        r.get_mut()
            .write_all(b"POST /2018-06-01/runtime/invocation/nope/response HTTP/1.1\r\ncontent-length: 2\r\n\r\n{}")
            .await
            .unwrap();
        let (status, _, body) = response(&mut r).await;
        assert!(status.starts_with("HTTP/1.1 400"), "{status}");
        assert!(String::from_utf8_lossy(&body).contains("InvalidRequestID"));

        let reply = r#"{"statusCode":200,"body":"ok"}"#;
        let post = format!(
            "POST /2018-06-01/runtime/invocation/{id}/response HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n{:x}\r\n{reply}\r\n0\r\n\r\n",
            reply.len()
        );
        r.get_mut().write_all(post.as_bytes()).await.unwrap();
        let outcome = pending.outcome().await.unwrap();
        assert!(outcome.ok);
        assert_eq!(outcome.request_id, id);
        assert_eq!(outcome.status(), Some(200));
        let (status, _, _) = response(&mut r).await;
        assert!(status.starts_with("HTTP/1.1 202"), "{status}");
        assert_eq!(
            api.requests().await,
            [
                "GET /2018-06-01/runtime/invocation/next".to_string(),
                "POST /2018-06-01/runtime/invocation/nope/response".into(),
                format!("POST /2018-06-01/runtime/invocation/{id}/response"),
            ]
        );
    }

    #[tokio::test]
    async fn init_errors_are_kept() {
        let api = RuntimeApi::start("f").await.unwrap();
        let mut r = BufReader::new(TcpStream::connect(api.addr()).await.unwrap());
        r.get_mut()
            .write_all(
                b"POST /2018-06-01/runtime/init/error HTTP/1.1\r\ncontent-length: 4\r\n\r\nboom",
            )
            .await
            .unwrap();
        let (status, _, _) = response(&mut r).await;
        assert!(status.starts_with("HTTP/1.1 202"), "{status}");
        assert_eq!(api.init_error().await.as_deref(), Some("boom"));
        assert!(api.first_next().await.is_none());
    }

    #[tokio::test]
    async fn stopping_resolves_pending_invocations_to_none() {
        let mut api = RuntimeApi::start("f").await.unwrap();
        let pending = api.enqueue("{}".into()).await;
        api.stop();
        assert!(pending.outcome().await.is_none());
    }
}
