//! Versioned plain-SQL migrations with `up`, `down` (one step), `status` and `new`. The SQL files are
//! embedded at build time. Runs are serialised by a PostgreSQL advisory lock, so two deploys migrating
//! at once cannot interleave. Request functions never migrate; this runs from the CLI or the migration
//! Lambda, connected as the schema owner.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tokio_postgres::Client;

use crate::error::DbError;

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub up: &'static str,
    pub down: Option<&'static str>,
}

include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

/// Arbitrary, fixed: identifies "the migration lock" among advisory locks.
const LOCK_KEY: i64 = 0x006A_6D73_6B6D_6967;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Applied {
    pub version: i64,
    pub name: String,
    pub applied_at: DateTime<Utc>,
    /// False when the embedded file no longer matches what was applied (an edited migration).
    pub checksum_ok: bool,
    pub known: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Status {
    pub applied: Vec<Applied>,
    pub pending: Vec<String>,
}

fn checksum(sql: &str) -> String {
    hex::encode(Sha256::digest(sql.as_bytes()))
}

async fn ensure_table(client: &Client) -> Result<(), DbError> {
    client
        .batch_execute(
            "create table if not exists schema_migrations (
                version bigint primary key,
                name text not null,
                checksum text not null,
                applied_at timestamptz not null default now())",
        )
        .await?;
    Ok(())
}

async fn with_lock<T>(
    client: &Client,
    work: impl AsyncFnOnce() -> Result<T, DbError>,
) -> Result<T, DbError> {
    client
        .execute("select pg_advisory_lock($1)", &[&LOCK_KEY])
        .await?;
    let out = work().await;
    let unlock = client
        .execute("select pg_advisory_unlock($1)", &[&LOCK_KEY])
        .await;
    let out = out?;
    unlock?;
    Ok(out)
}

async fn applied_versions(
    client: &Client,
) -> Result<Vec<(i64, String, String, DateTime<Utc>)>, DbError> {
    let rows = client
        .query(
            "select version, name, checksum, applied_at from schema_migrations order by version",
            &[],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("version")?,
                r.try_get("name")?,
                r.try_get("checksum")?,
                r.try_get("applied_at")?,
            ))
        })
        .collect::<Result<_, tokio_postgres::Error>>()
        .map_err(DbError::from)
}

/// Apply every pending migration, each in its own transaction. Returns the names applied.
pub async fn up(client: &mut Client) -> Result<Vec<String>, DbError> {
    ensure_table(client).await?;
    let client_ref: &Client = client;
    with_lock(client_ref, async || {
        let applied = applied_versions(client_ref).await?;
        for (v, name, sum, _) in &applied {
            if let Some(m) = MIGRATIONS.iter().find(|m| m.version == *v)
                && checksum(m.up) != *sum
            {
                return Err(DbError::Unexpected(format!(
                    "migration {name} was edited after it was applied; add a new migration instead"
                )));
            }
        }
        let mut done = Vec::new();
        for m in MIGRATIONS.iter().filter(|m| !applied.iter().any(|a| a.0 == m.version)) {
            let sql = format!(
                "begin;\n{}\n;\ninsert into schema_migrations (version, name, checksum) values ({}, '{}', '{}');\ncommit;",
                m.up,
                m.version,
                m.name.replace('\'', "''"),
                checksum(m.up)
            );
            if let Err(e) = client_ref.batch_execute(&sql).await {
                let _ = client_ref.batch_execute("rollback").await;
                return Err(DbError::Unexpected(format!("migration {} failed: {}", m.name, describe(&e))));
            }
            done.push(m.name.to_string());
        }
        Ok(done)
    })
    .await
}

/// Revert the most recent migration. Returns its name, or `None` when nothing is applied.
pub async fn down(client: &mut Client) -> Result<Option<String>, DbError> {
    ensure_table(client).await?;
    let client_ref: &Client = client;
    with_lock(client_ref, async || {
        let applied = applied_versions(client_ref).await?;
        let Some((version, name, _, _)) = applied.last().cloned() else {
            return Ok(None);
        };
        let m = MIGRATIONS
            .iter()
            .find(|m| m.version == version)
            .ok_or_else(|| {
                DbError::Unexpected(format!("migration {name} is not known to this build"))
            })?;
        let down = m
            .down
            .ok_or_else(|| DbError::Unexpected(format!("migration {name} has no down file")))?;
        let sql = format!(
            "begin;\n{down}\n;\ndelete from schema_migrations where version = {version};\ncommit;"
        );
        if let Err(e) = client_ref.batch_execute(&sql).await {
            let _ = client_ref.batch_execute("rollback").await;
            return Err(DbError::Unexpected(format!(
                "reverting {name} failed: {}",
                describe(&e)
            )));
        }
        Ok(Some(name))
    })
    .await
}

pub async fn status(client: &mut Client) -> Result<Status, DbError> {
    ensure_table(client).await?;
    let applied = applied_versions(client).await?;
    let pending = MIGRATIONS
        .iter()
        .filter(|m| !applied.iter().any(|a| a.0 == m.version))
        .map(|m| m.name.to_string())
        .collect();
    let applied = applied
        .into_iter()
        .map(|(version, name, sum, applied_at)| {
            let known = MIGRATIONS.iter().find(|m| m.version == version);
            Applied {
                version,
                name,
                applied_at,
                checksum_ok: known.is_some_and(|m| checksum(m.up) == sum),
                known: known.is_some(),
            }
        })
        .collect();
    Ok(Status { applied, pending })
}

/// Create `NNNN_name.up.sql` and `NNNN_name.down.sql` in `dir` with the next free number.
pub fn new(
    dir: &std::path::Path,
    name: &str,
) -> std::io::Result<(std::path::PathBuf, std::path::PathBuf)> {
    let slug: String = name
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if slug.trim_matches('_').is_empty() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "migration name is empty",
        ));
    }
    let mut next = 1;
    for e in std::fs::read_dir(dir)?.flatten() {
        let f = e.file_name().to_string_lossy().to_string();
        if let Some(n) = f.split('_').next().and_then(|v| v.parse::<i64>().ok()) {
            next = next.max(n + 1);
        }
    }
    let stem = format!("{next:04}_{}", slug.trim_matches('_'));
    let up = dir.join(format!("{stem}.up.sql"));
    let down = dir.join(format!("{stem}.down.sql"));
    std::fs::write(&up, format!("-- {stem}: what this changes and why.\n"))?;
    std::fs::write(&down, format!("-- Reverts {stem}.\n"))?;
    Ok((up, down))
}

fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_embedded_in_order_with_down_files() {
        assert!(!MIGRATIONS.is_empty());
        for w in MIGRATIONS.windows(2) {
            assert!(w[0].version < w[1].version);
        }
        assert!(
            MIGRATIONS.iter().all(|m| m.down.is_some()),
            "every migration needs a down file"
        );
    }

    #[test]
    fn new_numbers_after_the_highest() {
        let dir = std::env::temp_dir().join(format!("mig-new-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("0007_x.up.sql"), "").unwrap();
        let (up, down) = new(&dir, "Add Things!").unwrap();
        assert!(up.ends_with("0008_add_things.up.sql"), "{}", up.display());
        assert!(down.ends_with("0008_add_things.down.sql"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
