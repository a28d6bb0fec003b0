use serde::Serialize;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "health_get",
    method: "GET",
    path: "/health",
    access: Access::Public,
    summary: "Liveness: answers without touching the database",
    tag: "health",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

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

async fn handle(_ctx: Ctx, _call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let lambda = std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some();
    respond::ok(&Output {
        status: "healthy",
        lambda,
    })
}
