//! `PUT /api/v1/companies/{company_id}`: kept as an alias of the `/companies-v2/` handler (decisions §1).

use shared::domain::permissions::COMPANIES_WRITE;

shared::endpoint! {
    id: "companies_legacy_update",
    route: PUT "/api/v1/companies/{company_id}",
    access: user[COMPANIES_WRITE],
    tag: "companies",
    summary: "Legacy alias of PUT /api/v1/companies-v2/{company_id}",
    handler: super::update::handle,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    super::update::docs(op);
    op.deprecated()
        .description("Same handler as `PUT /api/v1/companies-v2/{company_id}`, kept for older clients: use that instead.");
}
