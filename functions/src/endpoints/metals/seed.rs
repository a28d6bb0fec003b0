use shared::app::metals;
use shared::domain::permissions::METALS_WRITE;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "metals_seed",
    method: "POST",
    path: "/api/v1/metals/seed",
    access: Access::User {
        permission: Some(METALS_WRITE),
    },
    summary: "Insert the default metals whose code is missing (idempotent)",
    tag: "metals",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let created = metals::seed(&tx).await?;
    tx.commit().await?;
    respond::ok(&serde_json::json!({
        "message": format!("Seeded {created} default metals"),
        "created": created,
    }))
}
