use shared::app::metal_accounting;
use shared::db::Tx;
use shared::domain::CompanyId;
use shared::domain::permissions::COMPANIES_READ;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "companies_metal_balances",
    route: GET "/api/v1/companies/{company_id}/metal-balances",
    access: user[COMPANIES_READ],
    tag: "metal-accounting",
    summary: "A company's metal on deposit, one row per metal (by code); reading writes nothing",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<Vec<shared::app::metal_accounting::CompanyMetalBalanceRow>>(200)
        .error(404, "Company not found");
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let company: CompanyId = call.path("company_id")?;
    let list = metal_accounting::company_balances(tx, company).await?;
    respond::ok(&list)
}
