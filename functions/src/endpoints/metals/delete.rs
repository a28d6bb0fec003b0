use shared::app::metals;
use shared::domain::MetalId;
use shared::domain::permissions::METALS_WRITE;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "metals_delete",
    method: "DELETE",
    path: "/api/v1/metals/{metal_id}",
    access: Access::User {
        permission: Some(METALS_WRITE),
    },
    summary: "Deactivate a metal (soft delete; PUT {is_active: true} reactivates it)",
    tag: "metals",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.message();
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let id: MetalId = call.path("metal_id")?;
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    metals::deactivate(&tx, id).await?;
    tx.commit().await?;
    respond::message("Metal deactivated")
}
