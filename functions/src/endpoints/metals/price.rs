use shared::app::metal_price;
use shared::db::Tx;
use shared::domain::permissions::METALS_READ;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "metals_price",
    route: GET "/api/v1/metals/price/{metal_code}",
    access: user[METALS_READ],
    tag: "metals",
    summary: "Market price per gram for a gold/silver/platinum code (cached; stale on provider failure; null when unknown)",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<Option<shared::app::metal_price::MetalPrice>>(200)
        .description(
            "`metal_code` is matched by prefix, case-insensitively: `GOLD…`, `SILVER…` and \
             `PLATINUM…` have a market price; any other code answers `null`, as does a code \
             whose price the provider never delivered.",
        );
}

async fn handle(ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let code: String = call.path("metal_code")?;
    let price = metal_price::lookup(ctx.config(), tx, &code).await?;
    respond::ok(&price)
}
