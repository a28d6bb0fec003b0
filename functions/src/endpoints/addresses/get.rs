use shared::app::addresses;
use shared::domain::AddressId;
use shared::domain::permissions::COMPANIES_READ;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "addresses_get",
    method: "GET",
    path: "/api/v1/addresses/{address_id}",
    access: Access::User {
        permission: Some(COMPANIES_READ),
    },
    summary: "One address with its company {id, name}",
    tag: "addresses",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<shared::app::addresses::AddressRow>(200);
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let id: AddressId = call.path("address_id")?;
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let address = addresses::get(&tx, id).await?;
    tx.commit().await?;
    respond::ok(&address)
}
