use serde::Deserialize;
use shared::app::metals;
use shared::db::Tx;
use shared::domain::permissions::METALS_READ;
use shared::http::call::lenient_bool;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "metals_list",
    route: GET "/api/v1/metals/",
    access: user[METALS_READ],
    tag: "metals",
    summary: "The metal catalogue ordered by name (active only unless include_inactive=true)",
}

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

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let q: Query = call.query()?;
    let list = metals::list(tx, q.include_inactive).await?;
    respond::ok(&list)
}
