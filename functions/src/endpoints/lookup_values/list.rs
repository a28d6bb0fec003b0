use serde::Deserialize;
use shared::app::lookup_values;
use shared::domain::permissions::LOOKUP_VALUES_READ;
use shared::http::call::lenient_bool;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "lookup_values_list",
    method: "GET",
    path: "/api/v1/lookup-values/",
    access: Access::User {
        permission: Some(LOOKUP_VALUES_READ),
    },
    summary: "Lookup values as a flat array ordered by category and sort order (grouped=true: an object keyed by category)",
    tag: "lookup-values",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Query {
    /// Only this category's values.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(with = "String"))]
    category: Option<String>,
    /// Also the deactivated values.
    #[serde(default, deserialize_with = "lenient_bool")]
    include_inactive: bool,
    /// Answer an object keyed by category instead of a flat array.
    #[serde(default, deserialize_with = "lenient_bool")]
    grouped: bool,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.query::<Query>()
        .response::<shared::app::lookup_values::Listing>(200);
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let q: Query = call.query()?;
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let listing =
        lookup_values::list(&tx, q.category.as_deref(), q.include_inactive, q.grouped).await?;
    tx.commit().await?;
    respond::ok(&listing)
}
