//! The migration Lambda's logic: connect as the schema owner and run `shared::migrate` up, down (one
//! step) or status. The deploy pipeline invokes it after each deploy with `{"action": "up"}`; request
//! functions never migrate (their role cannot, and ninety cold starts must not race to).

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
}

#[derive(Debug, Default, Deserialize)]
struct Payload {
    #[serde(default)]
    action: Action,
}

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("invalid payload: {0} (expected {{\"action\": \"up\" | \"down\" | \"status\"}})")]
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

/// Connect to `url` and run `action`; the JSON result is what the invocation returns.
pub async fn run(action: Action, url: &str) -> Result<Value, MigrateError> {
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
    };
    Ok(out)
}

/// One invocation: payload in, JSON out. Errors fail the invocation, so the pipeline stops.
pub async fn handle(payload: &Value, url: &str) -> Result<Value, MigrateError> {
    let action = parse_action(payload)?;
    tracing::info!(?action, "migration started");
    let out = run(action, url).await;
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
