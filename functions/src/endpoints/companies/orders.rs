use shared::app::companies;
use shared::db::Tx;
use shared::domain::CompanyId;
use shared::domain::permissions::{COMPANIES_READ, ORDERS_READ};
use shared::http::{Call, Reply};

use crate::endpoints::shared_answers::orders_of;
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "companies_orders",
    route: GET "/api/v1/companies-v2/{company_id}/orders",
    access: user[COMPANIES_READ, ORDERS_READ],
    tag: "companies",
    summary: "The company's orders, newest first, without line items; price is the order total (needs orders:read too)",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.paged()
        .response::<Vec<shared::app::companies::OrderSummary>>(200);
}

/// `group_by_contact` of the old API is accepted and ignored (unknown query parameters are).
async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    orders_of(call, "company_id", |id: CompanyId, page| {
        companies::orders(tx, id, page)
    })
    .await
}
