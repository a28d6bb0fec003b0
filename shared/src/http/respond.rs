//! Building responses. All JSON answers, success and error alike, are made here so the wire format
//! (string `detail`, JSON numbers, CORS) is decided in one place.

use lambda_http::http::{HeaderValue, StatusCode};
use lambda_http::{Body, Response};
use serde::Serialize;

use crate::config::AllowedOrigins;
use crate::domain::idempotency::StoredAnswer;
use crate::error::{ApiError, ApiResult};

/// What a handler answers. Returning `Ok(reply)` commits the request's transaction before the answer
/// leaves; returning `Err` rolls it back.
pub struct Reply(Outcome);

enum Outcome {
    Answer(Response<Body>),
    Refuse(ApiError),
}

impl Reply {
    pub fn new(response: Response<Body>) -> Self {
        Reply(Outcome::Answer(response))
    }

    /// Commit, then answer `error`: for the writes that must survive a refusal (a failed login
    /// records the attempt and its lockout count; an expired refresh token is deleted).
    pub fn commit_then_refuse(error: ApiError) -> Self {
        Reply(Outcome::Refuse(error))
    }

    pub(crate) fn into_response(self) -> ApiResult<Response<Body>> {
        match self.0 {
            Outcome::Answer(r) => Ok(r),
            Outcome::Refuse(e) => Err(e),
        }
    }
}

/// A response as an idempotency key stores it: status, content type and body.
pub(crate) fn stored(response: &Response<Body>) -> ApiResult<StoredAnswer> {
    let body = match response.body() {
        Body::Empty => Vec::new(),
        Body::Text(t) => t.as_bytes().to_vec(),
        Body::Binary(b) => b.clone(),
        _ => {
            return Err(ApiError::bug(
                "an idempotent write answered a body it cannot store",
            ));
        }
    };
    Ok(StoredAnswer {
        status: response.status().as_u16(),
        content_type: response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        body,
    })
}

/// A stored answer, again, marked as a replay (`Idempotent-Replayed: true`) so that a client can
/// tell it was not written twice.
pub(crate) fn replay(answer: StoredAnswer) -> ApiResult<Reply> {
    let mut builder = Response::builder()
        .status(answer.status)
        .header("idempotent-replayed", "true");
    if let Some(ct) = &answer.content_type {
        builder = builder.header("content-type", ct.as_str());
    }
    builder
        .body(Body::Binary(answer.body))
        .map(Reply::new)
        .map_err(|e| ApiError::internal("building a replayed response", e))
}

pub fn json<T: Serialize + ?Sized>(status: u16, value: &T) -> ApiResult<Reply> {
    let body =
        serde_json::to_vec(value).map_err(|e| ApiError::internal("serialising response", e))?;
    raw(status, "application/json", body)
}

pub fn raw(status: u16, content_type: &str, body: Vec<u8>) -> ApiResult<Reply> {
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(Body::Binary(body))
        .map(Reply::new)
        .map_err(|e| ApiError::internal("building response", e))
}

pub fn ok<T: Serialize + ?Sized>(value: &T) -> ApiResult<Reply> {
    json(200, value)
}

pub fn created<T: Serialize + ?Sized>(value: &T) -> ApiResult<Reply> {
    json(201, value)
}

/// `{"message": "..."}`, the old service's answer to deletes and similar commands.
pub fn message(msg: &str) -> ApiResult<Reply> {
    ok(&serde_json::json!({ "message": msg }))
}

/// The error answer. Never fails: if even this cannot be built, a plain 500 goes out.
pub fn error(e: &ApiError, request_id: &str) -> Response<Body> {
    let mut body = serde_json::json!({ "detail": e.detail() });
    if let ApiError::Validation(errors) = e {
        body["errors"] = serde_json::to_value(errors).unwrap_or_default();
    }
    if e.status() >= 500 {
        body["request_id"] = serde_json::Value::String(request_id.to_string());
    }
    let mut resp = with_status(e.status(), body);
    if e.is_unavailable() {
        // A restart or failover takes seconds; clients and proxies that honour this back off.
        resp.headers_mut()
            .insert("retry-after", HeaderValue::from_static(RETRY_AFTER_SECONDS));
    }
    resp
}

/// `Retry-After` of a 503.
pub const RETRY_AFTER_SECONDS: &str = "5";

/// `{"detail": …}` with any status: what API Gateway itself answers for an unknown path (404) or
/// method (405), which the local server imitates.
pub fn detail(status: u16, detail: &str) -> Response<Body> {
    with_status(status, serde_json::json!({ "detail": detail }))
}

fn with_status(status: u16, body: serde_json::Value) -> Response<Body> {
    let mut resp = Response::new(Body::Text(body.to_string()));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    if status == 401 {
        resp.headers_mut()
            .insert("www-authenticate", HeaderValue::from_static("Bearer"));
    }
    resp
}

/// CORS preflight: answered without authentication or business code.
pub fn preflight() -> Response<Body> {
    let mut resp = Response::new(Body::Empty);
    *resp.status_mut() = StatusCode::NO_CONTENT;
    let h = resp.headers_mut();
    h.insert(
        "access-control-allow-methods",
        HeaderValue::from_static("GET,POST,PUT,PATCH,DELETE,OPTIONS"),
    );
    h.insert(
        "access-control-allow-headers",
        HeaderValue::from_static(
            "authorization,content-type,x-requested-with,accept,origin,idempotency-key",
        ),
    );
    h.insert("access-control-max-age", HeaderValue::from_static("3600"));
    resp
}

pub fn apply_cors(resp: &mut Response<Body>, allowed: &AllowedOrigins, origin: Option<&str>) {
    let h = resp.headers_mut();
    h.insert("vary", HeaderValue::from_static("Origin"));
    if let Some(value) = allowed
        .allow(origin)
        .and_then(|v| HeaderValue::from_str(&v).ok())
    {
        h.insert("access-control-allow-origin", value);
        // Not CORS-safelisted, so a browser app reads them only when named: whether a write was a
        // replay (README, Idempotency keys), and when to retry a 503.
        h.insert(
            "access-control-expose-headers",
            HeaderValue::from_static("idempotent-replayed,retry-after"),
        );
    }
}
