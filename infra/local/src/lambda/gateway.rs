//! API Gateway's part: the template's routes (each function's `Api` events), the stage prefix,
//! the REST (v1) proxy event, the function's proxy response back to HTTP, and API Gateway's own
//! answers (`GatewayResponses`) when no function answers.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine as _;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{HeaderName, HeaderValue};
use serde_json::Value;

use super::pool::{Failure, Pools};
use super::template::{GatewayResponse, Template};
use crate::server::{Backend, HttpRequest, HttpResponse};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
    /// `{name+}`: the rest of the path.
    Greedy(String),
}

impl Segment {
    /// API Gateway prefers a literal segment to a parameter, and a parameter to a greedy one.
    fn rank(&self) -> u8 {
        match self {
            Segment::Literal(_) => 2,
            Segment::Param(_) => 1,
            Segment::Greedy(_) => 0,
        }
    }
}

#[derive(Debug, Clone)]
struct Route {
    method: String,
    /// The resource path as the template writes it (the event's `resource`).
    path: String,
    segments: Vec<Segment>,
    function: String,
}

fn segments(path: &str) -> Vec<Segment> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => match name.strip_suffix('+') {
                    Some(greedy) => Segment::Greedy(greedy.to_string()),
                    None => Segment::Param(name.to_string()),
                },
                None => Segment::Literal(s.to_string()),
            },
        )
        .collect()
}

/// The path parameters if `route` matches `parts` (the request path's segments).
fn match_route(route: &[Segment], parts: &[&str]) -> Option<Vec<(String, String)>> {
    let mut params = Vec::new();
    for (i, seg) in route.iter().enumerate() {
        match seg {
            Segment::Greedy(name) => {
                let rest = parts.get(i..).filter(|r| !r.is_empty())?;
                params.push((name.clone(), rest.join("/")));
                return Some(params);
            }
            Segment::Literal(lit) => {
                if parts.get(i) != Some(&lit.as_str()) {
                    return None;
                }
            }
            Segment::Param(name) => params.push((name.clone(), decode(parts.get(i)?))),
        }
    }
    (route.len() == parts.len()).then_some(params)
}

/// API Gateway hands path parameters to the function percent-decoded.
fn decode(segment: &str) -> String {
    percent_decode(segment).unwrap_or_else(|| segment.to_string())
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

struct Inner {
    stage: String,
    routes: Vec<Route>,
    responses: HashMap<String, GatewayResponse>,
    pools: Arc<Pools>,
}

/// The emulated REST API in front of the function pools.
#[derive(Clone)]
pub struct Gateway {
    inner: Arc<Inner>,
}

/// What routing found: the route, its parameters and the path below the stage.
pub struct Routed {
    route: usize,
    params: Vec<(String, String)>,
    path: String,
}

impl Gateway {
    pub fn new(template: &Template, pools: Arc<Pools>) -> Self {
        let routes = template
            .functions
            .iter()
            .flat_map(|f| {
                f.routes.iter().map(|r| Route {
                    method: r.method.clone(),
                    path: r.path.clone(),
                    segments: segments(&r.path),
                    function: f.logical_id.clone(),
                })
            })
            .collect();
        Gateway {
            inner: Arc::new(Inner {
                stage: template.stage.clone(),
                routes,
                responses: template.gateway_responses.clone(),
                pools,
            }),
        }
    }

    pub fn pools(&self) -> &Arc<Pools> {
        &self.inner.pools
    }

    pub fn stage(&self) -> &str {
        &self.inner.stage
    }

    /// The logical id of the function serving `method path` (`path` below the stage), if any.
    pub fn function_for(&self, method: &str, path: &str) -> Option<&str> {
        self.find(method, path)
            .map(|(i, _)| self.inner.routes[i].function.as_str())
    }

    fn find(&self, method: &str, path: &str) -> Option<(usize, Vec<(String, String)>)> {
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        self.inner
            .routes
            .iter()
            .enumerate()
            .filter(|(_, r)| r.method == method || r.method == "ANY")
            .filter_map(|(i, r)| match_route(&r.segments, &parts).map(|p| (i, p)))
            .max_by_key(|(i, _)| {
                let r = &self.inner.routes[*i];
                (
                    r.segments.iter().map(Segment::rank).collect::<Vec<_>>(),
                    r.method != "ANY",
                )
            })
    }

    /// The invoke URL's path is `/{stage}/…`; `sam local start-api` serves without the stage, and so
    /// may a client of this mode (the React app's `VITE_API_URL` has none).
    fn below_stage<'p>(&self, path: &'p str) -> &'p str {
        let stage = &self.inner.stage;
        match path
            .strip_prefix('/')
            .and_then(|p| p.strip_prefix(stage.as_str()))
        {
            Some("") => "/",
            Some(rest) if rest.starts_with('/') => rest,
            _ => path,
        }
    }

    /// API Gateway's own answer of type `kind` (a `GatewayResponses` key): the template's status,
    /// headers and body when it customises `kind`, else those of `DEFAULT_4XX`/`DEFAULT_5XX`, else
    /// API Gateway's built-in `{"message": …}`.
    pub fn gateway_error(&self, kind: &str, default_status: u16, message: &str) -> HttpResponse {
        let fallback = if default_status >= 500 {
            "DEFAULT_5XX"
        } else {
            "DEFAULT_4XX"
        };
        let own = self.inner.responses.get(kind);
        let default = self.inner.responses.get(fallback);
        let status = own.and_then(|r| r.status).unwrap_or(default_status);
        let headers = own
            .filter(|r| !r.headers.is_empty())
            .or(default)
            .map(|r| r.headers.clone())
            .unwrap_or_default();
        let quoted = serde_json::to_string(message).unwrap_or_else(|_| "\"\"".into());
        let body = match own
            .and_then(|r| r.template.as_ref())
            .or(default.and_then(|r| r.template.as_ref()))
        {
            Some(t) => t
                .replace("$context.error.messageString", &quoted)
                .replace("$context.error.message", message),
            None => format!("{{\"message\":{quoted}}}"),
        };
        let mut resp = hyper::Response::new(Full::new(Bytes::from(body)));
        *resp.status_mut() =
            hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::BAD_GATEWAY);
        let h = resp.headers_mut();
        h.insert("content-type", HeaderValue::from_static("application/json"));
        h.insert("x-amzn-errortype", header_value(kind));
        for (name, value) in headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(&value),
            ) {
                h.insert(name, value);
            }
        }
        resp
    }
}

fn header_value(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static("-"))
}

impl Backend for Gateway {
    type Route = Routed;

    fn route(
        &self,
        method: &str,
        path: &str,
        _origin: Option<&str>,
    ) -> Result<Routed, Box<HttpResponse>> {
        let below = self.below_stage(path);
        let matched = self.find(method, below.trim_end_matches('/'));
        match matched {
            Some((route, params)) => Ok(Routed {
                route,
                params,
                path: below.to_string(),
            }),
            // A REST API answers an unknown path, and a known path's missing method, alike.
            None => Err(Box::new(self.gateway_error(
                "MISSING_AUTHENTICATION_TOKEN",
                403,
                "Missing Authentication Token",
            ))),
        }
    }

    async fn call(&self, routed: Routed, req: HttpRequest) -> HttpResponse {
        let route = &self.inner.routes[routed.route];
        let Some(pool) = self.inner.pools.get(&route.function) else {
            return self.gateway_error("DEFAULT_5XX", 500, "Internal server error");
        };
        let event = req.event(&route.path, &routed.path, &self.inner.stage, &routed.params);
        let mut resp = match self.inner.pools.invoke(pool, event.to_string()).await {
            Ok(body) => proxy_response(&body).unwrap_or_else(|why| {
                tracing::warn!(function = %route.function, %why, "malformed Lambda proxy response");
                self.gateway_error("DEFAULT_5XX", 502, "Internal server error")
            }),
            // The template maps a throttled function to INTEGRATION_FAILURE (503, Retry-After).
            Err(Failure::Throttled) => {
                self.gateway_error("INTEGRATION_FAILURE", 500, "Internal server error")
            }
            // A function that timed out, crashed or returned an error gives API Gateway no proxy
            // response: 502.
            Err(failure) => {
                tracing::warn!(function = %route.function, ?failure, "the invocation failed");
                self.gateway_error("DEFAULT_5XX", 502, "Internal server error")
            }
        };
        resp.headers_mut()
            .insert("x-amzn-requestid", header_value(&req.request_id));
        resp
    }

    fn error(&self, status: u16, detail: &str, _origin: Option<&str>) -> HttpResponse {
        self.gateway_error(
            if status >= 500 {
                "DEFAULT_5XX"
            } else {
                "DEFAULT_4XX"
            },
            status,
            detail,
        )
    }
}

/// An API Gateway proxy response (what `lambda_http` posts) as HTTP.
fn proxy_response(body: &[u8]) -> Result<HttpResponse, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let status = v
        .get("statusCode")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| hyper::StatusCode::from_u16(s).ok())
        .ok_or("no valid statusCode")?;
    let text = v.get("body").and_then(Value::as_str).unwrap_or("");
    let bytes = if v.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) {
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|e| format!("body: {e}"))?
    } else {
        text.as_bytes().to_vec()
    };
    let mut resp = hyper::Response::new(Full::new(Bytes::from(bytes)));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    let mut add = |name: &str, value: &str| {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            h.append(n, v);
        }
    };
    // Lambda's proxy format: `multiValueHeaders` when present, else `headers`.
    match v.get("multiValueHeaders").and_then(Value::as_object) {
        Some(multi) if !multi.is_empty() => {
            for (name, values) in multi {
                for value in values
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    add(name, value);
                }
            }
        }
        _ => {
            for (name, value) in v
                .get("headers")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                if let Some(value) = value.as_str() {
                    add(name, value);
                }
            }
        }
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(p: &str) -> Vec<&str> {
        p.split('/').filter(|s| !s.is_empty()).collect()
    }

    #[test]
    fn routes_match_like_api_gateway() {
        let id = segments("/api/v1/companies/{company_id}");
        assert_eq!(
            match_route(&id, &parts("/api/v1/companies/7")),
            Some(vec![("company_id".into(), "7".into())])
        );
        assert_eq!(match_route(&id, &parts("/api/v1/companies")), None);
        assert_eq!(match_route(&id, &parts("/api/v1/companies/7/x")), None);
        assert_eq!(
            match_route(&segments("/docs/{path+}"), &parts("/docs/a/b.css")),
            Some(vec![("path".into(), "a/b.css".into())])
        );
        assert_eq!(match_route(&segments("/"), &parts("/")), Some(vec![]));
        assert_eq!(
            match_route(&segments("/x/{name}"), &parts("/x/a%20b")),
            Some(vec![("name".into(), "a b".into())])
        );
    }

    fn futures_lite_body(r: HttpResponse) -> Vec<u8> {
        use http_body_util::BodyExt as _;
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(r.into_body().collect())
            .unwrap()
            .to_bytes()
            .to_vec()
    }

    #[test]
    fn proxy_responses_become_http() {
        let r = proxy_response(
            br#"{"statusCode":201,"headers":{"content-type":"application/json"},"multiValueHeaders":{"set-cookie":["a=1","b=2"],"content-type":["application/json"]},"body":"{}","isBase64Encoded":false}"#,
        )
        .unwrap();
        assert_eq!(r.status(), 201);
        assert_eq!(r.headers().get_all("set-cookie").iter().count(), 2);
        let r =
            proxy_response(br#"{"statusCode":200,"body":"aGk=","isBase64Encoded":true}"#).unwrap();
        let body = futures_lite_body(r);
        assert_eq!(body, b"hi");
        assert!(proxy_response(br#"{"body":"x"}"#).is_err());
        assert!(proxy_response(b"not json").is_err());
    }
}
