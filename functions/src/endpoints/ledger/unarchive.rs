use shared::app::ledger;
use shared::db::Tx;
use shared::domain::LedgerEntryId;
use shared::domain::permissions::LEDGER_WRITE;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "ledger_unarchive",
    route: POST "/api/v1/department-ledger/{entry_id}/unarchive",
    access: user[LEDGER_WRITE],
    tag: "department-ledger",
    summary: "Show an archived ledger entry again",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<shared::app::ledger::LedgerEntryRow>(200);
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: LedgerEntryId = call.path("entry_id")?;
    let entry = ledger::unarchive(tx, id).await?;
    respond::ok(&entry)
}
