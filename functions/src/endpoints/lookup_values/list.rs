use serde::Deserialize;
use shared::app::lookup_values;
use shared::db::Tx;
use shared::domain::permissions::LOOKUP_VALUES_READ;
use shared::http::call::lenient_bool;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "lookup_values_list",
    route: GET "/api/v1/lookup-values/",
    access: user[LOOKUP_VALUES_READ],
    tag: "lookup-values",
    summary: "Lookup values as a flat array ordered by category and sort order (grouped=true: an object keyed by category)",
}

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

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let q: Query = call.query()?;
    let listing =
        lookup_values::list(tx, q.category.as_deref(), q.include_inactive, q.grouped).await?;
    respond::ok(&listing)
}
