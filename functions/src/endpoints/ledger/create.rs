use serde::Deserialize;
use shared::app::ledger::{self, NewEntry};
use shared::db::Tx;
use shared::domain::amount::{Grams, Quantity};
use shared::domain::permissions::LEDGER_WRITE;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "ledger_create",
    route: POST "/api/v1/department-ledger/",
    access: user[LEDGER_WRITE],
    tag: "department-ledger",
    summary: "Record pieces and grams going IN or OUT of a department for an order; moves the department balance, and an IN entry of the casting department consumes its fine weight from the order's company and issues it from the safe",
    success: 201,
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    /// `YYYY-MM-DD`; absent or blank: today (UTC).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::date))]
    date: Option<String>,
    /// One of the tenant's departments.
    #[cfg_attr(feature = "openapi", schemars(range(min = 1)))]
    department_id: i64,
    /// One of the tenant's orders.
    #[cfg_attr(feature = "openapi", schemars(range(min = 1)))]
    order_id: i64,
    /// One of the tenant's active metals.
    #[cfg_attr(feature = "openapi", schemars(range(min = 1)))]
    metal_id: i64,
    /// `IN` or `OUT`.
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::direction))]
    direction: String,
    /// Pieces, more than 0.
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::positive))]
    quantity: Quantity,
    /// Gross grams, more than 0.
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::positive))]
    weight: Grams,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = shared::app::ledger::NOTES_MAX)))]
    notes: Option<String>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<shared::app::ledger::LedgerEntryRow>(201)
        .error(
            422,
            "Invalid input, or a department, order or metal that is not the tenant's (or an inactive metal)",
        );
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let input: Input = call.json()?;
    let new = NewEntry::parse(
        input.date.as_deref(),
        input.department_id,
        input.order_id,
        input.metal_id,
        &input.direction,
        input.quantity,
        input.weight,
        input.notes.as_deref(),
    )?;
    let entry = ledger::create(tx, new).await?;
    respond::created(&entry)
}
