use shared::app::addresses;
use shared::db::Tx;
use shared::domain::CompanyId;
use shared::domain::permissions::COMPANIES_READ;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "addresses_list",
    route: GET "/api/v1/companies/{company_id}/addresses",
    access: user[COMPANIES_READ],
    tag: "addresses",
    summary: "The company's addresses, the default first",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.paged()
        .response::<Vec<shared::app::addresses::AddressRow>>(200)
        .error(404, "No such company in the caller's tenant");
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let company: CompanyId = call.path("company_id")?;
    let page = call.page()?;
    let list = addresses::list(tx, company, page).await?;
    respond::ok(&list)
}
