use shared::app::ledger;
use shared::db::Tx;
use shared::domain::LedgerEntryId;
use shared::domain::permissions::LEDGER_WRITE;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "ledger_delete",
    route: DELETE "/api/v1/department-ledger/{entry_id}",
    access: user[LEDGER_WRITE],
    tag: "department-ledger",
    summary: "Delete a ledger entry; its department balance is taken back and its casting consumption and issue reversed",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.message();
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: LedgerEntryId = call.path("entry_id")?;
    ledger::delete(tx, id).await?;
    respond::message("Ledger entry deleted successfully")
}
