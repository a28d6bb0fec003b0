use shared::app::supplies;
use shared::db::Tx;
use shared::domain::permissions::SUPPLIES_READ;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "supplies_list",
    route: GET "/api/v1/supplies/",
    access: user[SUPPLIES_READ],
    tag: "supplies",
    summary: "Supplies in creation order (skip/limit)",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.paged()
        .response::<Vec<shared::app::supplies::SupplyRow>>(200);
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let page = call.page()?;
    let list = supplies::list(tx, page).await?;
    respond::ok(&list)
}
