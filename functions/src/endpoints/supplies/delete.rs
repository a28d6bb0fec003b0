use shared::app::supplies;
use shared::db::Tx;
use shared::domain::SupplyId;
use shared::domain::permissions::SUPPLIES_WRITE;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "supplies_delete",
    route: DELETE "/api/v1/supplies/{supply_id}",
    access: user[SUPPLIES_WRITE],
    tag: "supplies",
    summary: "Delete a supply",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.message();
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: SupplyId = call.path("supply_id")?;
    supplies::delete(tx, id).await?;
    respond::message("Supply deleted")
}
