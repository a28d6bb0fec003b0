use shared::app::metals;
use shared::db::Tx;
use shared::domain::permissions::METALS_WRITE;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "metals_seed",
    route: POST "/api/v1/metals/seed",
    access: user[METALS_WRITE],
    tag: "metals",
    summary: "Insert the default metals whose code is missing (idempotent)",
}

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

async fn handle(_ctx: &Ctx, _call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let created = metals::seed(tx).await?;
    respond::ok(&serde_json::json!({
        "message": format!("Seeded {created} default metals"),
        "created": created,
    }))
}
