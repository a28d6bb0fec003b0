use serde::Serialize;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "health_db",
    route: GET "/health/db",
    access: probe,
    tag: "health",
    summary: "Readiness: one round trip to the database (always HTTP 200, with a status field)",
}

#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Output {
    /// `healthy` or `unhealthy`.
    status: &'static str,
    /// `connected` or `disconnected`.
    database: &'static str,
    /// Only when unhealthy, and never with internals.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'static str>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<Output>(200);
}

async fn handle(ctx: &Ctx, _call: &Call) -> ApiResult<Reply> {
    match shared::app::health::ping(ctx).await {
        Ok(()) => respond::ok(&Output {
            status: "healthy",
            database: "connected",
            error: None,
        }),
        Err(e) => {
            tracing::warn!(error = %e.chain(), "database health check failed");
            // The reason stays in the logs: connection strings and hosts are not for the public.
            respond::ok(&Output {
                status: "unhealthy",
                database: "disconnected",
                error: Some("database unreachable"),
            })
        }
    }
}
