//! `/api/v1/tenants/*`: the caller's own tenant. Listing and reading need only a valid token and show
//! nothing but the caller's tenant; updating needs `tenant:manage`.

pub mod get;
pub mod list;
pub mod update;
