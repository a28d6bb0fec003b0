use shared::app::metal_price;
use shared::domain::permissions::METALS_READ;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "metals_price",
    method: "GET",
    path: "/api/v1/metals/price/{metal_code}",
    access: Access::User {
        permission: Some(METALS_READ),
    },
    summary: "Market price per gram for a gold/silver/platinum code (cached; stale on provider failure; null when unknown)",
    tag: "metals",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<Option<shared::app::metal_price::MetalPrice>>(200)
        .description(
            "`metal_code` is matched by prefix, case-insensitively: `GOLD…`, `SILVER…` and \
             `PLATINUM…` have a market price; any other code answers `null`, as does a code \
             whose price the provider never delivered.",
        );
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let code: String = call.path("metal_code")?;
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let price = metal_price::lookup(ctx.config(), &tx, &code).await?;
    tx.commit().await?;
    respond::ok(&price)
}
