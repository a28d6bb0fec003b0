//! Secrets Manager secrets, read once per cold start before `Config` is validated and overlaid on
//! the process environment. Which secret a binary reads, and what it must hold, is its
//! `SecretKind`:
//!
//! - `APP` (every request function): named by `APP_SECRET_ARN`, with `DATABASE_URL` and
//!   `SECRET_KEY` (required) and `METAL_PRICE_API_KEY` (optional):
//!   `{"DATABASE_URL": "postgres://app_rw:...@host:5432/jmsk", "SECRET_KEY": "<64 characters>"}`.
//! - `MIGRATION` (the migration function only): named by `MIGRATION_SECRET_ARN`, with
//!   `MIGRATION_DATABASE_URL`, the schema owner's URL (required):
//!   `{"MIGRATION_DATABASE_URL": "postgres://app_owner:...@host:5432/jmsk"}`.
//!
//! The owner's URL is kept out of the app secret so that a request function, which can read its
//! own secret, can never reach DDL rights. An app secret that still carries
//! `MIGRATION_DATABASE_URL` is read without it: the key is dropped at parse time (its value is never
//! kept) and named, key only, in a warning at cold start. Other unknown keys are ignored.
//!
//! **Precedence: the secret wins.** For every key the secret carries, its value is used even when the
//! environment also sets that variable (a non-empty one is reported, by name only, at cold start).
//! Rationale: the secret is the one that gets rotated; a stale plaintext `DATABASE_URL` left in a
//! function's environment must not silently shadow it. Keys the secret does not carry come from the
//! environment as usual. To point a function elsewhere, unset the ARN variable and set the variables.
//!
//! `fetch` is one SigV4-signed HTTPS `POST` to Secrets Manager (`crate::aws_sigv4`), not the AWS SDK:
//! the SDK cost each binary 5.8 MB for this one read per cold start (docs/deploying.md, "Reading the
//! secret"). It honours `AWS_ENDPOINT_URL_SECRETS_MANAGER` and `AWS_ENDPOINT_URL` (the names the SDK
//! uses: service id "Secrets Manager", upper-cased, space → underscore), which the tests point at a
//! local stub that checks the signature.

use std::collections::BTreeMap;
use std::fmt;

use crate::config::{Config, ConfigError, Secret};

/// Which secret a binary reads and which of its keys it takes.
#[derive(Debug)]
pub struct SecretKind {
    /// The environment variable naming the secret (ARN or name).
    pub arn_var: &'static str,
    /// Keys the secret must carry.
    pub required: &'static [&'static str],
    /// Keys the secret may carry.
    pub optional: &'static [&'static str],
    /// Keys that belong in another secret, with the variable naming that one: never read from this
    /// secret, and reported by name.
    pub misplaced: &'static [(&'static str, &'static str)],
}

/// The request functions' secret.
pub const APP: SecretKind = SecretKind {
    arn_var: "APP_SECRET_ARN",
    required: &["DATABASE_URL", "SECRET_KEY"],
    optional: &["METAL_PRICE_API_KEY"],
    misplaced: &[("MIGRATION_DATABASE_URL", "MIGRATION_SECRET_ARN")],
};

/// The migration function's secret: the schema owner's URL.
pub const MIGRATION: SecretKind = SecretKind {
    arn_var: "MIGRATION_SECRET_ARN",
    required: &["MIGRATION_DATABASE_URL"],
    optional: &[],
    misplaced: &[],
};

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("{var}: cannot read secret '{arn}' from Secrets Manager: {reason}")]
    Fetch {
        var: &'static str,
        arn: String,
        reason: String,
    },
    #[error(
        "{var}: secret '{arn}' has no SecretString (a binary secret?): store a JSON object of strings"
    )]
    NotAString { var: &'static str, arn: String },
    #[error("{var}: secret '{arn}' is not a JSON object of strings: {reason}")]
    Malformed {
        var: &'static str,
        arn: String,
        reason: String,
    },
    #[error("{var}: secret '{arn}' lacks the key {key} (required: {required})")]
    MissingKey {
        var: &'static str,
        arn: String,
        key: &'static str,
        required: String,
    },
}

/// A parsed secret: the values of its kind's keys. `Debug` shows the key names only.
#[derive(Clone)]
pub struct SecretValues {
    kind: &'static SecretKind,
    arn: String,
    values: BTreeMap<&'static str, Secret>,
    /// Misplaced keys the secret carried (names only), with where each belongs.
    misplaced: Vec<(&'static str, &'static str)>,
}

impl fmt::Debug for SecretValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretValues")
            .field("var", &self.kind.arn_var)
            .field("arn", &self.arn)
            .field("keys", &self.values.keys().collect::<Vec<_>>())
            .field("misplaced", &self.misplaced)
            .finish()
    }
}

impl SecretValues {
    /// Parse a `SecretString` of `kind`. Errors name the variable, the secret and the key, never a
    /// value.
    pub fn parse(kind: &'static SecretKind, arn: &str, json: &str) -> Result<Self, SecretError> {
        let malformed = |reason: String| SecretError::Malformed {
            var: kind.arn_var,
            arn: arn.to_string(),
            reason,
        };
        // serde_json's messages carry positions, not input text, so no value can leak through them.
        let raw: serde_json::Value =
            serde_json::from_str(json).map_err(|e| malformed(e.to_string()))?;
        let serde_json::Value::Object(map) = raw else {
            return Err(malformed("the top level must be an object".into()));
        };
        let mut values = BTreeMap::new();
        for key in kind.required.iter().chain(kind.optional) {
            match map.get(*key) {
                None | Some(serde_json::Value::Null) => {}
                Some(serde_json::Value::String(s)) if s.trim().is_empty() => {}
                Some(serde_json::Value::String(s)) => {
                    values.insert(*key, Secret::new(s.trim()));
                }
                Some(_) => return Err(malformed(format!("the value of {key} must be a string"))),
            }
        }
        for key in kind.required {
            if !values.contains_key(key) {
                return Err(SecretError::MissingKey {
                    var: kind.arn_var,
                    arn: arn.to_string(),
                    key,
                    required: kind.required.join(", "),
                });
            }
        }
        let misplaced = kind
            .misplaced
            .iter()
            .filter(|(key, _)| map.get(*key).is_some_and(|v| !v.is_null()))
            .copied()
            .collect();
        Ok(SecretValues {
            kind,
            arn: arn.to_string(),
            values,
            misplaced,
        })
    }

    pub fn kind(&self) -> &'static SecretKind {
        self.kind
    }

    pub fn arn(&self) -> &str {
        &self.arn
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(Secret::expose)
    }

    pub fn keys(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.values.keys().copied()
    }

    /// Keys the secret carries that belong in another secret, each with the variable naming that
    /// one. Their values were not kept.
    pub fn misplaced_keys(&self) -> &[(&'static str, &'static str)] {
        &self.misplaced
    }
}

type Lookup = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// What a binary reads its configuration from: its secret (when the kind's ARN variable is set)
/// over the process environment.
pub struct Settings {
    secret: Option<SecretValues>,
    env: Lookup,
}

impl Settings {
    /// Read `kind`'s ARN variable from the process environment and, when it is set, fetch the secret.
    pub async fn load(kind: &'static SecretKind) -> Result<Self, SecretError> {
        let arn = std::env::var(kind.arn_var)
            .ok()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty());
        let secret = match arn {
            Some(arn) => Some(fetch(kind, &arn).await?),
            None => None,
        };
        Ok(Self::new(secret, |k| std::env::var(k).ok()))
    }

    /// Settings over an explicit environment (tests).
    pub fn new(
        secret: Option<SecretValues>,
        env: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        Settings {
            secret,
            env: Box::new(env),
        }
    }

    /// The value of `key`: the secret's when it carries the key, else the environment's.
    pub fn get(&self, key: &str) -> Option<String> {
        self.secret
            .as_ref()
            .and_then(|s| s.get(key))
            .map(str::to_string)
            .or_else(|| (self.env)(key))
    }

    /// The validated configuration.
    pub fn config(&self) -> Result<Config, ConfigError> {
        Config::from_lookup(|k| self.get(k))
    }

    pub fn secret(&self) -> Option<&SecretValues> {
        self.secret.as_ref()
    }

    /// Environment variables that are set (non-empty) but overridden by the secret: worth a warning.
    pub fn shadowed_env_vars(&self) -> Vec<&'static str> {
        let Some(secret) = &self.secret else {
            return Vec::new();
        };
        secret
            .keys()
            .filter(|k| (self.env)(k).is_some_and(|v| !v.trim().is_empty()))
            .collect()
    }
}

/// Fetch and parse the secret `arn` of `kind` (`GetSecretValue`, current version): one SigV4-signed
/// `POST` (docs/deploying.md, "Reading the secret").
///
/// Configured from the variables Lambda sets: region `AWS_REGION` (or `AWS_DEFAULT_REGION`);
/// credentials `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`; endpoint
/// `https://secretsmanager.{region}.amazonaws.com`, or `AWS_ENDPOINT_URL_SECRETS_MANAGER` /
/// `AWS_ENDPOINT_URL` (the SDK's names for the override; `http://` is accepted there, for stubs).
/// Should functions ever get credentials another way (SnapStart's container credentials, a
/// profile), this has to learn it: nothing here walks a provider chain.
pub async fn fetch(kind: &'static SecretKind, arn: &str) -> Result<SecretValues, SecretError> {
    let env = |k: &str| {
        std::env::var(k)
            .ok()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let fail = |reason: String| SecretError::Fetch {
        var: kind.arn_var,
        arn: arn.to_string(),
        reason,
    };
    let region = env("AWS_REGION")
        .or_else(|| env("AWS_DEFAULT_REGION"))
        .ok_or_else(|| fail("AWS_REGION is not set (Lambda sets it)".into()))?;
    let (Some(key_id), Some(secret_key)) = (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"))
    else {
        return Err(fail(
            "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are not set (Lambda sets them from the function's role)"
                .into(),
        ));
    };
    let endpoint = env("AWS_ENDPOINT_URL_SECRETS_MANAGER")
        .or_else(|| env("AWS_ENDPOINT_URL"))
        .unwrap_or_else(|| format!("https://secretsmanager.{region}.amazonaws.com"));
    let session_token = env("AWS_SESSION_TOKEN");
    let call = manager::Call {
        endpoint: &endpoint,
        signer: crate::aws_sigv4::Signer {
            access_key_id: &key_id,
            secret_access_key: &secret_key,
            region: &region,
            service: manager::SERVICE,
        },
        session_token: session_token.as_deref(),
    };
    let json = match tokio::time::timeout(manager::TOTAL_TIMEOUT, call.get_secret_value(arn)).await
    {
        Err(_) => {
            return Err(fail(format!(
                "no answer within {} s",
                manager::TOTAL_TIMEOUT.as_secs()
            )));
        }
        Ok(answer) => answer.map_err(fail)?,
    };
    let json = json.ok_or_else(|| SecretError::NotAString {
        var: kind.arn_var,
        arn: arn.to_string(),
    })?;
    SecretValues::parse(kind, arn, &json)
}

/// The Secrets Manager side of `fetch`: the request, its bounds and the reading of the answer.
mod manager {
    use std::time::Duration;

    use http_body_util::{BodyExt, Full, Limited};
    use hyper::body::Bytes;
    use hyper_util::client::legacy::Client;
    use hyper_util::client::legacy::connect::HttpConnector;
    use hyper_util::rt::TokioExecutor;

    use crate::aws_sigv4::{Request, Signer};

    pub const SERVICE: &str = "secretsmanager";
    const TARGET: &str = "secretsmanager.GetSecretValue";
    const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

    // Bounded: Lambda's init phase lasts at most 10 s, and a function in a VPC without a route to
    // Secrets Manager (no interface endpoint, no NAT) would otherwise hang until the invocation
    // timeout. The SDK's numbers, kept: 2 s to connect, 3 s per attempt, 3 attempts, 8 s in all.
    pub const TOTAL_TIMEOUT: Duration = Duration::from_secs(8);
    const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
    const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(3);
    const ATTEMPTS: u32 = 3;
    const FIRST_BACKOFF: Duration = Duration::from_millis(100);
    /// A SecretString holds at most 64 KiB; JSON escaping can multiply that by up to six.
    const MAX_ANSWER_BYTES: usize = 512 * 1024;
    /// Error messages are a sentence; a longer one is not from Secrets Manager.
    const MAX_MESSAGE_CHARS: usize = 300;

    pub struct Call<'a> {
        pub endpoint: &'a str,
        pub signer: Signer<'a>,
        pub session_token: Option<&'a str>,
    }

    enum Attempt {
        /// An answer to keep: the SecretString (`None` for a binary secret), or why not.
        Done(Result<Option<String>, String>),
        /// No answer, or one worth asking again for (throttling, a 5xx).
        Retry(String),
    }

    impl Call<'_> {
        /// The secret's SecretString, `None` when it has none; `Err` says why not, never with a
        /// value (error answers carry none, and a success's body is only read by serde, whose
        /// messages give positions, not text).
        pub async fn get_secret_value(&self, arn: &str) -> Result<Option<String>, String> {
            let uri: hyper::Uri = self
                .endpoint
                .parse()
                .map_err(|e| format!("bad endpoint URL {}: {e}", self.endpoint))?;
            if uri.query().is_some() {
                return Err(format!("endpoint URL {} has a query", self.endpoint));
            }
            let client = client()?;
            let body = serde_json::json!({ "SecretId": arn }).to_string();
            let mut last = String::new();
            let mut backoff = FIRST_BACKOFF;
            for attempt in 1..=ATTEMPTS {
                if attempt > 1 {
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                }
                let once = self.attempt(&client, &uri, &body);
                match tokio::time::timeout(ATTEMPT_TIMEOUT, once).await {
                    Ok(Attempt::Done(answer)) => return answer,
                    Ok(Attempt::Retry(reason)) => last = reason,
                    Err(_) => last = format!("no answer within {} s", ATTEMPT_TIMEOUT.as_secs()),
                }
            }
            Err(format!("{last} (after {ATTEMPTS} attempts)"))
        }

        async fn attempt(&self, client: &HttpsClient, uri: &hyper::Uri, body: &str) -> Attempt {
            let Some(host) = uri.authority().map(|a| a.as_str()) else {
                return Attempt::Done(Err(format!("endpoint URL {uri} has no host")));
            };
            // Signed per attempt: the date is part of the signature.
            let amz_date = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
            let mut headers = vec![
                ("content-type", CONTENT_TYPE),
                ("host", host),
                ("x-amz-date", amz_date.as_str()),
                ("x-amz-target", TARGET),
            ];
            if let Some(token) = self.session_token {
                headers.push(("x-amz-security-token", token));
            }
            let authorization = self.signer.authorization(
                &amz_date,
                &Request {
                    method: "POST",
                    path: uri.path(),
                    query: "",
                    headers: &headers,
                    body: body.as_bytes(),
                },
            );
            let mut req = hyper::Request::post(uri.clone());
            for (name, value) in &headers {
                req = req.header(*name, *value);
            }
            let req = match req
                .header(hyper::header::AUTHORIZATION, authorization)
                .body(Full::new(Bytes::from(body.to_string())))
            {
                Ok(req) => req,
                // A header value that is not one: a session token or endpoint with odd bytes.
                Err(e) => return Attempt::Done(Err(format!("cannot build the request: {e}"))),
            };
            let resp = match client.request(req).await {
                Ok(resp) => resp,
                Err(e) => return Attempt::Retry(causes(&e)),
            };
            let status = resp.status();
            let error_type = resp
                .headers()
                .get("x-amzn-errortype")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let bytes = match Limited::new(resp.into_body(), MAX_ANSWER_BYTES)
                .collect()
                .await
            {
                Ok(b) => b.to_bytes(),
                Err(e) => return Attempt::Retry(format!("reading the answer: {e}")),
            };
            if status.is_success() {
                return Attempt::Done(secret_string(&bytes));
            }
            let (kind, reason) = service_error(status.as_u16(), error_type.as_deref(), &bytes);
            let throttled = matches!(
                kind.as_deref(),
                Some("ThrottlingException" | "RequestLimitExceeded" | "TooManyRequestsException")
            );
            if status.is_server_error() || status.as_u16() == 429 || throttled {
                Attempt::Retry(reason)
            } else {
                Attempt::Done(Err(reason))
            }
        }
    }

    type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

    /// A client for this one call: nothing pooled (the call is made once per process), certificates
    /// checked against the system's roots as the SDK's client did (`rustls-native-certs`: on
    /// `provided.al2023` `/etc/pki/tls/certs/ca-bundle.crt`; `SSL_CERT_FILE` overrides it), TLS on
    /// ring like every other TLS client here.
    fn client() -> Result<HttpsClient, String> {
        let mut http = HttpConnector::new();
        http.set_connect_timeout(Some(CONNECT_TIMEOUT));
        http.enforce_http(false);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(rustls::crypto::ring::default_provider())
            .map_err(|e| format!("no usable root certificates: {e}"))?
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        Ok(Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(0)
            .build(https))
    }

    /// An error and its causes, outermost first: hyper's own message ("client error (Connect)")
    /// says little without them.
    fn causes(e: &(dyn std::error::Error + 'static)) -> String {
        std::iter::successors(Some(e), |e| e.source())
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(": ")
    }

    /// `SecretString` of a GetSecretValue answer.
    pub(super) fn secret_string(body: &[u8]) -> Result<Option<String>, String> {
        #[derive(serde::Deserialize)]
        struct Answer {
            #[serde(rename = "SecretString")]
            secret_string: Option<String>,
        }
        serde_json::from_slice::<Answer>(body)
            .map(|a| a.secret_string)
            .map_err(|e| format!("unreadable GetSecretValue answer: {e}"))
    }

    /// The error type (`ResourceNotFoundException`) of an error answer, and the reason to report:
    /// `"{type}: {message}"`, with a hint for the errors a deployment can cause.
    pub(super) fn service_error(
        status: u16,
        header_type: Option<&str>,
        body: &[u8],
    ) -> (Option<String>, String) {
        #[derive(serde::Deserialize, Default)]
        struct ErrorAnswer {
            #[serde(rename = "__type")]
            kind: Option<String>,
            #[serde(alias = "Message")]
            message: Option<String>,
        }
        let answer: ErrorAnswer = serde_json::from_slice(body).unwrap_or_default();
        // The JSON protocols may qualify the name: "com.amazonaws.secretsmanager#Name" or
        // "Name:http://internal.amazon.com/...". Only the name is stable.
        let kind = answer
            .kind
            .as_deref()
            .or(header_type)
            .map(|t| {
                let t = t.rsplit('#').next().unwrap_or(t);
                t.split(':').next().unwrap_or(t).trim().to_string()
            })
            .filter(|t| !t.is_empty());
        let message = answer
            .message
            .map(|m| m.chars().take(MAX_MESSAGE_CHARS).collect::<String>())
            .filter(|m| !m.trim().is_empty());
        let mut reason = match (&kind, message) {
            (Some(k), Some(m)) => format!("{k}: {m}"),
            (Some(k), None) => format!("{k} (HTTP {status})"),
            (None, Some(m)) => format!("HTTP {status}: {m}"),
            (None, None) => format!("HTTP {status}"),
        };
        match kind.as_deref() {
            Some("AccessDeniedException") => reason.push_str(
                " (the function's role needs secretsmanager:GetSecretValue on the secret, and \
                 kms:Decrypt when it is encrypted with a customer-managed key)",
            ),
            Some(
                "InvalidSignatureException"
                | "UnrecognizedClientException"
                | "ExpiredTokenException"
                | "IncompleteSignature",
            ) => reason.push_str(
                " (check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, and the \
                 clock)",
            ),
            _ => {}
        }
        (kind, reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const ARN: &str = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:jmsk-dev-app-AbCdEf";
    const MIGRATION_ARN: &str =
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:jmsk-dev-migration-GhIjKl";
    const KEY: &str = "0123456789abcdef0123456789abcdef-from-secret";
    const OWNER_URL: &str = "postgres://app_owner:owner-pw@db/jmsk";

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn secret(json: &str) -> SecretValues {
        SecretValues::parse(&APP, ARN, json).unwrap()
    }

    #[test]
    fn the_secret_supplies_and_overrides_its_keys() {
        let s = secret(&format!(
            r#"{{"DATABASE_URL":"postgres://app_rw:pw@db/jmsk","SECRET_KEY":"{KEY}","OTHER":"ignored"}}"#
        ));
        let settings = Settings::new(
            Some(s),
            env(&[
                ("AWS_LAMBDA_FUNCTION_NAME", "f"),
                ("DATABASE_URL", "postgres://stale@old/db"),
                ("SECRET_KEY", ""),
                ("ALGORITHM", "HS512"),
            ]),
        );
        let c = settings.config().unwrap();
        assert_eq!(c.database_url().unwrap(), "postgres://app_rw:pw@db/jmsk");
        assert_eq!(c.secret_key.expose(), KEY);
        assert_eq!(c.algorithm, crate::config::JwtAlgorithm::HS512);
        assert_eq!(settings.shadowed_env_vars(), vec!["DATABASE_URL"]);
        assert_eq!(settings.get("OTHER"), None, "unknown keys are ignored");
        assert_eq!(settings.get("MIGRATION_DATABASE_URL"), None);
        assert!(settings.secret().unwrap().misplaced_keys().is_empty());
    }

    #[test]
    fn without_a_secret_the_environment_is_used() {
        let settings = Settings::new(None, env(&[("DATABASE_URL", "postgres://x@y/z")]));
        assert_eq!(
            settings.get("DATABASE_URL").as_deref(),
            Some("postgres://x@y/z")
        );
        assert!(settings.shadowed_env_vars().is_empty());
    }

    #[test]
    fn optional_keys_are_read() {
        let s = secret(&format!(
            r#"{{"DATABASE_URL":"a","SECRET_KEY":"{KEY}","METAL_PRICE_API_KEY":"metal-key"}}"#
        ));
        assert_eq!(s.get("METAL_PRICE_API_KEY"), Some("metal-key"));
        assert_eq!(
            s.keys().collect::<Vec<_>>(),
            ["DATABASE_URL", "METAL_PRICE_API_KEY", "SECRET_KEY"]
        );
    }

    #[test]
    fn an_app_secret_never_exposes_the_owners_url() {
        let s = secret(&format!(
            r#"{{"DATABASE_URL":"a","SECRET_KEY":"{KEY}","METAL_PRICE_API_KEY":"metal-key",
                "MIGRATION_DATABASE_URL":"{OWNER_URL}"}}"#
        ));
        assert_eq!(
            s.misplaced_keys(),
            [("MIGRATION_DATABASE_URL", "MIGRATION_SECRET_ARN")],
            "named, for the cold-start warning"
        );
        assert_eq!(s.get("MIGRATION_DATABASE_URL"), None);
        assert!(!s.keys().any(|k| k == "MIGRATION_DATABASE_URL"));
        assert!(!format!("{s:?}").contains("owner-pw"), "{s:?}");
        let settings = Settings::new(Some(s), env(&[]));
        assert_eq!(settings.get("MIGRATION_DATABASE_URL"), None);
        assert!(settings.shadowed_env_vars().is_empty());
        // Positive control: the optional key of the same secret is read.
        assert_eq!(
            settings.get("METAL_PRICE_API_KEY").as_deref(),
            Some("metal-key")
        );
    }

    #[test]
    fn the_migration_secret_supplies_the_owners_url() {
        let s = SecretValues::parse(
            &MIGRATION,
            MIGRATION_ARN,
            &format!(r#"{{"MIGRATION_DATABASE_URL":"{OWNER_URL}","DATABASE_URL":"ignored"}}"#),
        )
        .unwrap();
        assert_eq!(s.kind().arn_var, "MIGRATION_SECRET_ARN");
        assert_eq!(s.keys().collect::<Vec<_>>(), ["MIGRATION_DATABASE_URL"]);
        let settings = Settings::new(
            Some(s),
            env(&[("MIGRATION_DATABASE_URL", "postgres://stale@old/db")]),
        );
        assert_eq!(
            settings.get("MIGRATION_DATABASE_URL").as_deref(),
            Some(OWNER_URL)
        );
        assert_eq!(settings.shadowed_env_vars(), ["MIGRATION_DATABASE_URL"]);
    }

    #[test]
    fn a_migration_secret_without_the_owners_url_names_migration_secret_arn() {
        for json in [
            r#"{"DATABASE_URL":"postgres://app_rw:pw@db/jmsk"}"#,
            r#"{"MIGRATION_DATABASE_URL":" "}"#,
        ] {
            let e = SecretValues::parse(&MIGRATION, MIGRATION_ARN, json).unwrap_err();
            assert!(
                matches!(
                    e,
                    SecretError::MissingKey {
                        var: "MIGRATION_SECRET_ARN",
                        key: "MIGRATION_DATABASE_URL",
                        ..
                    }
                ),
                "{e:?}"
            );
            let msg = e.to_string();
            assert!(
                msg.starts_with("MIGRATION_SECRET_ARN: ")
                    && msg.contains("lacks the key MIGRATION_DATABASE_URL")
                    && msg.contains(MIGRATION_ARN)
                    && !msg.contains("pw@"),
                "{msg}"
            );
        }
    }

    #[test]
    fn a_missing_key_is_named() {
        for json in [
            r#"{"DATABASE_URL":"postgres://a@b/c"}"#,
            r#"{"DATABASE_URL":"postgres://a@b/c","SECRET_KEY":"  "}"#,
            r#"{"DATABASE_URL":"postgres://a@b/c","SECRET_KEY":null}"#,
            // The owner's URL is no stand-in for anything the app secret needs.
            r#"{"DATABASE_URL":"postgres://a@b/c","MIGRATION_DATABASE_URL":"postgres://o@b/c"}"#,
        ] {
            let e = SecretValues::parse(&APP, ARN, json).unwrap_err();
            assert!(
                matches!(
                    e,
                    SecretError::MissingKey {
                        var: "APP_SECRET_ARN",
                        key: "SECRET_KEY",
                        ..
                    }
                ),
                "{e:?}"
            );
            let msg = e.to_string();
            assert!(
                msg.contains("APP_SECRET_ARN") && msg.contains("SECRET_KEY") && msg.contains(ARN),
                "{msg}"
            );
        }
    }

    #[test]
    fn malformed_secrets_never_echo_values() {
        for (kind, json) in [
            (&APP, "postgres://app_rw:hunter2@db/jmsk"),
            (&APP, r#"["hunter2"]"#),
            (&APP, r#"{"DATABASE_URL": 5, "SECRET_KEY": "hunter2"}"#),
            (&MIGRATION, r#"{"MIGRATION_DATABASE_URL": ["hunter2"]}"#),
        ] {
            let e = SecretValues::parse(kind, ARN, json).unwrap_err();
            assert!(matches!(e, SecretError::Malformed { .. }), "{e:?}");
            let msg = e.to_string();
            assert!(!msg.contains("hunter2"), "{msg}");
            assert!(msg.starts_with(kind.arn_var), "{msg}");
        }
        let s = secret(&format!(
            r#"{{"DATABASE_URL":"hunter2","SECRET_KEY":"{KEY}"}}"#
        ));
        let debug = format!("{s:?}");
        assert!(
            !debug.contains("hunter2") && !debug.contains(KEY),
            "{debug}"
        );
    }

    #[test]
    fn service_errors_name_their_type_and_say_what_to_check() {
        use manager::service_error;
        let (kind, reason) = service_error(
            400,
            Some("ResourceNotFoundException"),
            br#"{"__type":"ResourceNotFoundException","Message":"Secrets Manager can't find the specified secret."}"#,
        );
        assert_eq!(kind.as_deref(), Some("ResourceNotFoundException"));
        assert_eq!(
            reason,
            "ResourceNotFoundException: Secrets Manager can't find the specified secret."
        );
        // Qualified names, lower-case `message`, and the hint for a role without the right.
        let (kind, reason) = service_error(
            400,
            None,
            br#"{"__type":"com.amazonaws.secretsmanager#AccessDeniedException","message":"User: arn:aws:sts::1:assumed-role/r is not authorized"}"#,
        );
        assert_eq!(kind.as_deref(), Some("AccessDeniedException"));
        assert!(
            reason.starts_with("AccessDeniedException: User: arn:aws:sts::1:assumed-role/r")
                && reason.contains("secretsmanager:GetSecretValue"),
            "{reason}"
        );
        let (kind, reason) = service_error(
            403,
            None,
            br#"{"__type":"InvalidSignatureException:http://internal.amazon.com/coral/com.amazon.coral.service/","message":"The request signature we calculated does not match"}"#,
        );
        assert_eq!(kind.as_deref(), Some("InvalidSignatureException"));
        assert!(reason.contains("AWS_SECRET_ACCESS_KEY"), "{reason}");
        // Without a JSON body: the header's type, else the status; the body is never echoed.
        let (kind, reason) = service_error(
            400,
            Some("ThrottlingException"),
            b"<html>busy hunter2</html>",
        );
        assert_eq!(kind.as_deref(), Some("ThrottlingException"));
        assert_eq!(reason, "ThrottlingException (HTTP 400)");
        let (kind, reason) = service_error(502, None, b"<html>Bad Gateway hunter2</html>");
        assert_eq!((kind, reason.as_str()), (None, "HTTP 502"));
        let long = format!(r#"{{"__type":"X","message":"{}"}}"#, "m".repeat(5000));
        assert!(service_error(400, None, long.as_bytes()).1.len() < 400);
    }

    #[test]
    fn a_success_answer_gives_its_secret_string_and_never_echoes_it() {
        use manager::secret_string;
        assert_eq!(
            secret_string(
                br#"{"ARN":"a","Name":"n","SecretString":"{\"K\":\"v\"}","VersionId":"1"}"#
            ),
            Ok(Some(r#"{"K":"v"}"#.to_string()))
        );
        // A binary secret has no SecretString.
        assert_eq!(
            secret_string(br#"{"ARN":"a","SecretBinary":"aHVudGVyMg=="}"#),
            Ok(None)
        );
        let e = secret_string(br#"{"SecretString": hunter2}"#).unwrap_err();
        assert!(e.contains("unreadable") && !e.contains("hunter2"), "{e}");
    }
}
