//! `GET /api/v1/companies/`: kept as an alias of the `/companies-v2/` handler (decisions §1).

use shared::domain::permissions::COMPANIES_READ;
use shared::http::{Access, Endpoint, Sizing};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "companies_legacy_list",
    method: "GET",
    path: "/api/v1/companies/",
    access: Access::User {
        permission: Some(COMPANIES_READ),
    },
    summary: "Legacy alias of GET /api/v1/companies-v2/",
    tag: "companies",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(super::list::handle(ctx, call)),
};

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    super::list::docs(op);
    op.deprecated().description(
        "Same handler as `GET /api/v1/companies-v2/`, kept for older clients: use that instead.",
    );
}
