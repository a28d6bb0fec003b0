use serde::Serialize;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "root_get",
    route: GET "/",
    access: public,
    tag: "health",
    summary: "Service name and version",
}

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

async fn handle(_ctx: &Ctx, _call: &Call) -> ApiResult<Reply> {
    respond::ok(&Output {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}
