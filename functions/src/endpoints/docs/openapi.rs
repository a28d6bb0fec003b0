use shared::http::{Access, Call, Endpoint, Sizing};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "docs_openapi",
    method: "GET",
    path: "/openapi.json",
    access: Access::Public,
    summary: "This OpenAPI 3.1 document",
    tag: "docs",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

/// Generated from the route table by `infra/local/tests/openapi.rs` (`UPDATE_OPENAPI=1`), which also
/// fails when it is stale.
const DOCUMENT: &str = include_str!("../../../../openapi.json");

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.content(200, "application/json", "The OpenAPI 3.1 document");
}

async fn handle(_ctx: Ctx, _call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    super::text(
        "application/json",
        "public, max-age=300",
        DOCUMENT.to_string(),
    )
}
