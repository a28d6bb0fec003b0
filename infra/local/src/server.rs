//! The HTTP server (hyper 1, HTTP/1.1, loopback only). Each request becomes the API Gateway REST (v1)
//! proxy event Lambda would receive, is parsed by `lambda_http` and handed to `shared::http::dispatch`,
//! so the handler code path is the one that runs in AWS. Routing mirrors API Gateway: the route table
//! picks the endpoint, a known path with another method is 405, anything else 404.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use lambda_http::http::HeaderValue;
use shared::Ctx;
use shared::http::{Endpoint, dispatch, respond, route};
use testkit::event::{EventInput, rest_v1_event, to_request};

/// API Gateway's stage name for local requests.
pub const STAGE: &str = "local";
/// Bodies are read up to one byte past the limit, so `dispatch` sees an oversized body and answers
/// 413 exactly as in Lambda, without buffering arbitrary amounts.
const BODY_READ_LIMIT: usize = shared::http::call::MAX_BODY_BYTES + 1;
/// How much of an oversized body is read (and dropped) before the 413 (API Gateway takes 10 MB).
const DRAIN_LIMIT_BYTES: usize = 16 * 1024 * 1024;
/// The request line and headers API Gateway (REST) accepts.
const MAX_HEAD_BYTES: usize = 10 * 1024;
/// What hyper buffers of a request head: enough to read an oversized one and answer it with a
/// `detail` (414/431) instead of hyper's bodiless 431.
const HEAD_BUFFER_BYTES: usize = 2 * 1024 * 1024;
/// How long in-flight requests may take to finish after shutdown was requested.
const GRACE: Duration = Duration::from_secs(5);

pub type HttpResponse = hyper::Response<Full<Bytes>>;

/// A request as the HTTP layer read it, before a [`Backend`] turns it into an API Gateway event.
pub struct HttpRequest {
    pub method: String,
    /// The path as the client sent it.
    pub path: String,
    pub query: Vec<(String, String)>,
    /// Lower-cased names; `x-forwarded-for` ends with the peer's address, as API Gateway appends it.
    pub headers: Vec<(String, String)>,
    /// At most one byte past `MAX_BODY_BYTES`: the function answers an oversized body with 413.
    pub body: Vec<u8>,
    pub source_ip: String,
    /// API Gateway's request id (`requestContext.requestId`).
    pub request_id: String,
}

impl HttpRequest {
    pub fn origin(&self) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == "origin")
            .map(|(_, v)| v.as_str())
    }

    /// The event API Gateway would send for this request, matched to `resource` on `stage`.
    pub fn event(
        &self,
        resource: &str,
        path: &str,
        stage: &str,
        path_params: &[(String, String)],
    ) -> serde_json::Value {
        rest_v1_event(&EventInput {
            method: &self.method,
            resource,
            path,
            stage,
            path_params,
            query: &self.query,
            headers: &self.headers,
            body: (!self.body.is_empty()).then_some(self.body.as_slice()),
            source_ip: &self.source_ip,
            request_id: &self.request_id,
        })
    }
}

/// What answers the requests the HTTP layer has read: every route in this process
/// ([`InProcess`]), or each function's own binary (`crate::lambda`).
pub trait Backend: Clone + Send + Sync + 'static {
    /// What routing found, handed to [`Backend::call`].
    type Route: Send;
    /// The route of a request, or the answer API Gateway gives when there is none (boxed: a
    /// response is large beside a route).
    fn route(
        &self,
        method: &str,
        path: &str,
        origin: Option<&str>,
    ) -> Result<Self::Route, Box<HttpResponse>>;
    /// Answer a routed request.
    fn call(
        &self,
        route: Self::Route,
        req: HttpRequest,
    ) -> impl Future<Output = HttpResponse> + Send;
    /// An answer of the HTTP layer itself (an oversized request head, an unreadable body).
    fn error(&self, status: u16, detail: &str, origin: Option<&str>) -> HttpResponse;
}

/// Every route served in this process through `shared::http::dispatch`.
#[derive(Clone)]
pub struct InProcess {
    ctx: Ctx,
}

impl InProcess {
    pub fn new(ctx: Ctx) -> Self {
        InProcess { ctx }
    }
}

impl Backend for InProcess {
    type Route = (&'static Endpoint, Vec<(String, String)>);

    fn route(
        &self,
        method: &str,
        path: &str,
        origin: Option<&str>,
    ) -> Result<Self::Route, Box<HttpResponse>> {
        route_for(method, path).ok_or_else(|| {
            Box::new(if functions::routes::path_exists(path) {
                not_routed(&self.ctx, 405, "Method Not Allowed", origin, Some(path))
            } else {
                not_routed(&self.ctx, 404, "Not Found", origin, None)
            })
        })
    }

    async fn call(&self, (endpoint, params): Self::Route, req: HttpRequest) -> HttpResponse {
        let event = req.event(endpoint.path, &req.path, STAGE, &params);
        match to_request(&event) {
            Ok(request) => to_hyper(dispatch(&self.ctx, endpoint, request).await),
            Err(e) => {
                tracing::info!(error = %e, "request could not be turned into an API Gateway event");
                self.error(400, "Malformed request", req.origin())
            }
        }
    }

    fn error(&self, status: u16, detail: &str, origin: Option<&str>) -> HttpResponse {
        to_hyper(error_response(&self.ctx, status, detail, origin))
    }
}

/// Serve every route in this process until `shutdown` completes.
pub async fn serve_http(
    listener: tokio::net::TcpListener,
    ctx: Ctx,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    serve_backend(listener, InProcess::new(ctx), shutdown).await
}

/// Serve `listener` with `backend` until `shutdown` completes, then let open requests finish (up
/// to 5 s).
pub async fn serve_backend<B: Backend>(
    listener: tokio::net::TcpListener,
    backend: B,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    let mut shutdown = pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // E.g. out of file descriptors: do not spin.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let backend = backend.clone();
                let service = service_fn(move |req| {
                    let backend = backend.clone();
                    async move { Ok::<_, Infallible>(handle(&backend, req, peer).await) }
                });
                let conn = http1::Builder::new()
                    .max_buf_size(HEAD_BUFFER_BYTES)
                    .serve_connection(TokioIo::new(stream), service);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    tracing::info!("HTTP server stopping");
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(GRACE) => tracing::warn!("requests still open after the grace period; dropping them"),
    }
    Ok(())
}

/// The endpoint for a request. A preflight (`OPTIONS`) may target any method's route: `dispatch`
/// answers it before looking at the endpoint, so any endpoint with a matching path will do.
fn route_for(method: &str, path: &str) -> Option<(&'static Endpoint, Vec<(String, String)>)> {
    if method == "OPTIONS" {
        functions::routes::ROUTES
            .iter()
            .filter_map(|ep| route::match_path(ep.path, path).map(|p| (*ep, p)))
            .max_by_key(|(ep, _)| route::specificity(ep.path))
    } else {
        functions::routes::find(method, path)
    }
}

/// Requests the backend answers are logged there (`dispatch` logs one line with endpoint, status
/// and latency); the ones answered here (404, 405, unreadable bodies) get their own line.
async fn handle<B: Backend>(
    backend: &B,
    req: hyper::Request<Incoming>,
    peer: SocketAddr,
) -> HttpResponse {
    let started = Instant::now();
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let (response, dispatched) = respond_to(backend, req, peer, &method, &path).await;
    if !dispatched {
        tracing::info!(
            method = %method,
            path = %path,
            status = response.status().as_u16(),
            elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
            "request not routed"
        );
    }
    response
}

async fn respond_to<B: Backend>(
    backend: &B,
    req: hyper::Request<Incoming>,
    peer: SocketAddr,
    method: &str,
    path: &str,
) -> (HttpResponse, bool) {
    let origin = req
        .headers()
        .get("origin")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);

    // API Gateway refuses a request line and headers past 10 KiB; so does this server, with the API's
    // error shape. Only what hyper's parser refuses itself (a URI past 64 KiB: 414, a head past
    // `HEAD_BUFFER_BYTES`: 431) comes without a body.
    let head_bytes = req.uri().to_string().len()
        + req
            .headers()
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len() + 4)
            .sum::<usize>();
    if head_bytes > MAX_HEAD_BYTES {
        let (status, detail) = if req.uri().to_string().len() > MAX_HEAD_BYTES {
            (414, "Request URI too long")
        } else {
            (431, "Request header fields too large")
        };
        return (backend.error(status, detail, origin.as_deref()), false);
    }

    let route = match backend.route(method, path, origin.as_deref()) {
        Ok(route) => route,
        Err(resp) => return (*resp, false),
    };

    let query: Vec<(String, String)> = req
        .uri()
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let (parts, body) = req.into_parts();

    // Header names come lower-cased from hyper. Like API Gateway, append the caller's address to
    // X-Forwarded-For (the handlers read the client IP from there).
    let peer_ip = peer.ip().to_string();
    let mut forwarded_for: Option<String> = None;
    let mut headers: Vec<(String, String)> = Vec::new();
    for (name, value) in &parts.headers {
        let Ok(value) = value.to_str() else { continue };
        if name.as_str() == "x-forwarded-for" {
            forwarded_for = Some(match forwarded_for {
                Some(prev) => format!("{prev}, {value}"),
                None => value.to_string(),
            });
        } else {
            headers.push((name.as_str().to_string(), value.to_string()));
        }
    }
    headers.push((
        "x-forwarded-for".to_string(),
        match forwarded_for {
            Some(prev) => format!("{prev}, {peer_ip}"),
            None => peer_ip.clone(),
        },
    ));

    let body = match read_body(body).await {
        Ok(b) => b,
        Err(e) => {
            tracing::info!(error = %e, "could not read the request body");
            let resp = backend.error(400, "Could not read the request body", origin.as_deref());
            return (resp, false);
        }
    };
    let oversized = body.len() >= BODY_READ_LIMIT;
    let request = HttpRequest {
        method: method.to_string(),
        path: path.to_string(),
        query,
        headers,
        body,
        source_ip: peer_ip,
        request_id: request_id(),
    };
    let mut response = backend.call(route, request).await;
    if oversized {
        // The rest of an oversized upload is never read: close the connection after the 413 rather
        // than leave the client writing into a socket nobody reads (it would see a reset).
        response.headers_mut().insert(
            hyper::header::CONNECTION,
            hyper::header::HeaderValue::from_static("close"),
        );
    }
    (response, true)
}

/// Read the body, keeping at most one byte past the limit. The rest of an oversized body is read
/// and dropped, up to [`DRAIN_LIMIT_BYTES`] in all, so that the client has finished sending when the
/// 413 comes and reads it instead of a connection reset; past that the connection is closed.
async fn read_body(mut body: Incoming) -> Result<Vec<u8>, hyper::Error> {
    let mut buf = Vec::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            seen += data.len();
            let room = BODY_READ_LIMIT - buf.len();
            buf.extend_from_slice(&data[..data.len().min(room)]);
            if seen >= DRAIN_LIMIT_BYTES {
                break;
            }
        }
    }
    Ok(buf)
}

/// A request id shaped like API Gateway's (a random UUID-like string).
pub fn request_id() -> String {
    let h = shared::auth::random_token_hex(16);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// 404 / 405 as API Gateway would answer them, but in the API's error shape and with CORS headers so
/// the browser shows the status instead of a CORS failure. A 405 lists the path's methods in `Allow`.
fn not_routed(
    ctx: &Ctx,
    status: u16,
    detail: &str,
    origin: Option<&str>,
    allow_for: Option<&str>,
) -> HttpResponse {
    let mut resp = error_response(ctx, status, detail, origin);
    if let Some(path) = allow_for {
        let mut methods: Vec<&str> = functions::routes::ROUTES
            .iter()
            .filter(|ep| route::match_path(ep.path, path).is_some())
            .map(|ep| ep.method)
            .collect();
        methods.sort_unstable();
        methods.dedup();
        methods.push("OPTIONS");
        if let Ok(v) = HeaderValue::from_str(&methods.join(", ")) {
            resp.headers_mut().insert("allow", v);
        }
    }
    to_hyper(resp)
}

fn error_response(
    ctx: &Ctx,
    status: u16,
    detail: &str,
    origin: Option<&str>,
) -> lambda_http::Response<lambda_http::Body> {
    let mut resp = respond::detail(status, detail);
    respond::apply_cors(&mut resp, &ctx.config().allowed_origins, origin);
    resp
}

pub fn to_hyper(resp: lambda_http::Response<lambda_http::Body>) -> HttpResponse {
    let (parts, body) = resp.into_parts();
    let bytes = match body {
        lambda_http::Body::Empty => Bytes::new(),
        lambda_http::Body::Text(t) => Bytes::from(t),
        lambda_http::Body::Binary(b) => Bytes::from(b),
        other => Bytes::copy_from_slice(other.as_ref()),
    };
    hyper::Response::from_parts(parts, Full::new(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preflight_finds_a_route_for_any_method_and_unknown_paths_none() {
        assert!(route_for("OPTIONS", "/api/v1/auth/login").is_some());
        assert!(route_for("OPTIONS", "/api/v1/nope").is_none());
        assert!(route_for("GET", "/api/v1/auth/login").is_none());
        assert!(functions::routes::path_exists("/api/v1/auth/login"));
    }

    #[test]
    fn request_ids_look_like_uuids() {
        let id = request_id();
        assert_eq!(id.len(), 36);
        assert_eq!(id.matches('-').count(), 4);
    }
}
