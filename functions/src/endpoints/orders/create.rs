use serde::Deserialize;
use shared::app::orders::{self, NewOrder};
use shared::db::Tx;
use shared::domain::permissions::ORDERS_WRITE;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

use super::body::{LineItemBody, items};

shared::endpoint! {
    id: "orders_create",
    route: POST "/api/v1/orders/",
    access: user[ORDERS_WRITE],
    tag: "orders",
    summary: "Create an order of one of the tenant's contacts with at least one line item; numbered ORD-{tenant}-{n:06}",
    success: 201,
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    /// One of the tenant's contacts; the order's company is the contact's.
    contact_id: i64,
    /// `YYYY-MM-DDTHH:mm` (as an HTML datetime-local input sends it, read as UTC), RFC 3339 or
    /// `YYYY-MM-DD`; blank means none.
    #[serde(default)]
    due_date: Option<String>,
    /// One of PENDING (default), IN_PROGRESS, COMPLETED, SHIPPED, CANCELLED.
    #[serde(default)]
    status: Option<String>,
    /// At least one.
    line_items: Vec<LineItemBody>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<shared::app::orders::Order>(201)
        .error(
            422,
            "Invalid input, no line items, or `contact_id` / a line item's `metal_id` is not the tenant's",
        );
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let input: Input = call.json()?;
    let new = NewOrder::parse(
        input.contact_id,
        input.status.as_deref(),
        input.due_date.as_deref(),
        items(input.line_items),
    )?;
    let order = orders::create(tx, new).await?;
    respond::created(&order)
}
