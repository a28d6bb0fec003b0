use shared::http::{Call, Reply};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "docs_openapi",
    route: GET "/openapi.json",
    access: public,
    tag: "docs",
    summary: "This OpenAPI 3.1 document",
}

/// Generated from the route table by `cargo xtask gen`; `infra/local/tests/openapi.rs` also
/// fails when it is stale.
const DOCUMENT: &str = include_str!("../../../../openapi.json");

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.content(200, "application/json", "The OpenAPI 3.1 document");
}

async fn handle(_ctx: &Ctx, _call: &Call) -> ApiResult<Reply> {
    super::page::text(
        "application/json",
        "public, max-age=300",
        DOCUMENT.to_string(),
    )
}
