use shared::app::supplies;
use shared::db::Tx;
use shared::domain::SupplyId;
use shared::domain::permissions::SUPPLIES_READ;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "supplies_get",
    route: GET "/api/v1/supplies/{supply_id}",
    access: user[SUPPLIES_READ],
    tag: "supplies",
    summary: "One supply",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<shared::app::supplies::SupplyRow>(200);
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: SupplyId = call.path("supply_id")?;
    let supply = supplies::get(tx, id).await?;
    respond::ok(&supply)
}
