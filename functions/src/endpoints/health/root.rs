use serde::Serialize;
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

#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Output {
    status: &'static str,
    version: &'static str,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<Output>(200);
}

async fn handle(_ctx: Ctx, _call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    respond::ok(&Output {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}
