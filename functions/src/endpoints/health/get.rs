use serde::Serialize;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "health_get",
    route: GET "/health",
    access: public,
    tag: "health",
    summary: "Liveness: answers without touching the database",
}

#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Output {
    status: &'static str,
    /// Whether this answer came from AWS Lambda (false on the local server).
    lambda: bool,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<Output>(200);
}

async fn handle(_ctx: &Ctx, _call: &Call) -> ApiResult<Reply> {
    let lambda = std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some();
    respond::ok(&Output {
        status: "healthy",
        lambda,
    })
}
