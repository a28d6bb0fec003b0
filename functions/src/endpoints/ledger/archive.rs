use serde::Deserialize;
use shared::app::ledger;
use shared::db::Tx;
use shared::domain::ledger::date;
use shared::domain::permissions::LEDGER_WRITE;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "ledger_archive",
    route: POST "/api/v1/department-ledger/archive",
    access: user[LEDGER_WRITE],
    tag: "department-ledger",
    summary: "Archive every entry dated from date_from to date_to (inclusive): hidden from the list and the order timelines, balances unchanged; answers how many",
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    /// `YYYY-MM-DD`, inclusive.
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::date))]
    date_from: String,
    /// `YYYY-MM-DD`, inclusive, not before `date_from`.
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::date))]
    date_to: String,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<shared::app::ledger::Archived>(200);
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let input: Input = call.json()?;
    let from = date("date_from", &input.date_from)?;
    let to = date("date_to", &input.date_to)?;
    let archived = ledger::archive(tx, from, to).await?;
    respond::ok(&archived)
}
