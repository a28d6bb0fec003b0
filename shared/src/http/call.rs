//! `Call`: one parsed request. Turning raw input into typed values happens here, and every failure is
//! an `ApiError` (422 for bad input, 401 for a bad token) instead of a panic or a 500.

use std::collections::HashMap;

use lambda_http::{Body, Request, RequestExt};
use serde::de::DeserializeOwned;

use crate::auth::jwt::Claims;
use crate::context::Ctx;
use crate::db::Tx;
use crate::domain::Page;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::endpoint::{Endpoint, Handler};

/// Bodies above this are refused before parsing: no endpoint takes anything near this size.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

pub struct Call {
    pub endpoint: &'static Endpoint,
    pub request_id: String,
    method: String,
    path_params: HashMap<String, String>,
    query: Vec<(String, String)>,
    headers: lambda_http::http::HeaderMap,
    body: Vec<u8>,
}

impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print bodies or headers: they carry passwords and tokens.
        f.debug_struct("Call")
            .field("endpoint", &self.endpoint.id)
            .field("request_id", &self.request_id)
            .finish()
    }
}

impl Call {
    pub fn from_request(
        endpoint: &'static Endpoint,
        req: Request,
        request_id: String,
    ) -> ApiResult<Self> {
        let path_params = req
            .path_parameters_ref()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let query = req
            .query_string_parameters_ref()
            .map(|m| {
                m.iter()
                    .flat_map(|(k, _)| {
                        let k = k.to_string();
                        m.all(&k)
                            .unwrap_or_default()
                            .into_iter()
                            .map(move |v| (k.clone(), v.to_string()))
                            .collect::<Vec<_>>()
                    })
                    .collect()
            })
            .unwrap_or_default();
        let method = req.method().as_str().to_string();
        let (parts, body) = req.into_parts();
        let body = match body {
            Body::Empty => Vec::new(),
            Body::Text(t) => t.into_bytes(),
            Body::Binary(b) => b,
            _ => Vec::new(),
        };
        if body.len() > MAX_BODY_BYTES {
            return Err(ApiError::Validation(vec![FieldError::new(
                &["body"],
                format!("request body is larger than {MAX_BODY_BYTES} bytes"),
                "too_long",
            )]));
        }
        Ok(Call {
            endpoint,
            request_id,
            method,
            path_params,
            query,
            headers: parts.headers,
            body,
        })
    }

    /// The bearer token's verified claims (signature, algorithm, expiry); 401 without a valid one.
    /// Whether the user is still active is checked by `Tx::authorize` when the tenant is set.
    pub(crate) fn verify_token(&self, ctx: &Ctx) -> ApiResult<Claims> {
        let token = self.bearer_token().ok_or_else(ApiError::unauthenticated)?;
        let claims = ctx.jwt().verify(token).map_err(|e| {
            tracing::info!(reason = %e, "token rejected");
            ApiError::unauthenticated()
        })?;
        tracing::Span::current().record("tenant_id", claims.tenant_id);
        tracing::Span::current().record("user_id", claims.user_id);
        Ok(claims)
    }

    /// For an endpoint whose token is optional, once the handler knows it needs the caller: verify the
    /// bearer token (401 without a valid one) and move `tx` into the caller's tenant, with the
    /// permissions the endpoint declares (403).
    pub async fn authorize(&self, ctx: &Ctx, tx: &mut Tx<'_>) -> ApiResult<()> {
        let Handler::OptionalTenant { permissions, .. } = self.endpoint.handler else {
            return Err(ApiError::bug(format!(
                "Call::authorize on {}, whose access is not optional_user",
                self.endpoint.id
            )));
        };
        let claims = self.verify_token(ctx)?;
        tx.authorize(&claims, permissions).await
    }

    pub fn method(&self) -> &str {
        &self.method
    }

    pub fn has_body(&self) -> bool {
        !self.body.iter().all(u8::is_ascii_whitespace)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn bearer_token(&self) -> Option<&str> {
        let h = self.header("authorization")?;
        let (scheme, token) = h.split_once(' ')?;
        if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() {
            Some(token.trim())
        } else {
            None
        }
    }

    pub fn user_agent(&self) -> Option<&str> {
        self.header("user-agent")
    }

    /// The caller's address as API Gateway saw it (first hop of X-Forwarded-For).
    pub fn source_ip(&self) -> Option<&str> {
        self.header("x-forwarded-for")
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    /// A path parameter parsed with `FromStr`; a malformed value is a 422 naming the parameter.
    pub fn path<T: std::str::FromStr>(&self, name: &str) -> ApiResult<T> {
        let raw = self.path_params.get(name).ok_or_else(|| {
            ApiError::Validation(vec![FieldError::new(
                &["path", name],
                "Field required",
                "missing",
            )])
        })?;
        raw.parse().map_err(|_| {
            ApiError::Validation(vec![FieldError::new(
                &["path", name],
                format!("'{raw}' is not a valid value"),
                "type_error",
            )])
        })
    }

    /// The query string as a typed struct (unknown parameters are ignored, as browsers add their own).
    pub fn query<T: DeserializeOwned>(&self) -> ApiResult<T> {
        let encoded = serde_urlencoded::to_string(&self.query)
            .map_err(|e| ApiError::internal("re-encoding query", e))?;
        let de = serde_urlencoded::Deserializer::new(form_urlencoded_parse(&encoded));
        serde_path_to_error::deserialize(de).map_err(|e| path_error("query", e))
    }

    /// The `skip` and `limit` query parameters of a list (`Page`): read here rather than in each
    /// endpoint's query struct, because `serde(flatten)` with serde_urlencoded cannot parse integers.
    pub fn page(&self) -> ApiResult<Page> {
        Page::parse(self.query_int("skip")?, self.query_int("limit")?)
    }

    /// The page asked for, `None` when neither `skip` nor `limit` is given: for the lists the app
    /// shows whole.
    pub fn page_if_asked(&self) -> ApiResult<Option<Page>> {
        let (skip, limit) = (self.query_int("skip")?, self.query_int("limit")?);
        if skip.is_none() && limit.is_none() {
            return Ok(None);
        }
        Page::parse(skip, limit).map(Some)
    }

    /// An optional integer query parameter, with serde_urlencoded's messages for bad input.
    fn query_int(&self, name: &str) -> ApiResult<Option<i64>> {
        let mut values = self.query.iter().filter(|(k, _)| k == name);
        let Some((_, raw)) = values.next() else {
            return Ok(None);
        };
        let invalid = |msg: String| {
            ApiError::Validation(vec![FieldError::new(&["query", name], msg, "value_error")])
        };
        if values.next().is_some() {
            return Err(invalid(format!("duplicate field `{name}`")));
        }
        raw.parse()
            .map(Some)
            .map_err(|e: std::num::ParseIntError| invalid(e.to_string()))
    }

    /// The body as JSON. An empty body is a 422, not a "null" payload.
    pub fn json<T: DeserializeOwned>(&self) -> ApiResult<T> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::Validation(vec![FieldError::new(
                &["body"],
                "a JSON body is required",
                "missing",
            )]));
        }
        let mut de = serde_json::Deserializer::from_slice(&self.body);
        let value = serde_path_to_error::deserialize(&mut de).map_err(|e| path_error("body", e))?;
        de.end().map_err(|e| {
            ApiError::Validation(vec![FieldError::new(
                &["body"],
                clean_serde_msg(&e.to_string()),
                "json_invalid",
            )])
        })?;
        Ok(value)
    }

    /// The body as JSON, or `T::default()` when there is none (e.g. `POST …/seed` without a body).
    pub fn json_or_default<T: DeserializeOwned + Default>(&self) -> ApiResult<T> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            Ok(T::default())
        } else {
            self.json()
        }
    }

    /// A form-encoded body (what the React app sends to `/auth/login` and `/auth/refresh`) or JSON,
    /// chosen by `Content-Type`.
    pub fn form_or_json<T: DeserializeOwned>(&self) -> ApiResult<T> {
        let ct = self
            .header("content-type")
            .unwrap_or("")
            .to_ascii_lowercase();
        if ct.starts_with("application/json")
            || (!ct.contains("form") && self.body.first() == Some(&b'{'))
        {
            return self.json();
        }
        let de = serde_urlencoded::Deserializer::new(form_urlencoded_parse_bytes(&self.body));
        serde_path_to_error::deserialize(de).map_err(|e| path_error("body", e))
    }
}

fn form_urlencoded_parse(s: &str) -> form_urlencoded::Parse<'_> {
    form_urlencoded::parse(s.as_bytes())
}

fn form_urlencoded_parse_bytes(b: &[u8]) -> form_urlencoded::Parse<'_> {
    form_urlencoded::parse(b)
}

/// serde messages end with " at line 1 column 17"; the client needs the field, not the offset.
fn clean_serde_msg(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

fn path_error<E: std::fmt::Display>(root: &str, e: serde_path_to_error::Error<E>) -> ApiError {
    let mut loc: Vec<String> = vec![root.to_string()];
    for seg in e.path().iter() {
        use serde_path_to_error::Segment;
        match seg {
            Segment::Seq { index } => loc.push(index.to_string()),
            Segment::Map { key } => loc.push(key.clone()),
            Segment::Enum { variant } => loc.push(variant.clone()),
            Segment::Unknown => {}
        }
    }
    let raw = clean_serde_msg(&e.inner().to_string());
    let (msg, kind) = if let Some(rest) = raw.strip_prefix("missing field `") {
        let field = rest.trim_end_matches('`');
        loc.push(field.to_string());
        ("Field required".to_string(), "missing")
    } else if raw.starts_with("invalid type") || raw.starts_with("invalid value") {
        (raw, "type_error")
    } else if raw.starts_with("unknown variant") {
        (raw, "enum")
    } else {
        (raw, "value_error")
    };
    ApiError::Validation(vec![FieldError {
        loc,
        msg,
        kind: kind.to_string(),
    }])
}

/// An id filter of a list's query string: absent or empty (axios sends an unset filter as `name=`) is
/// no filter; anything else must parse as `T` (422 naming the parameter).
pub fn id_filter<T: std::str::FromStr>(name: &str, raw: Option<&str>) -> ApiResult<Option<T>> {
    filter(name, raw, "must be a positive integer")
}

/// A date filter (`YYYY-MM-DD`) of a list's query string, absent or empty being no filter.
pub fn date_filter(name: &str, raw: Option<&str>) -> ApiResult<Option<chrono::NaiveDate>> {
    filter(name, raw, "must be a date (YYYY-MM-DD)")
}

fn filter<T: std::str::FromStr>(
    name: &str,
    raw: Option<&str>,
    expected: &str,
) -> ApiResult<Option<T>> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v.parse::<T>().map(Some).map_err(|_| {
            ApiError::Validation(vec![FieldError::new(
                &["query", name],
                expected,
                "type_error",
            )])
        }),
    }
}

/// Booleans as HTML forms and query strings send them (`true`/`false`/`on`/`1`), or JSON booleans.
pub fn lenient_bool<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum B {
        Bool(bool),
        Text(String),
    }
    match <B as serde::Deserialize>::deserialize(d)? {
        B::Bool(b) => Ok(b),
        B::Text(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "on" | "yes" => Ok(true),
            "false" | "0" | "off" | "no" | "" => Ok(false),
            other => Err(serde::de::Error::custom(format!(
                "'{other}' is not a boolean"
            ))),
        },
    }
}

/// For update bodies where `null` means "clear" and an absent field means "leave as it is":
/// absent → `None` (with `#[serde(default)]`), `null` → `Some(None)`, a value → `Some(Some(v))`.
/// Use as `#[serde(default, deserialize_with = "shared::http::call::nullable")]`.
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(d).map(Some)
}
