//! The Lambda entry point shared by every function binary: read configuration once per cold start
//! (the environment, overlaid by the Secrets Manager secret named by `APP_SECRET_ARN` when set), connect
//! lazily, and hand each event to `dispatch`, which always answers, then write its metrics line.

use std::convert::Infallible;
use std::time::{Instant, SystemTime};

use lambda_http::{Body, Request, RequestExt, Response, service_fn};

use crate::context::Ctx;
use crate::db::Db;
use crate::http::{Endpoint, dispatch};
use crate::metrics;
use crate::secrets::{self, Settings};

pub async fn serve(endpoint: &'static Endpoint) -> Result<(), lambda_http::Error> {
    // The secret is read before validation: DATABASE_URL and SECRET_KEY may live only there.
    let settings = Settings::load(&secrets::APP)
        .await
        .map_err(cold_start_failed)?;
    let config = settings.config().map_err(cold_start_failed)?;
    crate::telemetry::init(&config.log_level);
    if let Some(secret) = settings.secret() {
        let shadowed = settings.shadowed_env_vars();
        if !shadowed.is_empty() {
            tracing::warn!(
                ?shadowed,
                "environment variables overridden by the APP_SECRET_ARN secret"
            );
        }
        // Named so the secret gets cleaned up; the value was never kept.
        for (key, belongs_in) in secret.misplaced_keys() {
            tracing::warn!(
                key,
                belongs_in,
                "the APP_SECRET_ARN secret carries {key}, which belongs in the migration secret \
                 ({belongs_in}): ignored, remove it from this one"
            );
        }
        tracing::debug!(keys = ?secret.keys().collect::<Vec<_>>(), "configuration read from APP_SECRET_ARN");
    }
    // No pool in Lambda: one connection per container, opened by the first request that needs it. A
    // function that needs the database and has no URL stops here, naming the variable, rather than
    // answering every request with a 500; health and docs functions start without one.
    let url = match config.database_url() {
        Ok(url) => url.to_string(),
        Err(e) if endpoint.needs_database() => return Err(cold_start_failed(e)),
        Err(_) => String::new(),
    };
    let db = Db::single(&url, &config.database_timeouts);
    let ctx = Ctx::new(config, db);
    lambda_http::run(service_fn(move |req: Request| {
        let ctx = ctx.clone();
        async move { Ok::<_, Infallible>(invoke(&ctx, endpoint, req).await) }
    }))
    .await
}

/// One invocation: `dispatch`, then (with `EMF_METRICS`) its metrics line, written before the
/// answer goes back to the Runtime API, so it is in the log even if the process is frozen after.
async fn invoke(ctx: &Ctx, endpoint: &'static Endpoint, req: Request) -> Response<Body> {
    let (arrived, started) = (SystemTime::now(), Instant::now());
    let cold_start = metrics::first_request();
    let request_id = req
        .lambda_context_ref()
        .map(|c| c.request_id.clone())
        .unwrap_or_default();
    let response = dispatch(ctx, endpoint, req).await;
    let config = &ctx.config().metrics;
    if config.emf {
        metrics::RequestMetrics {
            namespace: &config.namespace,
            endpoint: endpoint.id,
            request_id: &request_id,
            status: response.status().as_u16(),
            latency: started.elapsed(),
            cold_start,
            db_flights: response
                .extensions()
                .get::<crate::http::DatabaseFlights>()
                .map(|f| f.0),
            timestamp: arrived,
        }
        .emit();
    }
    response
}

/// A cold start that cannot configure itself stops the process (Lambda reports an init error and
/// retries on the next request). The reason goes to the log as one JSON line and to stderr; it names
/// variables and the secret, never values. The migration function's entry point uses it too.
pub fn cold_start_failed(e: impl std::fmt::Display) -> lambda_http::Error {
    crate::telemetry::init("info");
    let message = e.to_string();
    tracing::error!(error = %message, "cold start failed");
    message.into()
}
