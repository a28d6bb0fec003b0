use shared::app::companies;
use shared::db::Tx;
use shared::domain::CompanyId;
use shared::domain::permissions::COMPANIES_WRITE;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "companies_delete",
    route: DELETE "/api/v1/companies-v2/{company_id}",
    access: user[COMPANIES_WRITE],
    tag: "companies",
    summary: "Delete a company and its addresses; 409 while contacts, orders or metal records refer to it",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.message().error(
        409,
        "Contacts, orders, metal balances or metal transactions still refer to the company",
    );
}

/// Also serves the legacy alias `DELETE /api/v1/companies/{company_id}`.
pub(crate) async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: CompanyId = call.path("company_id")?;
    companies::delete(tx, id).await?;
    respond::message("Company deleted successfully")
}
