//! `GET /api/v1/companies/`: kept as an alias of the `/companies-v2/` handler (decisions §1).

use shared::domain::permissions::COMPANIES_READ;

shared::endpoint! {
    id: "companies_legacy_list",
    route: GET "/api/v1/companies/",
    access: user[COMPANIES_READ],
    tag: "companies",
    summary: "Legacy alias of GET /api/v1/companies-v2/",
    handler: super::list::handle,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    super::list::docs(op);
    op.deprecated().description(
        "Same handler as `GET /api/v1/companies-v2/`, kept for older clients: use that instead.",
    );
}
