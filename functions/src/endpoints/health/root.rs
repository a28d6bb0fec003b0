use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "root_get",
    method: "GET",
    path: "/",
    access: Access::Public,
    summary: "Service name and version",
    tag: "health",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

async fn handle(_ctx: Ctx, _call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    respond::ok(&serde_json::json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}
