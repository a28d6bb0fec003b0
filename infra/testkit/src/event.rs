//! Building API Gateway REST (v1) proxy events. The local server and the tests turn every HTTP request
//! into the same event shape Lambda receives and parse it with `lambda_http`, so the handler code paths
//! are identical in all three places.

use lambda_http::Request;
use serde_json::{Map, Value, json};

pub struct EventInput<'a> {
    pub method: &'a str,
    /// The route template, e.g. `/api/v1/companies/{company_id}` (API Gateway's `resource`).
    pub resource: &'a str,
    /// The request path below the stage, e.g. `/api/v1/companies/3`.
    pub path: &'a str,
    pub stage: &'a str,
    pub path_params: &'a [(String, String)],
    pub query: &'a [(String, String)],
    pub headers: &'a [(String, String)],
    pub body: Option<&'a [u8]>,
    pub source_ip: &'a str,
    pub request_id: &'a str,
}

impl<'a> EventInput<'a> {
    /// A request for `path` (also its route template) on stage `prod` from 127.0.0.1, with no
    /// parameters, headers or body and request id `test-request`; set the rest with
    /// `EventInput { headers, ..EventInput::new("GET", "/health") }`.
    pub fn new(method: &'a str, path: &'a str) -> Self {
        EventInput {
            method,
            resource: path,
            path,
            stage: "prod",
            path_params: &[],
            query: &[],
            headers: &[],
            body: None,
            source_ip: "127.0.0.1",
            request_id: "test-request",
        }
    }
}

pub fn rest_v1_event(input: &EventInput<'_>) -> Value {
    let mut headers = Map::new();
    let mut multi_headers = Map::new();
    for (k, v) in input.headers {
        headers.insert(k.clone(), Value::String(v.clone()));
        if let Some(a) = multi_headers
            .entry(k.clone())
            .or_insert_with(|| Value::Array(vec![]))
            .as_array_mut()
        {
            a.push(Value::String(v.clone()));
        }
    }
    let mut query = Map::new();
    let mut multi_query = Map::new();
    for (k, v) in input.query {
        query.insert(k.clone(), Value::String(v.clone()));
        if let Some(a) = multi_query
            .entry(k.clone())
            .or_insert_with(|| Value::Array(vec![]))
            .as_array_mut()
        {
            a.push(Value::String(v.clone()));
        }
    }
    let path_params: Map<String, Value> = input
        .path_params
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let (body, b64) = match input.body {
        None => (Value::Null, false),
        Some(b) => match std::str::from_utf8(b) {
            Ok(s) => (Value::String(s.to_string()), false),
            Err(_) => (Value::String(base64_encode(b)), true),
        },
    };
    let opt = |m: Map<String, Value>| {
        if m.is_empty() {
            Value::Null
        } else {
            Value::Object(m)
        }
    };
    json!({
        "resource": input.resource,
        "path": input.path,
        "httpMethod": input.method,
        "headers": opt(headers),
        "multiValueHeaders": opt(multi_headers),
        "queryStringParameters": opt(query),
        "multiValueQueryStringParameters": opt(multi_query),
        "pathParameters": opt(path_params),
        "stageVariables": null,
        "requestContext": {
            "accountId": "000000000000",
            "resourceId": "local",
            "stage": input.stage,
            "requestId": input.request_id,
            "identity": { "sourceIp": input.source_ip, "userAgent": null },
            "resourcePath": input.resource,
            "httpMethod": input.method,
            "apiId": "local",
            "path": format!("/{}{}", input.stage, input.path),
            "protocol": "HTTP/1.1",
            "requestTime": "01/Jan/1970:00:00:00 +0000",
            "requestTimeEpoch": 0
        },
        "body": body,
        "isBase64Encoded": b64
    })
}

/// Parse an event exactly as the Lambda runtime would.
pub fn to_request(event: &Value) -> Result<Request, serde_json::Error> {
    lambda_http::request::from_str(&event.to_string())
}

fn base64_encode(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::RequestExt;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (raw, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64_encode(raw.as_bytes()), enc);
        }
    }

    #[test]
    fn event_round_trips_through_lambda_http() {
        let ev = rest_v1_event(&EventInput {
            method: "GET",
            resource: "/api/v1/metals/{metal_id}",
            path: "/api/v1/metals/5",
            stage: "prod",
            path_params: &[("metal_id".into(), "5".into())],
            query: &[("include_inactive".into(), "true".into())],
            headers: &[("origin".into(), "http://localhost:5173".into())],
            body: None,
            source_ip: "127.0.0.1",
            request_id: "r-1",
        });
        let req = to_request(&ev).unwrap();
        assert_eq!(req.method(), "GET");
        assert_eq!(req.path_parameters().first("metal_id"), Some("5"));
        assert_eq!(
            req.query_string_parameters().first("include_inactive"),
            Some("true")
        );
    }
}
