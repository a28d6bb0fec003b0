use shared::app::metals;
use shared::db::Tx;
use shared::domain::MetalId;
use shared::domain::permissions::METALS_READ;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "metals_get",
    route: GET "/api/v1/metals/{metal_id}",
    access: user[METALS_READ],
    tag: "metals",
    summary: "One metal (active or not)",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<shared::app::metals::MetalRow>(200);
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: MetalId = call.path("metal_id")?;
    let metal = metals::get(tx, id).await?;
    respond::ok(&metal)
}
