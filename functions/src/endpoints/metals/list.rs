use serde::Deserialize;
use shared::app::metals;
use shared::domain::permissions::METALS_READ;
use shared::http::call::lenient_bool;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "metals_list",
    method: "GET",
    path: "/api/v1/metals/",
    access: Access::User {
        permission: Some(METALS_READ),
    },
    summary: "The metal catalogue ordered by name (active only unless include_inactive=true)",
    tag: "metals",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Query {
    /// Also the deactivated metals.
    #[serde(default, deserialize_with = "lenient_bool")]
    include_inactive: bool,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.query::<Query>()
        .response::<Vec<shared::app::metals::MetalRow>>(200);
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let q: Query = call.query()?;
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let list = metals::list(&tx, q.include_inactive).await?;
    tx.commit().await?;
    respond::ok(&list)
}
