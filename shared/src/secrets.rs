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
//! Fetching needs the cargo feature `aws-secrets` (it links `aws-sdk-secretsmanager` with an HTTPS
//! client on rustls + ring, +5.8 MB per stripped binary): `functions` and `migrator` enable it.
//! Without the feature, a set ARN variable fails fast with a message saying so.
//! `fetch` honours `AWS_ENDPOINT_URL_SECRETS_MANAGER` and `AWS_ENDPOINT_URL` (the names the SDK itself
//! uses: service id "Secrets Manager", upper-cased, space → underscore), which the tests point at a
//! local stub.

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
    #[error(
        "{var} is set, but this binary was built without the `aws-secrets` feature of the `shared` \
         crate, so it cannot read Secrets Manager: rebuild with that feature, or unset {var} and set \
         {required} directly"
    )]
    NotCompiled { var: &'static str, required: String },
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

/// Fetch and parse the secret `arn` of `kind` (`GetSecretValue`, current version).
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
pub async fn fetch(kind: &'static SecretKind, arn: &str) -> Result<SecretValues, SecretError> {
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
        var: kind.arn_var,
        arn: arn.to_string(),
    })?;
    SecretValues::parse(kind, arn, json)
}

#[cfg(not(feature = "aws-secrets"))]
pub async fn fetch(kind: &'static SecretKind, _arn: &str) -> Result<SecretValues, SecretError> {
    Err(SecretError::NotCompiled {
        var: kind.arn_var,
        required: kind.required.join(", "),
    })
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

    #[cfg(not(feature = "aws-secrets"))]
    #[tokio::test]
    async fn without_the_feature_fetching_fails_fast_and_says_why() {
        for kind in [&APP, &MIGRATION] {
            let msg = fetch(kind, ARN).await.unwrap_err().to_string();
            assert!(
                msg.contains(kind.arn_var)
                    && msg.contains("aws-secrets")
                    && msg.contains(kind.required[0]),
                "{msg}"
            );
        }
    }
}
