//! Lambda entry point `migrate` (template.yaml: `MigrateFunction`, no API event). Invoke with
//! `{"action": "up" | "down" | "status"}` (default `up`); answers JSON, fails the invocation on error.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    shared::telemetry::init(&std::env::var("LOG_LEVEL").unwrap_or_else(|_| "info".into()));
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        // Read per invocation: cheap, and a missing variable fails the invocation with its name.
        let url = migrator::database_url(|k| std::env::var(k).ok())?;
        Ok::<Value, Error>(migrator::handle(&event.payload, &url).await?)
    }))
    .await
}
