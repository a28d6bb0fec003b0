//! The Lambda entry point shared by every function binary: read configuration once per cold start,
//! connect lazily, and hand each event to `dispatch`, which always answers.

use std::convert::Infallible;

use lambda_http::{Request, service_fn};

use crate::config::Config;
use crate::context::Ctx;
use crate::db::Db;
use crate::http::{Endpoint, dispatch};

pub async fn serve(endpoint: &'static Endpoint) -> Result<(), lambda_http::Error> {
    let config = Config::from_env()?;
    crate::telemetry::init(&config.log_level);
    // No pool in Lambda: one connection per container, opened by the first request that needs it.
    let db = Db::single(config.database_url().unwrap_or_default());
    let ctx = Ctx::new(config, db);
    lambda_http::run(service_fn(move |req: Request| {
        let ctx = ctx.clone();
        async move { Ok::<_, Infallible>(dispatch(&ctx, endpoint, req).await) }
    }))
    .await
}
