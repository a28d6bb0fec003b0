use shared::app::supplies;
use shared::domain::SupplyId;
use shared::domain::permissions::SUPPLIES_WRITE;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "supplies_delete",
    method: "DELETE",
    path: "/api/v1/supplies/{supply_id}",
    access: Access::User {
        permission: Some(SUPPLIES_WRITE),
    },
    summary: "Delete a supply",
    tag: "supplies",
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
    let id: SupplyId = call.path("supply_id")?;
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    supplies::delete(&tx, id).await?;
    tx.commit().await?;
    respond::message("Supply deleted")
}
