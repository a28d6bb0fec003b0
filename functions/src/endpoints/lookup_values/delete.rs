use shared::app::lookup_values;
use shared::db::Tx;
use shared::domain::LookupValueId;
use shared::domain::permissions::LOOKUP_VALUES_WRITE;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "lookup_values_delete",
    route: DELETE "/api/v1/lookup-values/{lookup_id}",
    access: user[LOOKUP_VALUES_WRITE],
    tag: "lookup-values",
    summary: "Deactivate a lookup value (soft delete; PUT {is_active: true} brings it back)",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.message();
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: LookupValueId = call.path("lookup_id")?;
    lookup_values::deactivate(tx, id).await?;
    respond::message("Lookup value deactivated")
}
