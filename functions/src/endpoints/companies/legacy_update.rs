//! `PUT /api/v1/companies/{company_id}`: kept as an alias of the `/companies-v2/` handler (decisions §1).

use shared::domain::permissions::COMPANIES_WRITE;
use shared::http::{Access, Endpoint, Sizing};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "companies_legacy_update",
    method: "PUT",
    path: "/api/v1/companies/{company_id}",
    access: Access::User {
        permission: Some(COMPANIES_WRITE),
    },
    summary: "Legacy alias of PUT /api/v1/companies-v2/{company_id}",
    tag: "companies",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(super::update::handle(ctx, call)),
};

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    super::update::docs(op);
    op.deprecated()
        .description("Same handler as `PUT /api/v1/companies-v2/{company_id}`, kept for older clients: use that instead.");
}
