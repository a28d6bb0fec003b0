use shared::app::lookup_values;
use shared::domain::LookupValueId;
use shared::domain::permissions::LOOKUP_VALUES_WRITE;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "lookup_values_delete",
    method: "DELETE",
    path: "/api/v1/lookup-values/{lookup_id}",
    access: Access::User {
        permission: Some(LOOKUP_VALUES_WRITE),
    },
    summary: "Deactivate a lookup value (soft delete; PUT {is_active: true} brings it back)",
    tag: "lookup-values",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.message();
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let id: LookupValueId = call.path("lookup_id")?;
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    lookup_values::deactivate(&tx, id).await?;
    tx.commit().await?;
    respond::message("Lookup value deactivated")
}
