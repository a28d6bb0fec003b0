//! Lambda entry point `migrate` (template.yaml: `MigrateFunction`, no API event). Invoke with
//! `{"action": "up" | "down" | "status"}` (default `up`); answers JSON, fails the invocation on error.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    shared::telemetry::init(&std::env::var("LOG_LEVEL").unwrap_or_else(|_| "info".into()));
    // Once per cold start, like the request functions: the APP_SECRET_ARN secret (if any) over the
    // environment. The owner's URL belongs in the secret as MIGRATION_DATABASE_URL.
    let settings = shared::secrets::Settings::load().await?;
    let settings = &settings;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        // A missing URL fails the invocation with the variable's name.
        let url = migrator::database_url(|k| settings.get(k))?;
        Ok::<Value, Error>(migrator::handle(&event.payload, &url).await?)
    }))
    .await
}
