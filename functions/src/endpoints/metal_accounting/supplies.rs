use shared::app::metal_accounting;
use shared::db::Tx;
use shared::domain::permissions::SAFE_READ;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "safe_supplies",
    route: GET "/api/v1/safe/supplies",
    access: user[SAFE_READ],
    tag: "safe",
    summary: "What the safe holds: fine metal per metal (by code), then alloy; quantities may be negative",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<Vec<shared::app::metal_accounting::SafeSupplyRow>>(200);
}

async fn handle(_ctx: &Ctx, _call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let list = metal_accounting::safe_supplies(tx).await?;
    respond::ok(&list)
}
