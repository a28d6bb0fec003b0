//! The application secret: in AWS, `DATABASE_URL` and `SECRET_KEY` (and optionally
//! `MIGRATION_DATABASE_URL`, `METAL_PRICE_API_KEY`) come from ONE Secrets Manager secret whose ARN (or
//! name) is in `APP_SECRET_ARN`. It is read once per cold start, before `Config` is validated, and
//! overlaid on the process environment.
//!
//! The secret is a JSON object of strings:
//! `{"DATABASE_URL": "postgres://app_rw:...@host:5432/jmsk", "SECRET_KEY": "<64 characters>",
//!   "MIGRATION_DATABASE_URL": "postgres://app_owner:...@host:5432/jmsk"}`.
//! `DATABASE_URL` and `SECRET_KEY` are required in it; other keys than the four above are ignored.
//!
//! **Precedence: the secret wins.** For every key the secret carries, its value is used even when the
//! environment also sets that variable (a non-empty one is reported, by name only, at cold start).
//! Rationale: the secret is the one that gets rotated; a stale plaintext `DATABASE_URL` left in a
//! function's environment must not silently shadow it. Keys the secret does not carry come from the
//! environment as usual. To point a function elsewhere, unset `APP_SECRET_ARN` and set the variables.
//!
//! Fetching needs the cargo feature `aws-secrets` (it links `aws-sdk-secretsmanager` with an HTTPS
//! client on rustls + ring, +5.8 MB per stripped binary): the `functions` crate enables it. Without the
//! feature, a set `APP_SECRET_ARN` fails fast with a message saying so.
//! `fetch` honours `AWS_ENDPOINT_URL_SECRETS_MANAGER` and `AWS_ENDPOINT_URL` (the names the SDK itself
//! uses: service id "Secrets Manager", upper-cased, space → underscore), which the tests point at a
//! local stub.

use std::collections::BTreeMap;
use std::fmt;

use crate::config::{Config, ConfigError, Secret};

/// The environment variable naming the secret.
pub const ARN_VAR: &str = "APP_SECRET_ARN";
/// Keys the secret must carry.
pub const REQUIRED_KEYS: &[&str] = &["DATABASE_URL", "SECRET_KEY"];
/// Keys the secret may carry.
pub const OPTIONAL_KEYS: &[&str] = &["MIGRATION_DATABASE_URL", "METAL_PRICE_API_KEY"];

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error(
        "{ARN_VAR} is set, but this binary was built without the `aws-secrets` feature of the `shared` \
         crate, so it cannot read Secrets Manager: rebuild with that feature, or unset {ARN_VAR} and set \
         DATABASE_URL and SECRET_KEY directly"
    )]
    NotCompiled,
    #[error("{ARN_VAR}: cannot read secret '{arn}' from Secrets Manager: {reason}")]
    Fetch { arn: String, reason: String },
    #[error(
        "{ARN_VAR}: secret '{arn}' has no SecretString (a binary secret?): store a JSON object of strings"
    )]
    NotAString { arn: String },
    #[error("{ARN_VAR}: secret '{arn}' is not a JSON object of strings: {reason}")]
    Malformed { arn: String, reason: String },
    #[error("{ARN_VAR}: secret '{arn}' lacks the key {key} (required: {required})")]
    MissingKey {
        arn: String,
        key: &'static str,
        required: String,
    },
}

/// The parsed secret. `Debug` shows the key names only.
#[derive(Clone)]
pub struct AppSecret {
    arn: String,
    values: BTreeMap<&'static str, Secret>,
}

impl fmt::Debug for AppSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppSecret")
            .field("arn", &self.arn)
            .field("keys", &self.values.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl AppSecret {
    /// Parse a `SecretString`. Errors name the secret and the key, never a value.
    pub fn parse(arn: &str, json: &str) -> Result<Self, SecretError> {
        let malformed = |reason: String| SecretError::Malformed {
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
        for key in REQUIRED_KEYS.iter().chain(OPTIONAL_KEYS) {
            match map.get(*key) {
                None | Some(serde_json::Value::Null) => {}
                Some(serde_json::Value::String(s)) if s.trim().is_empty() => {}
                Some(serde_json::Value::String(s)) => {
                    values.insert(*key, Secret::new(s.trim()));
                }
                Some(_) => return Err(malformed(format!("the value of {key} must be a string"))),
            }
        }
        for key in REQUIRED_KEYS {
            if !values.contains_key(key) {
                return Err(SecretError::MissingKey {
                    arn: arn.to_string(),
                    key,
                    required: REQUIRED_KEYS.join(", "),
                });
            }
        }
        Ok(AppSecret {
            arn: arn.to_string(),
            values,
        })
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
}

type Lookup = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// What a function reads its configuration from: the secret (when `APP_SECRET_ARN` is set) over the
/// process environment.
pub struct Settings {
    secret: Option<AppSecret>,
    env: Lookup,
}

impl Settings {
    /// Read `APP_SECRET_ARN` from the process environment and, when it is set, fetch the secret.
    pub async fn load() -> Result<Self, SecretError> {
        let arn = std::env::var(ARN_VAR)
            .ok()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty());
        let secret = match arn {
            Some(arn) => Some(fetch(&arn).await?),
            None => None,
        };
        Ok(Self::new(secret, |k| std::env::var(k).ok()))
    }

    /// Settings over an explicit environment (tests).
    pub fn new(
        secret: Option<AppSecret>,
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

    pub fn secret(&self) -> Option<&AppSecret> {
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

/// Fetch and parse the secret (`GetSecretValue`, current version).
///
/// The client is configured from the variables Lambda sets, without `aws-config`: its provider chains
/// (profiles, SSO, STS web identity, IMDS) are never needed in a function and cost 2.7 MB per binary
/// (docs/deploying.md). Region `AWS_REGION` (or `AWS_DEFAULT_REGION`); credentials
/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`; endpoint
/// `AWS_ENDPOINT_URL_SECRETS_MANAGER` or `AWS_ENDPOINT_URL` (the names the SDK itself uses for the
/// override). Server certificates are checked against the system's roots (`SSL_CERT_FILE` honoured).
/// Should functions ever get credentials another way (SnapStart, containers), switch back to
/// `aws_config::defaults(..).load()`.
#[cfg(feature = "aws-secrets")]
pub async fn fetch(arn: &str) -> Result<AppSecret, SecretError> {
    use std::time::Duration;

    use aws_sdk_secretsmanager::config::retry::RetryConfig;
    use aws_sdk_secretsmanager::config::timeout::TimeoutConfig;
    use aws_sdk_secretsmanager::config::{BehaviorVersion, Credentials, Region};
    use aws_sdk_secretsmanager::error::{DisplayErrorContext, ProvideErrorMetadata};
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};

    let env = |k: &str| {
        std::env::var(k)
            .ok()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let fail = |reason: String| SecretError::Fetch {
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
    let credentials = Credentials::new(
        key_id,
        secret_key,
        env("AWS_SESSION_TOKEN"),
        None,
        "environment",
    );
    // Bounded: Lambda's init phase lasts at most 10 s, and a function in a VPC without a route to
    // Secrets Manager (no interface endpoint, no NAT) would otherwise hang until the invocation timeout.
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(2))
        .operation_attempt_timeout(Duration::from_secs(3))
        .operation_timeout(Duration::from_secs(8))
        .build();
    let https = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let mut conf = aws_sdk_secretsmanager::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(https)
        .region(Region::new(region))
        .credentials_provider(credentials)
        .retry_config(RetryConfig::standard())
        .timeout_config(timeouts);
    if let Some(url) = env("AWS_ENDPOINT_URL_SECRETS_MANAGER").or_else(|| env("AWS_ENDPOINT_URL")) {
        conf = conf.endpoint_url(url);
    }
    let client = aws_sdk_secretsmanager::Client::from_conf(conf.build());
    let out = client
        .get_secret_value()
        .secret_id(arn)
        .send()
        .await
        .map_err(|e| {
            fail(match e.as_service_error() {
                // An answer from Secrets Manager: e.g. "ResourceNotFoundException: Secrets Manager
                // can't find the specified secret." or "AccessDeniedException: ...".
                Some(se) => format!(
                    "{}: {}",
                    se.code().unwrap_or("error"),
                    se.message().unwrap_or("(no message)")
                ),
                // No answer (timeout, DNS, TLS, no route from the VPC): the whole cause chain.
                None => DisplayErrorContext(&e).to_string(),
            })
        })?;
    let json = out.secret_string().ok_or_else(|| SecretError::NotAString {
        arn: arn.to_string(),
    })?;
    AppSecret::parse(arn, json)
}

#[cfg(not(feature = "aws-secrets"))]
pub async fn fetch(_arn: &str) -> Result<AppSecret, SecretError> {
    Err(SecretError::NotCompiled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const ARN: &str = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:jmsk-dev-app-AbCdEf";
    const KEY: &str = "0123456789abcdef0123456789abcdef-from-secret";

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn secret(json: &str) -> AppSecret {
        AppSecret::parse(ARN, json).unwrap()
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
            r#"{{"DATABASE_URL":"a","SECRET_KEY":"{KEY}","MIGRATION_DATABASE_URL":"postgres://app_owner@db/jmsk"}}"#
        ));
        assert_eq!(
            s.get("MIGRATION_DATABASE_URL"),
            Some("postgres://app_owner@db/jmsk")
        );
    }

    #[test]
    fn a_missing_key_is_named() {
        for json in [
            r#"{"DATABASE_URL":"postgres://a@b/c"}"#,
            r#"{"DATABASE_URL":"postgres://a@b/c","SECRET_KEY":"  "}"#,
            r#"{"DATABASE_URL":"postgres://a@b/c","SECRET_KEY":null}"#,
        ] {
            let e = AppSecret::parse(ARN, json).unwrap_err();
            assert!(
                matches!(
                    e,
                    SecretError::MissingKey {
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
        for json in [
            "postgres://app_rw:hunter2@db/jmsk",
            r#"["hunter2"]"#,
            r#"{"DATABASE_URL": 5, "SECRET_KEY": "hunter2"}"#,
        ] {
            let e = AppSecret::parse(ARN, json).unwrap_err();
            assert!(matches!(e, SecretError::Malformed { .. }), "{e:?}");
            let msg = e.to_string();
            assert!(!msg.contains("hunter2"), "{msg}");
            assert!(msg.contains("APP_SECRET_ARN"), "{msg}");
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

    #[cfg(not(feature = "aws-secrets"))]
    #[tokio::test]
    async fn without_the_feature_fetching_fails_fast_and_says_why() {
        let e = fetch(ARN).await.unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("APP_SECRET_ARN") && msg.contains("aws-secrets"),
            "{msg}"
        );
    }
}
