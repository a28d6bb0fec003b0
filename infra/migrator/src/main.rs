//! Lambda entry point `migrate` (template.yaml: `MigrateFunction`, no API event). Invoke with
//! `{"action": "up" | "down" | "status"}` (default `up`), or `{"action": "import", ...}` (the import
//! from the old service, docs/import.md); answers JSON, fails the invocation on error.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    shared::telemetry::init(&std::env::var("LOG_LEVEL").unwrap_or_else(|_| "info".into()));
    // Once per cold start: the MIGRATION_SECRET_ARN secret (if any) over the environment. Never the
    // request functions' APP_SECRET_ARN secret, which must not hold the owner's URL.
    let settings = shared::secrets::Settings::load(&shared::secrets::MIGRATION)
        .await
        .map_err(shared::lambda::cold_start_failed)?;
    let settings = &settings;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        // A missing URL fails the invocation with the variable's name.
        let url = migrator::database_url(|k| settings.get(k))?;
        Ok::<Value, Error>(migrator::handle(&event.payload, &url).await?)
    }))
    .await
}
