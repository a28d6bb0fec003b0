use serde::Deserialize;
use shared::app::shipments;
use shared::db::Tx;
use shared::domain::OrderId;
use shared::domain::permissions::SHIPMENTS_READ;
use shared::http::call::id_filter;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "shipments_list",
    route: GET "/api/v1/shipments/",
    access: user[SHIPMENTS_READ],
    tag: "shipments",
    summary: "Shipments newest first, each with its order_number; order_id filter",
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Query {
    /// Text, so that an empty `order_id=` means "no filter".
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schemars(
            with = "i64",
            range(min = 1),
            description = "Only the shipments of this order (empty: no filter)."
        )
    )]
    order_id: Option<String>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.query::<Query>()
        .paged()
        .response::<Vec<shared::app::shipments::ShipmentRow>>(200);
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let q: Query = call.query()?;
    let page = call.page()?;
    let order = id_filter::<OrderId>("order_id", q.order_id.as_deref())?;
    let list = shipments::list(tx, order, page).await?;
    respond::ok(&list)
}
