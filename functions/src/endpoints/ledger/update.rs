use serde::Deserialize;
use shared::app::ledger::{self, EntryChanges};
use shared::db::Tx;
use shared::domain::LedgerEntryId;
use shared::domain::amount::{Grams, Quantity};
use shared::domain::permissions::LEDGER_WRITE;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "ledger_update",
    route: PUT "/api/v1/department-ledger/{entry_id}",
    access: user[LEDGER_WRITE],
    tag: "department-ledger",
    summary: "Edit a ledger entry (the date too); fields not sent are kept, except notes, which an absent, null or blank value clears; balances, casting consumption and its issue from the safe follow the entry exactly",
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    /// `YYYY-MM-DD`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::date))]
    date: Option<String>,
    /// One of the tenant's departments.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(range(min = 1)))]
    department_id: Option<i64>,
    /// One of the tenant's orders.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(range(min = 1)))]
    order_id: Option<i64>,
    /// One of the tenant's metals (active, if it is not the entry's metal already).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(range(min = 1)))]
    metal_id: Option<i64>,
    /// `IN` or `OUT`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::direction))]
    direction: Option<String>,
    /// Pieces, more than 0.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::positive))]
    quantity: Option<Quantity>,
    /// Gross grams, more than 0.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::positive))]
    weight: Option<Grams>,
    /// The app sends the whole entry and leaves out a blank note, so an absent note is a cleared one.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = shared::app::ledger::NOTES_MAX)))]
    notes: Option<String>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<shared::app::ledger::LedgerEntryRow>(200)
        .error(
            422,
            "Invalid input, or a department, order or metal that is not the tenant's (or a newly chosen inactive metal)",
        );
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: LedgerEntryId = call.path("entry_id")?;
    let input: Input = call.json()?;
    let changes = EntryChanges::parse(
        input.date.as_deref(),
        input.department_id,
        input.order_id,
        input.metal_id,
        input.direction.as_deref(),
        input.quantity,
        input.weight,
        Some(input.notes.as_deref()),
    )?;
    let entry = ledger::update(tx, id, changes).await?;
    respond::ok(&entry)
}
