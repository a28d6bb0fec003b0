use shared::app::addresses;
use shared::domain::AddressId;
use shared::domain::permissions::COMPANIES_WRITE;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "addresses_delete",
    method: "DELETE",
    path: "/api/v1/addresses/{address_id}",
    access: Access::User {
        permission: Some(COMPANIES_WRITE),
    },
    summary: "Delete an address; the default address only when it is the company's last one (else 409)",
    tag: "addresses",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.message().error(
        409,
        "Cannot delete the default address while the company has other addresses",
    );
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let id: AddressId = call.path("address_id")?;
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    addresses::delete(&tx, id).await?;
    tx.commit().await?;
    respond::message("Address deleted successfully")
}
