//! `generate [--scale N]`: the scale data of the performance issue (`shared::app::scale`) in the
//! local database, for measuring the API at volume. Refuses to run twice on one database (the
//! tenant "Scale Co" exists), so `.data/pg` can be reset with `rm -rf .data/pg` to regenerate.

use shared::config::Config;

use crate::{Database, Error};

/// Scale Co's volume when `--scale` is not given: the figures.
pub const DEFAULT_SCALE: i32 = 1;
/// More than this would outgrow a developer's disk (10 ≈ 2 M ledger entries, about 2 GB).
pub const MAX_SCALE: i32 = 100;

/// The value of `--scale N` / `--scale=N`.
pub fn parse_scale(raw: &str) -> Result<i32, Error> {
    raw.parse::<i32>()
        .ok()
        .filter(|n| (1..=MAX_SCALE).contains(n))
        .ok_or_else(|| {
            format!("--scale: '{raw}' is not a whole number from 1 to {MAX_SCALE}").into()
        })
}

/// Sign up the tenants as the API's role, fill them as the owner, and say what was made.
pub async fn run(config: &Config, db: &Database, scale: i32) -> Result<String, Error> {
    // The embedded database may be brand new; an external one is migrated with `migrate up`.
    if db.server().is_some() {
        db.migrate_up().await?;
    }
    let ctx = shared::Ctx::new(
        config.clone(),
        shared::db::Db::single(&db.runtime_url, &config.database_timeouts),
    );
    let report = shared::app::scale::generate(&ctx, &db.owner_url, scale).await?;
    Ok(report.to_string())
}
