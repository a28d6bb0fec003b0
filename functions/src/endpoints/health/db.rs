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

async fn handle(ctx: Ctx, _call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    match shared::app::health::ping(&ctx).await {
        Ok(()) => respond::ok(&serde_json::json!({ "status": "healthy", "database": "connected" })),
        Err(e) => {
            tracing::warn!(error = %e, "database health check failed");
            // The reason stays in the logs: connection strings and hosts are not for the public.
            respond::ok(&serde_json::json!({
                "status": "unhealthy", "database": "disconnected", "error": "database unreachable"
            }))
        }
    }
}
