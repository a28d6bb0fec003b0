//! `Endpoint`: everything the route table, `template.yaml` and the OpenAPI document need to know about
//! one HTTP operation, plus the handler. Each Lambda binary serves exactly one `Endpoint`.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;

use futures_util::FutureExt;
use lambda_http::{Body, Request, Response};
use tracing::Instrument;

use crate::context::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::http::call::Call;
use crate::http::respond;

pub type HandlerFuture = Pin<Box<dyn Future<Output = ApiResult<Response<Body>>> + Send>>;
pub type Handler = fn(Ctx, Call) -> HandlerFuture;

/// Who may call an endpoint. Permissions are checked against the database on every request
/// (`Ctx::in_tenant`), so a role change takes effect at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No token needed (login, sign-up, health).
    Public,
    /// A valid access token of an active user in an active tenant; `permission` if given must be granted
    /// to the user's role.
    User { permission: Option<&'static str> },
}

/// How much Lambda memory (and so CPU) a function gets. bcrypt-heavy functions need a full vCPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sizing {
    Standard,
    CpuHeavy,
}

impl Sizing {
    pub fn memory_mb(self) -> u32 {
        match self {
            Sizing::Standard => 256,
            // 1,769 MB is one full vCPU on Lambda: bcrypt cost 12 then takes ~0.3 s instead of ~2 s.
            Sizing::CpuHeavy => 1769,
        }
    }
    pub fn timeout_s(self) -> u32 {
        match self {
            Sizing::Standard => 10,
            Sizing::CpuHeavy => 15,
        }
    }
}

pub struct Endpoint {
    /// `<resource>_<action>`: the binary name, and `UpperCamel(id)Function` in `template.yaml`.
    pub id: &'static str,
    pub method: &'static str,
    /// As the client calls it, `{param}` for path parameters; a trailing slash is optional on the wire.
    pub path: &'static str,
    pub access: Access,
    pub summary: &'static str,
    pub tag: &'static str,
    /// The success status code (200 or 201), for the OpenAPI document.
    pub success: u16,
    pub sizing: Sizing,
    /// `module_path!()` of the endpoint's module: the generated binary refers to `<module>::ENDPOINT`.
    pub module: &'static str,
    pub handler: Handler,
}

impl Endpoint {
    pub fn permission(&self) -> Option<&'static str> {
        match self.access {
            Access::Public => None,
            Access::User { permission } => permission,
        }
    }
}

/// The one entry point for every request, in Lambda, the local server and the tests: CORS preflight,
/// authentication, the handler, error mapping, and panic containment. It never fails: every outcome
/// is an HTTP answer (API Gateway would turn a failed invocation into a bare 502 without CORS headers).
pub async fn dispatch(ctx: &Ctx, ep: &'static Endpoint, req: Request) -> Response<Body> {
    let origin = req
        .headers()
        .get("origin")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let request_id = request_id_of(&req);
    let started = std::time::Instant::now();
    let span = tracing::info_span!(
        "request",
        endpoint = ep.id,
        request_id = %request_id,
        tenant_id = tracing::field::Empty,
        user_id = tracing::field::Empty,
        status = tracing::field::Empty,
    );
    let mut response = async {
        if req.method() == lambda_http::http::Method::OPTIONS {
            return respond::preflight();
        }
        let outcome = AssertUnwindSafe(async {
            let call = Call::from_request(ctx, ep, req, request_id.clone())?;
            (ep.handler)(ctx.clone(), call).await
        })
        .catch_unwind()
        .await;
        let result = match outcome {
            Ok(r) => r,
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "panic".to_string());
                Err(ApiError::Internal(format!("handler panicked: {msg}")))
            }
        };
        match result {
            Ok(resp) => resp,
            Err(e) => {
                if e.status() >= 500 {
                    tracing::error!(error = %e, "request failed");
                } else {
                    tracing::info!(error = %e, "request rejected");
                }
                respond::error(&e, &request_id)
            }
        }
    }
    .instrument(span.clone())
    .await;
    span.record("status", response.status().as_u16());
    span.in_scope(|| {
        tracing::info!(
            status = response.status().as_u16(),
            elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
            "request completed"
        )
    });
    respond::apply_cors(
        &mut response,
        &ctx.config().allowed_origins,
        origin.as_deref(),
    );
    response
}

fn request_id_of(req: &Request) -> String {
    use lambda_http::RequestExt;
    if let Some(id) = req
        .lambda_context_ref()
        .map(|c| c.request_id.clone())
        .filter(|s| !s.is_empty())
    {
        return id;
    }
    if let Some(rc) = req.request_context_ref() {
        use lambda_http::request::RequestContext;
        let id = match rc {
            RequestContext::ApiGatewayV1(c) => c.request_id.clone(),
            RequestContext::ApiGatewayV2(c) => c.request_id.clone(),
            _ => None,
        };
        if let Some(id) = id.filter(|s| !s.is_empty()) {
            return id;
        }
    }
    crate::auth::random_token_hex(8)
}
