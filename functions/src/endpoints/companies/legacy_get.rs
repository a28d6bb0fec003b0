//! `GET /api/v1/companies/{company_id}`: kept as an alias of the `/companies-v2/` handler (decisions §1).

use shared::domain::permissions::COMPANIES_READ;

shared::endpoint! {
    id: "companies_legacy_get",
    route: GET "/api/v1/companies/{company_id}",
    access: user[COMPANIES_READ],
    tag: "companies",
    summary: "Legacy alias of GET /api/v1/companies-v2/{company_id}",
    handler: super::get::handle,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    super::get::docs(op);
    op.deprecated()
        .description("Same handler as `GET /api/v1/companies-v2/{company_id}`, kept for older clients: use that instead.");
}
