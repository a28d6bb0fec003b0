use shared::app::companies;
use shared::db::Tx;
use shared::domain::CompanyId;
use shared::domain::permissions::COMPANIES_READ;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "companies_contacts",
    route: GET "/api/v1/companies-v2/{company_id}/contacts",
    access: user[COMPANIES_READ],
    tag: "companies",
    summary: "The company's contacts by name ({id, name, email, phone})",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.paged()
        .response::<Vec<shared::app::companies::PartySummary>>(200);
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: CompanyId = call.path("company_id")?;
    let page = call.page()?;
    let contacts = companies::contacts(tx, id, page).await?;
    respond::ok(&contacts)
}
