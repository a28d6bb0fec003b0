use serde::Serialize;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "health_db",
    method: "GET",
    path: "/health/db",
    access: Access::Public,
    summary: "Readiness: one round trip to the database (always HTTP 200, with a status field)",
    tag: "health",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

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

async fn handle(ctx: Ctx, _call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    match shared::app::health::ping(&ctx).await {
        Ok(()) => respond::ok(&Output {
            status: "healthy",
            database: "connected",
            error: None,
        }),
        Err(e) => {
            tracing::warn!(error = %e, "database health check failed");
            // The reason stays in the logs: connection strings and hosts are not for the public.
            respond::ok(&Output {
                status: "unhealthy",
                database: "disconnected",
                error: Some("database unreachable"),
            })
        }
    }
}
