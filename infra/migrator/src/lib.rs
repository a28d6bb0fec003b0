//! The migration Lambda's logic: connect as the schema owner and run `shared::migrate` up, down (one
//! step) or status. The deploy pipeline invokes it after each deploy with `{"action": "up"}`; request
//! functions never migrate (their role cannot, and ninety cold starts must not race to).
//! `{"action": "import", ...}` runs the import from the old service (`import`, docs/import.md) on the
//! same owner connection, so a deployed stack can import from a restored snapshot of the old
//! database without any other function holding the owner's URL.

use serde::Deserialize;
use serde_json::{Value, json};

/// What to do; `up` when the payload says nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    #[default]
    Up,
    Down,
    Status,
    Import,
}

#[derive(Debug, Default, Deserialize)]
struct Payload {
    #[serde(default)]
    action: Action,
}

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error(
        "invalid payload: {0} (expected {{\"action\": \"up\" | \"down\" | \"status\"}}, or \
         {{\"action\": \"import\", \"from_url\" | \"from_secret_arn\": ..., \"tenant\", \"dry_run\", \
         \"fix\", \"rename_invalid\", \"zone\", \"verify\"}})"
    )]
    Payload(String),
    #[error(
        "no database URL: MIGRATION_SECRET_ARN is not set (the secret whose MIGRATION_DATABASE_URL is \
         the schema owner's URL), nor is MIGRATION_DATABASE_URL or DATABASE_URL in the environment; \
         the APP_SECRET_ARN secret is never read for migrations"
    )]
    NoDatabaseUrl,
    #[error("{0}")]
    Db(String),
}

/// The action of an invocation payload. `null`/`{}`/no `action` mean `up`; anything else is refused,
/// so a typo never migrates the wrong way.
pub fn parse_action(payload: &Value) -> Result<Action, MigrateError> {
    if payload.is_null() {
        return Ok(Action::Up);
    }
    serde_json::from_value::<Payload>(payload.clone())
        .map(|p| p.action)
        .map_err(|e| MigrateError::Payload(e.to_string()))
}

/// `MIGRATION_DATABASE_URL` (the schema owner) if set, else `DATABASE_URL`; blank counts as unset.
/// `get` is the migration function's `Settings`: with `MIGRATION_SECRET_ARN` set, the secret must
/// carry `MIGRATION_DATABASE_URL`, which then wins; without it (local use), the environment's.
pub fn database_url(get: impl Fn(&str) -> Option<String>) -> Result<String, MigrateError> {
    ["MIGRATION_DATABASE_URL", "DATABASE_URL"]
        .iter()
        .filter_map(|k| get(k))
        .map(|v| v.trim().to_string())
        .find(|v| !v.is_empty())
        .ok_or(MigrateError::NoDatabaseUrl)
}

/// The import's part of the payload. The old database comes from `from_url`, or from the secret
/// `from_secret_arn` (a JSON object whose `DATABASE_URL` is the old service's URL, as its own
/// environment named it), so that the URL need not appear in the invocation.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportPayload {
    pub action: Action,
    #[serde(default)]
    pub from_url: Option<String>,
    #[serde(default)]
    pub from_secret_arn: Option<String>,
    /// An old tenant id; absent: all of them.
    #[serde(default)]
    pub tenant: Option<i64>,
    #[serde(default)]
    pub dry_run: bool,
    #[serde(default)]
    pub fix: bool,
    #[serde(default)]
    pub rename_invalid: bool,
    #[serde(default)]
    pub zone: Option<String>,
    #[serde(default)]
    pub verify: bool,
}

/// The secret holding the old database's URL.
pub const OLD_DATABASE: shared::secrets::SecretKind = shared::secrets::SecretKind {
    arn_var: "from_secret_arn",
    required: &["DATABASE_URL"],
    optional: &[],
    misplaced: &[],
};

pub fn parse_import(payload: &Value) -> Result<ImportPayload, MigrateError> {
    let p: ImportPayload = serde_json::from_value(payload.clone())
        .map_err(|e| MigrateError::Payload(e.to_string()))?;
    match (&p.from_url, &p.from_secret_arn) {
        (Some(_), None) | (None, Some(_)) => Ok(p),
        _ => Err(MigrateError::Payload(
            "import needs exactly one of from_url and from_secret_arn".into(),
        )),
    }
}

/// Run the import into `url` (the owner's); answers the report as JSON with `clean` (false when a
/// tenant stopped or the verification found an unexplained difference).
pub async fn run_import(p: &ImportPayload, url: &str) -> Result<Value, MigrateError> {
    let from = match (&p.from_url, &p.from_secret_arn) {
        (Some(u), _) => u.clone(),
        (None, Some(arn)) => shared::secrets::fetch(&OLD_DATABASE, arn)
            .await
            .map_err(|e| MigrateError::Db(e.to_string()))?
            .get("DATABASE_URL")
            .map(str::to_string)
            .ok_or_else(|| MigrateError::Payload("the secret has no DATABASE_URL".into()))?,
        (None, None) => {
            return Err(MigrateError::Payload(
                "import needs from_url or from_secret_arn".into(),
            ));
        }
    };
    let choices = import::Choices {
        tenant: p.tenant,
        dry_run: p.dry_run,
        fix: p.fix,
        rename_invalid: p.rename_invalid,
        zone: p.zone.clone(),
        verify: p.verify,
    };
    let o = import::Options::chosen(from, url, &choices);
    let report = import::run(&o)
        .await
        .map_err(|e| MigrateError::Db(e.to_string()))?;
    Ok(json!({"action": "import", "clean": report.clean(), "report": report}))
}

/// Connect to `url` and run `action`; the JSON result is what the invocation returns.
pub async fn run(action: Action, url: &str) -> Result<Value, MigrateError> {
    if action == Action::Import {
        return Err(MigrateError::Payload(
            "import takes its options from the payload (use handle)".into(),
        ));
    }
    let db = |e: shared::error::DbError| MigrateError::Db(e.to_string());
    let mut client = shared::db::connect(url).await.map_err(db)?;
    let out = match action {
        Action::Up => {
            let applied = shared::migrate::up(&mut client).await.map_err(db)?;
            json!({"action": "up", "applied": applied})
        }
        Action::Down => {
            let reverted = shared::migrate::down(&mut client).await.map_err(db)?;
            json!({"action": "down", "reverted": reverted})
        }
        Action::Status => {
            let status = shared::migrate::status(&mut client).await.map_err(db)?;
            json!({"action": "status", "applied": status.applied, "pending": status.pending})
        }
        Action::Import => Value::Null,
    };
    Ok(out)
}

/// One invocation: payload in, JSON out. Errors fail the invocation, so the pipeline stops.
pub async fn handle(payload: &Value, url: &str) -> Result<Value, MigrateError> {
    let action = parse_action(payload)?;
    tracing::info!(?action, "migration started");
    let out = match action {
        Action::Import => run_import(&parse_import(payload)?, url).await,
        _ => run(action, url).await,
    };
    match &out {
        Ok(v) => tracing::info!(result = %v, "migration finished"),
        Err(e) => tracing::error!(error = %e, "migration failed"),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn payloads_default_to_up_and_refuse_unknown_actions() {
        assert_eq!(parse_action(&Value::Null).unwrap(), Action::Up);
        assert_eq!(parse_action(&json!({})).unwrap(), Action::Up);
        assert_eq!(parse_action(&json!({"action": "up"})).unwrap(), Action::Up);
        assert_eq!(
            parse_action(&json!({"action": "down"})).unwrap(),
            Action::Down
        );
        assert_eq!(
            parse_action(&json!({"action": "status"})).unwrap(),
            Action::Status
        );
        assert_eq!(
            parse_action(&json!({"action": "import", "from_url": "postgres://old/db"})).unwrap(),
            Action::Import
        );
        let p = parse_import(
            &json!({"action": "import", "from_secret_arn": "arn:x", "tenant": 3,
                                     "dry_run": true, "fix": true, "zone": "Europe/Berlin"}),
        )
        .unwrap();
        assert_eq!(
            (p.tenant, p.dry_run, p.fix, p.verify),
            (Some(3), true, true, false)
        );
        for bad in [
            json!({"action": "import"}),
            json!({"action": "import", "from_url": "a", "from_secret_arn": "b"}),
            json!({"action": "import", "from_url": "a", "tenat": 3}),
        ] {
            assert!(
                matches!(parse_import(&bad), Err(MigrateError::Payload(_))),
                "{bad}"
            );
        }
        for bad in [json!({"action": "Down"}), json!({"action": 1}), json!("up")] {
            let e = parse_action(&bad).unwrap_err();
            assert!(matches!(e, MigrateError::Payload(_)), "{bad}: {e}");
        }
    }

    #[test]
    fn the_migration_url_wins_over_the_runtime_url() {
        let env = |pairs: &[(&str, &str)]| {
            let m: HashMap<String, String> = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            database_url(move |k| m.get(k).cloned())
        };
        assert_eq!(
            env(&[("MIGRATION_DATABASE_URL", "owner"), ("DATABASE_URL", "rw")]).unwrap(),
            "owner"
        );
        assert_eq!(
            env(&[("MIGRATION_DATABASE_URL", " "), ("DATABASE_URL", "rw")]).unwrap(),
            "rw"
        );
        assert!(matches!(env(&[]), Err(MigrateError::NoDatabaseUrl)));
    }

    #[test]
    fn the_migration_secret_wins_over_the_environment() {
        use shared::secrets::{MIGRATION, SecretValues, Settings};
        let arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:jmsk-migration-AbCdEf";
        let secret = SecretValues::parse(
            &MIGRATION,
            arn,
            r#"{"MIGRATION_DATABASE_URL": "postgres://app_owner@db/jmsk"}"#,
        )
        .unwrap();
        let env: HashMap<&str, &str> = [
            ("MIGRATION_DATABASE_URL", "postgres://stale-owner@old/jmsk"),
            ("DATABASE_URL", "postgres://app_rw@db/jmsk"),
        ]
        .into();
        let lookup = move |k: &str| env.get(k).map(|v| v.to_string());
        let with_secret = Settings::new(Some(secret), lookup.clone());
        assert_eq!(
            database_url(|k| with_secret.get(k)).unwrap(),
            "postgres://app_owner@db/jmsk"
        );
        // Positive control: without the secret the same environment gives its own owner URL.
        let without = Settings::new(None, lookup);
        assert_eq!(
            database_url(|k| without.get(k)).unwrap(),
            "postgres://stale-owner@old/jmsk"
        );
    }

    #[test]
    fn no_url_at_all_says_where_one_belongs() {
        let msg = database_url(|_| None).unwrap_err().to_string();
        assert!(
            msg.contains("MIGRATION_SECRET_ARN")
                && msg.contains("the APP_SECRET_ARN secret is never read"),
            "{msg}"
        );
    }
}
