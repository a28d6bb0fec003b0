use serde::Deserialize;
use shared::app::metal_accounting::DepositRequest;
use shared::app::orders::{self, NewOrder};
use shared::domain::amount::Grams;
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
    #[cfg_attr(feature = "openapi", schemars(range(min = 1)))]
    contact_id: i64,
    /// `YYYY-MM-DDTHH:mm` (as an HTML datetime-local input sends it, read as UTC), RFC 3339 or
    /// `YYYY-MM-DD`; blank means none.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::due_date))]
    due_date: Option<String>,
    /// One of PENDING (default), IN_PROGRESS, COMPLETED, SHIPPED, CANCELLED.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::order_status))]
    status: Option<String>,
    /// At least one.
    #[cfg_attr(feature = "openapi", schemars(length(min = 1)))]
    line_items: Vec<LineItemBody>,
    /// Metal the customer hands over with the order, booked in the same transaction (needs
    /// `companies:write` and `safe:write`, as `POST /companies/{id}/metal-deposits`). Absent, `null`
    /// or `{}`: none.
    #[serde(default)]
    metal_deposit: Option<DepositBody>,
}

/// An inline deposit: `metal_id` (or the old API's `metal_type`) and `quantity_grams`.
#[derive(Deserialize, Default, PartialEq)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
// No deposit (every field absent or null), or `quantity_grams` with `metal_id` or `metal_type`:
// anything between is a 422 naming `metal_deposit.<field>` (`DepositBody::parse`).
#[cfg_attr(feature = "openapi", schemars(extend("anyOf" = [
    {"properties": {
        "metal_id": {"type": "null"}, "metal_type": {"type": "null"},
        "quantity_grams": {"type": "null"}, "notes": {"type": "null"},
    }},
    {"required": ["quantity_grams", "metal_id"],
     "properties": {"quantity_grams": {"type": "number"}, "metal_id": {"type": "integer"}}},
    {"required": ["quantity_grams", "metal_type"],
     "properties": {"quantity_grams": {"type": "number"}, "metal_type": {"type": "string"}}},
])))]
struct DepositBody {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(range(min = 1)))]
    metal_id: Option<i64>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::metal_type))]
    metal_type: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::positive))]
    quantity_grams: Option<Grams>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = shared::app::metal_accounting::NOTES_MAX)))]
    notes: Option<String>,
}

impl DepositBody {
    /// `None` for an empty object, which the old service also took as "no deposit".
    fn parse(self) -> ApiResult<Option<DepositRequest>> {
        if self == DepositBody::default() {
            return Ok(None);
        }
        DepositRequest::parse(
            self.metal_id,
            self.metal_type.as_deref(),
            self.quantity_grams,
            self.notes.as_deref(),
        )
        .map(Some)
        .map_err(|e| e.within("metal_deposit"))
    }
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<shared::app::orders::Order>(201)
        .error(
            422,
            "Invalid input, no line items, `contact_id` / a line item's `metal_id` is not the tenant's, or an invalid `metal_deposit`",
        )
        .error(
            400,
            "The `metal_deposit` names a `metal_type` the tenant has no active metal of",
        );
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let input: Input = call.json()?;
    let new = NewOrder::parse(
        input.contact_id,
        input.status.as_deref(),
        input.due_date.as_deref(),
        items(input.line_items),
        input
            .metal_deposit
            .map(DepositBody::parse)
            .transpose()?
            .flatten(),
    )?;
    let order = orders::create(tx, new).await?;
    respond::created(&order)
}
