//! `POST /api/v1/companies/`: kept as an alias of the `/companies-v2/` handler (decisions §1).

use shared::domain::permissions::COMPANIES_WRITE;
use shared::http::{Access, Endpoint, Sizing};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "companies_legacy_create",
    method: "POST",
    path: "/api/v1/companies/",
    access: Access::User {
        permission: Some(COMPANIES_WRITE),
    },
    summary: "Legacy alias of POST /api/v1/companies-v2/",
    tag: "companies",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(super::create::handle(ctx, call)),
};

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    super::create::docs(op);
    op.deprecated().description(
        "Same handler as `POST /api/v1/companies-v2/`, kept for older clients: use that instead.",
    );
}
