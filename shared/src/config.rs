//! Configuration from the environment, read once per process (cold start) and failing fast with the
//! name of the offending variable. The table of variables is in the README.

use std::fmt;
use std::time::Duration;

/// A secret that cannot be printed by accident (`Debug` shows `***`).
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// Developer machine and tests: a weak `SECRET_KEY` is tolerated (with a warning).
    Local,
    /// Anything deployed.
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtAlgorithm {
    HS256,
    HS384,
    HS512,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedOrigins {
    Any,
    List(Vec<String>),
}

impl AllowedOrigins {
    pub fn parse(raw: &str) -> Self {
        let items: Vec<String> = raw
            .split(',')
            .map(|s| s.trim().trim_end_matches('/').to_string())
            .filter(|s| !s.is_empty())
            .collect();
        if items.iter().any(|s| s == "*") {
            AllowedOrigins::Any
        } else {
            AllowedOrigins::List(items)
        }
    }

    /// The `Access-Control-Allow-Origin` value for a request from `origin`, if any.
    pub fn allow(&self, origin: Option<&str>) -> Option<String> {
        match self {
            AllowedOrigins::Any => Some("*".to_string()),
            AllowedOrigins::List(list) => {
                let origin = origin?;
                list.iter().find(|o| o.as_str() == origin).cloned()
            }
        }
    }
}

pub const LOCAL_ORIGINS: &str = "http://localhost:5173,http://localhost:5174,http://localhost:3000";
const INSECURE_KEYS: &[&str] = &[
    "",
    "changeme",
    "secret",
    "your-secret-key",
    "dev-secret-key-change-me",
];

/// How long a request may wait for the database (`DATABASE_*_TIMEOUT_MS`). A request that runs out
/// is answered 503 and its connection is thrown away, so a stalled server never holds a function
/// until its own timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DbTimeouts {
    /// Opening a connection: TCP, TLS, startup and authentication together.
    pub connect: Duration,
    /// `statement_timeout` of the connections the API opens (server side); `None` leaves the
    /// server's setting alone.
    pub statement: Option<Duration>,
    /// Everything a request does while it holds a connection (checkout, transaction, handler):
    /// the client-side deadline that also covers a server that no longer answers at all.
    pub request: Duration,
}

impl Default for DbTimeouts {
    /// Below the functions' 10 s Lambda timeout (`template.yaml`), so the function answers 503 itself.
    fn default() -> Self {
        DbTimeouts {
            connect: Duration::from_millis(3000),
            statement: Some(Duration::from_millis(5000)),
            request: Duration::from_millis(8000),
        }
    }
}

/// The CloudWatch namespace of the request metrics unless `METRICS_NAMESPACE` says otherwise.
pub const DEFAULT_METRICS_NAMESPACE: &str = "JMSK";

/// Request metrics as CloudWatch Embedded Metric Format lines on stdout (`shared::metrics`), which
/// CloudWatch Logs turns into metrics without an API call or an agent. Only Lambda's `serve` writes
/// them: the local server never does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsConfig {
    /// `EMF_METRICS`: on by default inside Lambda, off elsewhere.
    pub emf: bool,
    /// `METRICS_NAMESPACE`.
    pub namespace: String,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub environment: Environment,
    pub database_url: Option<Secret>,
    pub secret_key: Secret,
    pub algorithm: JwtAlgorithm,
    pub access_token_expire_minutes: i64,
    pub refresh_token_expire_days: i64,
    pub refresh_token_expire_days_remember_me: i64,
    /// Failed logins of one username from one address before that pair is locked.
    pub max_login_attempts: i32,
    /// Failed logins of one username from all addresses together before it is locked everywhere.
    pub max_login_attempts_per_username: i32,
    /// How long a lock lasts, and the window failures are counted in.
    pub lockout_duration_minutes: i64,
    pub bcrypt_cost: u32,
    pub allowed_origins: AllowedOrigins,
    pub metal_price_api_url: Option<String>,
    pub metal_price_api_key: Option<Secret>,
    pub metal_price_cache_ttl_minutes: i64,
    /// How long a write's answer is kept under its `Idempotency-Key` (README, Idempotency keys).
    pub idempotency_ttl_hours: i64,
    pub log_level: String,
    pub database_timeouts: DbTimeouts,
    pub metrics: MetricsConfig,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {var}: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub reason: String,
}

fn err(var: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        reason: reason.into(),
    }
}

impl Config {
    /// Read the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Read configuration through `get` (tests pass a map instead of mutating the process environment).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |k: &str| {
            get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let in_lambda = var("AWS_LAMBDA_FUNCTION_NAME").is_some();
        let environment = match var("APP_ENV").as_deref() {
            None | Some("production") | Some("prod") => {
                // Inside Lambda we are always "deployed"; elsewhere default to local development.
                if var("APP_ENV").is_none() && !in_lambda {
                    Environment::Local
                } else {
                    Environment::Production
                }
            }
            Some("local") | Some("development") | Some("dev") | Some("test") => Environment::Local,
            Some(other) => {
                return Err(err(
                    "APP_ENV",
                    format!("unknown environment '{other}' (use local or production)"),
                ));
            }
        };
        let int = |k: &'static str, default: i64, min: i64, max: i64| -> Result<i64, ConfigError> {
            match var(k) {
                None => Ok(default),
                Some(v) => {
                    let n: i64 = v
                        .parse()
                        .map_err(|_| err(k, format!("'{v}' is not an integer")))?;
                    if n < min || n > max {
                        return Err(err(k, format!("{n} is outside {min}..={max}")));
                    }
                    Ok(n)
                }
            }
        };
        let secret_key = var("SECRET_KEY").unwrap_or_default();
        if environment == Environment::Production
            && (secret_key.len() < 32 || INSECURE_KEYS.contains(&secret_key.as_str()))
        {
            return Err(err(
                "SECRET_KEY",
                "required outside local development: at least 32 characters, not a placeholder (openssl rand -hex 32)",
            ));
        }
        let secret_key = if secret_key.is_empty() {
            // Local development only (checked above): a fixed key keeps tokens valid across restarts.
            "local-development-secret-key-not-for-production".to_string()
        } else {
            secret_key
        };
        let algorithm = match var("ALGORITHM").as_deref().unwrap_or("HS256") {
            "HS256" => JwtAlgorithm::HS256,
            "HS384" => JwtAlgorithm::HS384,
            "HS512" => JwtAlgorithm::HS512,
            other => {
                return Err(err(
                    "ALGORITHM",
                    format!("'{other}' is not allowed (HS256, HS384, HS512)"),
                ));
            }
        };
        let database_timeouts = db_timeouts(&int)?;
        let metrics = MetricsConfig {
            emf: match var("EMF_METRICS").as_deref() {
                None => in_lambda,
                Some("on") => true,
                Some("off") => false,
                Some(other) => {
                    return Err(err(
                        "EMF_METRICS",
                        format!("'{other}' is neither on nor off"),
                    ));
                }
            },
            namespace: metrics_namespace(var("METRICS_NAMESPACE"))?,
        };
        let default_origins = match environment {
            Environment::Local => LOCAL_ORIGINS,
            Environment::Production => "*",
        };
        Ok(Config {
            environment,
            database_url: var("DATABASE_URL").map(Secret::new),
            secret_key: Secret::new(secret_key),
            algorithm,
            access_token_expire_minutes: int("ACCESS_TOKEN_EXPIRE_MINUTES", 30, 1, 24 * 60)?,
            refresh_token_expire_days: int("REFRESH_TOKEN_EXPIRE_DAYS", 7, 1, 365)?,
            refresh_token_expire_days_remember_me: int(
                "REFRESH_TOKEN_EXPIRE_DAYS_REMEMBER_ME",
                30,
                1,
                365,
            )?,
            max_login_attempts: int("MAX_LOGIN_ATTEMPTS", 5, 1, 100)? as i32,
            max_login_attempts_per_username: int(
                "MAX_LOGIN_ATTEMPTS_PER_USERNAME",
                100,
                1,
                100_000,
            )? as i32,
            lockout_duration_minutes: int("LOCKOUT_DURATION_MINUTES", 15, 1, 24 * 60)?,
            bcrypt_cost: int("BCRYPT_COST", 12, 4, 31)? as u32,
            allowed_origins: AllowedOrigins::parse(
                &var("ALLOWED_ORIGINS").unwrap_or_else(|| default_origins.to_string()),
            ),
            metal_price_api_url: var("METAL_PRICE_API_URL")
                .map(|u| u.trim_end_matches('/').to_string()),
            metal_price_api_key: var("METAL_PRICE_API_KEY").map(Secret::new),
            metal_price_cache_ttl_minutes: int(
                "METAL_PRICE_CACHE_TTL_MINUTES",
                15,
                0,
                7 * 24 * 60,
            )?,
            idempotency_ttl_hours: int("IDEMPOTENCY_TTL_HOURS", 24, 1, 30 * 24)?,
            log_level: var("LOG_LEVEL").unwrap_or_else(|| "info".to_string()),
            database_timeouts,
            metrics,
        })
    }

    pub fn database_url(&self) -> Result<&str, ConfigError> {
        self.database_url
            .as_ref()
            .map(Secret::expose)
            .ok_or_else(|| err("DATABASE_URL", "not set"))
    }
}

/// `METRICS_NAMESPACE` as CloudWatch accepts it: 1 to 255 printable ASCII characters, not starting
/// with `:` and not in `AWS/` (reserved for AWS services). CloudWatch would drop the metrics of a
/// line it refuses without telling anyone, so a bad value stops the cold start instead.
fn metrics_namespace(raw: Option<String>) -> Result<String, ConfigError> {
    let Some(ns) = raw else {
        return Ok(DEFAULT_METRICS_NAMESPACE.to_string());
    };
    let refuse = |why: &str| Err(err("METRICS_NAMESPACE", why));
    if ns.len() > 255 {
        return refuse("longer than 255 characters");
    }
    if !ns.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        return refuse("only printable ASCII characters are allowed");
    }
    if ns.starts_with(':') {
        return refuse("must not start with ':'");
    }
    if ns.starts_with("AWS/") {
        return refuse("namespaces starting with AWS/ are reserved for AWS services");
    }
    Ok(ns)
}

/// The `DATABASE_*_TIMEOUT_MS` settings. The connect and statement timeouts must fit inside the
/// request deadline (a longer one could never take effect): a value set longer is refused, a default
/// is shortened to the deadline.
fn db_timeouts(
    int: &impl Fn(&'static str, i64, i64, i64) -> Result<i64, ConfigError>,
) -> Result<DbTimeouts, ConfigError> {
    let d = DbTimeouts::default();
    let ms = |d: Duration| d.as_millis() as i64;
    let request = int("DATABASE_REQUEST_TIMEOUT_MS", ms(d.request), 100, 900_000)?;
    let connect = int(
        "DATABASE_CONNECT_TIMEOUT_MS",
        ms(d.connect).min(request),
        100,
        900_000,
    )?;
    let statement = int(
        "DATABASE_STATEMENT_TIMEOUT_MS",
        d.statement.map_or(0, ms).min(request),
        0,
        900_000,
    )?;
    if connect > request {
        return Err(err(
            "DATABASE_CONNECT_TIMEOUT_MS",
            format!("{connect} is above DATABASE_REQUEST_TIMEOUT_MS ({request})"),
        ));
    }
    if statement > request {
        return Err(err(
            "DATABASE_STATEMENT_TIMEOUT_MS",
            format!("{statement} is above DATABASE_REQUEST_TIMEOUT_MS ({request})"),
        ));
    }
    let millis = |n: i64| Duration::from_millis(n.unsigned_abs());
    Ok(DbTimeouts {
        connect: millis(connect),
        statement: (statement > 0).then(|| millis(statement)),
        request: millis(request),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_match_the_spec() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.environment, Environment::Local);
        assert_eq!(c.algorithm, JwtAlgorithm::HS256);
        assert_eq!(c.access_token_expire_minutes, 30);
        assert_eq!(c.refresh_token_expire_days, 7);
        assert_eq!(c.refresh_token_expire_days_remember_me, 30);
        assert_eq!(c.max_login_attempts, 5);
        assert_eq!(c.max_login_attempts_per_username, 100);
        assert_eq!(c.lockout_duration_minutes, 15);
        assert_eq!(c.bcrypt_cost, 12);
        assert_eq!(c.metal_price_cache_ttl_minutes, 15);
        assert_eq!(c.idempotency_ttl_hours, 24);
        assert_eq!(
            c.allowed_origins,
            AllowedOrigins::List(vec![
                "http://localhost:5173".into(),
                "http://localhost:5174".into(),
                "http://localhost:3000".into()
            ])
        );
    }

    #[test]
    fn production_refuses_missing_or_weak_keys() {
        for key in ["", "changeme", "short"] {
            let e = cfg(&[("APP_ENV", "production"), ("SECRET_KEY", key)]).unwrap_err();
            assert_eq!(e.var, "SECRET_KEY", "key {key:?} must be refused");
        }
        let e = cfg(&[("AWS_LAMBDA_FUNCTION_NAME", "f")]).unwrap_err();
        assert_eq!(
            e.var, "SECRET_KEY",
            "inside Lambda the environment is production"
        );
        let ok = cfg(&[("APP_ENV", "production"), ("SECRET_KEY", &"k".repeat(32))]).unwrap();
        assert_eq!(ok.allowed_origins, AllowedOrigins::Any);
    }

    #[test]
    fn algorithm_none_and_rs_are_refused() {
        for alg in ["none", "RS256", "hs256"] {
            assert_eq!(cfg(&[("ALGORITHM", alg)]).unwrap_err().var, "ALGORITHM");
        }
        assert_eq!(
            cfg(&[("ALGORITHM", "HS512")]).unwrap().algorithm,
            JwtAlgorithm::HS512
        );
    }

    #[test]
    fn origins_parse_lists_and_star() {
        let o = AllowedOrigins::parse("https://a.example, https://b.example/");
        assert_eq!(
            o.allow(Some("https://b.example")).as_deref(),
            Some("https://b.example")
        );
        assert_eq!(o.allow(Some("https://evil.example")), None);
        assert_eq!(AllowedOrigins::parse("*").allow(None).as_deref(), Some("*"));
    }

    #[test]
    fn database_timeouts_default_below_the_function_timeout() {
        let t = cfg(&[]).unwrap().database_timeouts;
        assert_eq!(t, DbTimeouts::default());
        assert_eq!(t.connect, Duration::from_secs(3));
        assert_eq!(t.statement, Some(Duration::from_secs(5)));
        assert_eq!(t.request, Duration::from_secs(8));
        assert!(t.request < Duration::from_secs(10), "Lambda's Timeout: 10");
    }

    #[test]
    fn database_timeouts_are_read_in_milliseconds() {
        let t = cfg(&[
            ("DATABASE_CONNECT_TIMEOUT_MS", "250"),
            ("DATABASE_STATEMENT_TIMEOUT_MS", "200"),
            ("DATABASE_REQUEST_TIMEOUT_MS", "1500"),
        ])
        .unwrap()
        .database_timeouts;
        assert_eq!(
            t,
            DbTimeouts {
                connect: Duration::from_millis(250),
                statement: Some(Duration::from_millis(200)),
                request: Duration::from_millis(1500),
            }
        );
        // 0 leaves the server's statement_timeout alone.
        let t = cfg(&[("DATABASE_STATEMENT_TIMEOUT_MS", "0")])
            .unwrap()
            .database_timeouts;
        assert_eq!(t.statement, None);
        // A short deadline shortens the defaults with it.
        let t = cfg(&[("DATABASE_REQUEST_TIMEOUT_MS", "1000")])
            .unwrap()
            .database_timeouts;
        assert_eq!(t.connect, Duration::from_millis(1000));
        assert_eq!(t.statement, Some(Duration::from_millis(1000)));
        // A request deadline as long as the connect timeout is fine.
        cfg(&[
            ("DATABASE_CONNECT_TIMEOUT_MS", "3000"),
            ("DATABASE_REQUEST_TIMEOUT_MS", "3000"),
            ("DATABASE_STATEMENT_TIMEOUT_MS", "3000"),
        ])
        .unwrap();
    }

    #[test]
    fn bad_database_timeouts_name_the_variable() {
        for (pairs, var) in [
            (
                vec![("DATABASE_REQUEST_TIMEOUT_MS", "99")],
                "DATABASE_REQUEST_TIMEOUT_MS",
            ),
            (
                vec![("DATABASE_REQUEST_TIMEOUT_MS", "5s")],
                "DATABASE_REQUEST_TIMEOUT_MS",
            ),
            (
                vec![("DATABASE_CONNECT_TIMEOUT_MS", "0")],
                "DATABASE_CONNECT_TIMEOUT_MS",
            ),
            (
                vec![("DATABASE_STATEMENT_TIMEOUT_MS", "-1")],
                "DATABASE_STATEMENT_TIMEOUT_MS",
            ),
            (
                vec![
                    ("DATABASE_REQUEST_TIMEOUT_MS", "1000"),
                    ("DATABASE_CONNECT_TIMEOUT_MS", "1001"),
                ],
                "DATABASE_CONNECT_TIMEOUT_MS",
            ),
            (
                vec![
                    ("DATABASE_REQUEST_TIMEOUT_MS", "4000"),
                    ("DATABASE_STATEMENT_TIMEOUT_MS", "4001"),
                ],
                "DATABASE_STATEMENT_TIMEOUT_MS",
            ),
        ] {
            assert_eq!(cfg(&pairs).unwrap_err().var, var, "{pairs:?}");
        }
    }

    #[test]
    fn metrics_are_written_inside_lambda_unless_turned_off() {
        let m = cfg(&[]).unwrap().metrics;
        assert_eq!(
            m,
            MetricsConfig {
                emf: false,
                namespace: "JMSK".into()
            }
        );
        let lambda = [
            ("AWS_LAMBDA_FUNCTION_NAME", "f"),
            ("SECRET_KEY", &"k".repeat(32)),
        ];
        assert!(cfg(&lambda).unwrap().metrics.emf);
        let off = [lambda.as_slice(), &[("EMF_METRICS", "off")]].concat();
        assert!(!cfg(&off).unwrap().metrics.emf);
        assert!(cfg(&[("EMF_METRICS", "on")]).unwrap().metrics.emf);
        for bad in ["yes", "ON", "1"] {
            assert_eq!(cfg(&[("EMF_METRICS", bad)]).unwrap_err().var, "EMF_METRICS");
        }
    }

    #[test]
    fn the_metrics_namespace_is_one_cloudwatch_accepts() {
        let ns = |v: &str| cfg(&[("METRICS_NAMESPACE", v)]).map(|c| c.metrics.namespace);
        assert_eq!(ns("JMSK/prod").unwrap(), "JMSK/prod");
        assert_eq!(
            ns(" spaced name ").unwrap(),
            "spaced name",
            "trimmed, spaces inside kept"
        );
        assert_eq!(ns(&"n".repeat(255)).unwrap().len(), 255);
        assert_eq!(
            ns("").unwrap(),
            "JMSK",
            "blank is unset, as for every variable"
        );
        for bad in [
            "n".repeat(256),
            "tab\there".into(),
            "caf\u{e9}".into(),
            ":leading-colon".into(),
            "AWS/Lambda".into(),
        ] {
            assert_eq!(ns(&bad).unwrap_err().var, "METRICS_NAMESPACE", "{bad:?}");
        }
    }

    #[test]
    fn bad_numbers_name_the_variable() {
        let e = cfg(&[("BCRYPT_COST", "3")]).unwrap_err();
        assert_eq!(e.var, "BCRYPT_COST");
        let e = cfg(&[("ACCESS_TOKEN_EXPIRE_MINUTES", "abc")]).unwrap_err();
        assert_eq!(e.var, "ACCESS_TOKEN_EXPIRE_MINUTES");
    }
}
