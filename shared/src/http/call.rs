//! `Call`: one parsed request. Turning raw input into typed values happens here, and every failure is
//! an `ApiError` (422 for bad input, 401 for a bad token) instead of a panic or a 500.

use std::collections::HashMap;

use lambda_http::{Body, Request, RequestExt};
use serde::de::DeserializeOwned;

use crate::auth::jwt::Claims;
use crate::context::Ctx;
use crate::db::Tx;
use crate::domain::Page;
use crate::domain::idempotency::{Fingerprint, IdempotencyKey, MAX_KEY_LEN};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::endpoint::{Endpoint, Handler};

/// The header naming one logical write (README, "Idempotency keys").
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// A 422 about the `Idempotency-Key` header.
pub(crate) fn idempotency_key_error(msg: &str) -> ApiError {
    ApiError::Validation(vec![FieldError::new(
        &["header", "Idempotency-Key"],
        msg,
        "value_error",
    )])
}

/// Bodies above this are refused before parsing: no endpoint takes anything near this size.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

pub struct Call {
    pub endpoint: &'static Endpoint,
    pub request_id: String,
    method: String,
    path_params: HashMap<String, String>,
    query: Vec<(String, String)>,
    headers: lambda_http::http::HeaderMap,
    source_ip: Option<String>,
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
        let source_ip = source_ip_of(&req);
        let (parts, body) = req.into_parts();
        let body = match body {
            Body::Empty => Vec::new(),
            Body::Text(t) => t.into_bytes(),
            Body::Binary(b) => b,
            _ => Vec::new(),
        };
        if body.len() > MAX_BODY_BYTES {
            return Err(ApiError::PayloadTooLarge(format!(
                "Request body is larger than {MAX_BODY_BYTES} bytes"
            )));
        }
        Ok(Call {
            endpoint,
            request_id,
            method,
            path_params,
            query,
            headers: parts.headers,
            source_ip,
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
        tx.claim(&claims);
        tx.authorize(&claims, permissions)?.await
    }

    pub fn method(&self) -> &str {
        &self.method
    }

    /// The `Idempotency-Key` header of a write that accepts one (`Endpoint::accepts_idempotency_key`):
    /// `None` without it (or where it does not apply), an error naming the header when it is not
    /// 1 to 255 printable ASCII characters.
    pub(crate) fn idempotency_key(&self) -> Option<ApiResult<IdempotencyKey>> {
        if !self.endpoint.accepts_idempotency_key() {
            return None;
        }
        let raw = self.headers.get(IDEMPOTENCY_KEY)?;
        Some(IdempotencyKey::parse(raw.as_bytes()).ok_or_else(|| {
            idempotency_key_error(&format!(
                "must be 1 to {MAX_KEY_LEN} printable ASCII characters, not starting or ending with a space"
            ))
        }))
    }

    /// What makes a retry the same request as the first attempt (`Fingerprint::of`).
    pub(crate) fn fingerprint(&self) -> Fingerprint {
        let path: Vec<(&str, &str)> = self
            .path_params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let query: Vec<(&str, &str)> = self
            .query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        Fingerprint::of(self.endpoint.id, &path, &query, &self.body)
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

    /// The caller's address as API Gateway saw it (`requestContext.identity.sourceIp`), never
    /// `X-Forwarded-For`, whose first hop is whatever the client wrote.
    pub fn source_ip(&self) -> Option<&str> {
        self.source_ip.as_deref()
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
        refuse_nul_pairs("path", [(name, raw.as_str())])?;
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
        self.refuse_nul_in_query()?;
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
        self.refuse_nul_in_query()?;
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

    /// The body's media type, lower-cased and without parameters (`application/json`); `None`
    /// without a `Content-Type`.
    fn media_type(&self) -> Option<String> {
        self.header("content-type").map(|ct| {
            ct.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
    }

    /// The body as a JSON object. An empty body is a 422, not a "null" payload; a body labelled as
    /// anything but JSON (`application/json`, `application/*+json`) is a 415, an unlabelled one is
    /// read as JSON; a JSON value other than an object is a 422, because serde would map an array
    /// onto a struct's fields by position.
    pub fn json<T: DeserializeOwned>(&self) -> ApiResult<T> {
        if !self.has_body() {
            return Err(ApiError::Validation(vec![FieldError::new(
                &["body"],
                "a JSON body is required",
                "missing",
            )]));
        }
        if let Some(mt) = self.media_type()
            && !is_json(&mt)
        {
            return Err(ApiError::UnsupportedMediaType(format!(
                "Content-Type '{mt}' is not accepted here: send application/json"
            )));
        }
        self.json_object()
    }

    fn json_object<T: DeserializeOwned>(&self) -> ApiResult<T> {
        if self.body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(ApiError::Validation(vec![FieldError::new(
                &["body"],
                "the body must be a JSON object",
                "model_attributes_type",
            )]));
        }
        refuse_nul_in_json(&self.body)?;
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
        if !self.has_body() {
            Ok(T::default())
        } else {
            self.json()
        }
    }

    /// A form-encoded body (what the React app sends to `/auth/login` and `/auth/refresh`) or JSON,
    /// chosen by `Content-Type`.
    /// An unlabelled body is JSON when it starts with `{`, else a form; other types are a 415.
    pub fn form_or_json<T: DeserializeOwned>(&self) -> ApiResult<T> {
        match self.media_type().as_deref() {
            Some(mt) if is_json(mt) => return self.json(),
            Some("application/x-www-form-urlencoded") => {}
            Some(mt) if self.has_body() => {
                return Err(ApiError::UnsupportedMediaType(format!(
                    "Content-Type '{mt}' is not accepted here: send application/x-www-form-urlencoded or application/json"
                )));
            }
            None if self.body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') => {
                return self.json_object();
            }
            _ => {}
        }
        refuse_nul_pairs("body", form_urlencoded_parse_bytes(&self.body))?;
        let de = serde_urlencoded::Deserializer::new(form_urlencoded_parse_bytes(&self.body));
        serde_path_to_error::deserialize(de).map_err(|e| path_error("body", e))
    }

    fn refuse_nul_in_query(&self) -> ApiResult<()> {
        refuse_nul_pairs(
            "query",
            self.query.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        )
    }
}

/// The address API Gateway took the request from.
fn source_ip_of(req: &Request) -> Option<String> {
    use lambda_http::request::RequestContext;
    let ip = match req.request_context_ref()? {
        RequestContext::ApiGatewayV1(c) => c.identity.source_ip.clone(),
        RequestContext::ApiGatewayV2(c) => c.http.source_ip.clone(),
        #[allow(unreachable_patterns)]
        _ => None,
    };
    ip.filter(|ip| !ip.trim().is_empty())
}

/// `application/json` or a structured `+json` type (`application/merge-patch+json`).
fn is_json(media_type: &str) -> bool {
    media_type == "application/json"
        || (media_type.starts_with("application/") && media_type.ends_with("+json"))
}

// NUL (U+0000) in string input. PostgreSQL's text cannot hold it (the driver fails the statement,
// which used to be a 500, before authentication for a login form) and bcrypt ends a password at it
// (`"pass\0word"` would verify as `"pass"`). So every string the API reads, key or value, form,
// query, path or JSON, is refused with a 422 naming where it was, before it is parsed into a type:
// here, once, rather than in each field's parser.

const NUL_IN_VALUE: &str = "must not contain the NUL character (\\u0000)";
const NUL_IN_KEY: &str = "keys must not contain the NUL character (\\u0000)";

/// A key as a 422 names it: the NUL shown escaped, so the answer carries no NUL itself.
fn printable(key: &str) -> String {
    key.replace('\0', "\\u0000")
}

fn refuse_nul_pairs<K: AsRef<str>, V: AsRef<str>>(
    root: &str,
    pairs: impl IntoIterator<Item = (K, V)>,
) -> ApiResult<()> {
    for (k, v) in pairs {
        let (k, v) = (k.as_ref(), v.as_ref());
        let msg = if k.contains('\0') {
            NUL_IN_KEY
        } else if v.contains('\0') {
            NUL_IN_VALUE
        } else {
            continue;
        };
        return Err(ApiError::Validation(vec![FieldError::new(
            &[root, &printable(k)],
            msg,
            "value_error",
        )]));
    }
    Ok(())
}

/// JSON can only carry a NUL as the escape `\u0000` (a raw one is a syntax error), so a body
/// without that text is passed on unread; one with it is walked to name the string or key.
fn refuse_nul_in_json(body: &[u8]) -> ApiResult<()> {
    if !body.windows(6).any(|w| w == b"\\u0000") {
        return Ok(());
    }
    // A body that does not parse is left to the typed parse, which reports the syntax error.
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
        return Ok(());
    };
    let mut loc = vec!["body".to_string()];
    match nul_in_value(&value, &mut loc) {
        None => Ok(()),
        Some(msg) => Err(ApiError::Validation(vec![FieldError {
            loc,
            msg: msg.to_string(),
            kind: "value_error".to_string(),
        }])),
    }
}

/// The first NUL in `value`: `loc` is left at its place (for a key: the key itself).
fn nul_in_value(value: &serde_json::Value, loc: &mut Vec<String>) -> Option<&'static str> {
    use serde_json::Value;
    match value {
        Value::String(s) if s.contains('\0') => Some(NUL_IN_VALUE),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            loc.push(i.to_string());
            let found = nul_in_value(item, loc);
            if found.is_none() {
                loc.pop();
            }
            found
        }),
        Value::Object(fields) => fields.iter().find_map(|(k, v)| {
            loc.push(printable(k));
            let found = if k.contains('\0') {
                Some(NUL_IN_KEY)
            } else {
                nul_in_value(v, loc)
            };
            if found.is_none() {
                loc.pop();
            }
            found
        }),
        _ => None,
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
