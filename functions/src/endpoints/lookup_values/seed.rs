use shared::app::lookup_values;
use shared::domain::permissions::LOOKUP_VALUES_WRITE;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "lookup_values_seed",
    method: "POST",
    path: "/api/v1/lookup-values/seed",
    access: Access::User {
        permission: Some(LOOKUP_VALUES_WRITE),
    },
    summary: "Insert the default step and supply types that are missing (idempotent)",
    tag: "lookup-values",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

/// The answer, as the handler builds it with `json!`.
#[cfg(feature = "openapi")]
#[derive(schemars::JsonSchema)]
#[allow(dead_code)]
struct Output {
    /// `Seeded <created> default …`.
    message: String,
    /// How many defaults were missing and inserted (0 when called again).
    created: u64,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<Output>(200);
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let created = lookup_values::seed(&tx).await?;
    tx.commit().await?;
    respond::ok(&serde_json::json!({
        "message": format!("Seeded {created} default lookup values"),
        "created": created,
    }))
}
