use serde::Deserialize;
use shared::app::orders::{self, OrderChanges};
use shared::db::Tx;
use shared::domain::OrderId;
use shared::domain::permissions::ORDERS_WRITE;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

use super::body::{LineItemBody, items};
use crate::endpoints::input::present;

shared::endpoint! {
    id: "orders_update",
    route: PUT "/api/v1/orders/{order_id}",
    access: user[ORDERS_WRITE],
    tag: "orders",
    summary: "Update an order: contact (moves the company), status, due date; line_items replaces all items. Fields not sent are kept",
}

/// Other fields (everything else `GET /orders/{id}` answers, which the app echoes back) are ignored.
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    /// One of the tenant's contacts; the order moves to the contact's company.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(range(min = 1)))]
    contact_id: Option<i64>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::order_status))]
    status: Option<String>,
    /// As on create; null or blank clears it.
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::clearable, transform = crate::openapi::due_date))]
    due_date: Option<Option<String>>,
    /// When sent: the order's new line items (at least one), replacing all of them.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(min = 1)))]
    line_items: Option<Vec<LineItemBody>>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<shared::app::orders::Order>(200)
        .error(
            422,
            "Invalid input, empty line_items, or `contact_id` / a line item's `metal_id` is not the tenant's",
        );
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: OrderId = call.path("order_id")?;
    let input: Input = call.json()?;
    let changes = OrderChanges::parse(
        input.contact_id,
        input.status.as_deref(),
        input.due_date.as_ref().map(Option::as_deref),
        input.line_items.map(items),
    )?;
    let order = orders::update(tx, id, changes).await?;
    respond::ok(&order)
}
