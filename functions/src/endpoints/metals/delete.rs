use shared::app::metals;
use shared::db::Tx;
use shared::domain::MetalId;
use shared::domain::permissions::METALS_WRITE;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "metals_delete",
    route: DELETE "/api/v1/metals/{metal_id}",
    access: user[METALS_WRITE],
    tag: "metals",
    summary: "Deactivate a metal (soft delete; PUT {is_active: true} reactivates it)",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.message();
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: MetalId = call.path("metal_id")?;
    metals::deactivate(tx, id).await?;
    respond::message("Metal deactivated")
}
