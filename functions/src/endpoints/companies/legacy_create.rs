//! `POST /api/v1/companies/`: kept as an alias of the `/companies-v2/` handler (decisions §1).

use shared::domain::permissions::COMPANIES_WRITE;

shared::endpoint! {
    id: "companies_legacy_create",
    route: POST "/api/v1/companies/",
    access: user[COMPANIES_WRITE],
    tag: "companies",
    summary: "Legacy alias of POST /api/v1/companies-v2/",
    handler: super::create::handle,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    super::create::docs(op);
    op.deprecated().description(
        "Same handler as `POST /api/v1/companies-v2/`, kept for older clients: use that instead.",
    );
}
