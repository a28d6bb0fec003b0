use shared::app::supplies;
use shared::domain::SupplyId;
use shared::domain::permissions::SUPPLIES_READ;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "supplies_get",
    method: "GET",
    path: "/api/v1/supplies/{supply_id}",
    access: Access::User {
        permission: Some(SUPPLIES_READ),
    },
    summary: "One supply",
    tag: "supplies",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<shared::app::supplies::SupplyRow>(200);
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let id: SupplyId = call.path("supply_id")?;
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let supply = supplies::get(&tx, id).await?;
    tx.commit().await?;
    respond::ok(&supply)
}
