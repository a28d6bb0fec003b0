use shared::app::companies;
use shared::db::Tx;
use shared::domain::CompanyId;
use shared::domain::permissions::COMPANIES_READ;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "companies_statistics",
    route: GET "/api/v1/companies-v2/{company_id}/statistics",
    access: user[COMPANIES_READ],
    tag: "companies",
    summary: "{company_id, total_balance, contact_count, order_count, average_order_value}",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<shared::app::companies::CompanyStatistics>(200);
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: CompanyId = call.path("company_id")?;
    let stats = companies::statistics(tx, id).await?;
    respond::ok(&stats)
}
