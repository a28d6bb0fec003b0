//! Company addresses: `/api/v1/companies/{company_id}/addresses*` and `/api/v1/addresses/*`.
//! Permissions are the companies' ones: an address is part of the company record.

pub mod create;
pub mod default;
pub mod delete;
pub mod get;
pub mod list;
pub mod set_default;
pub mod shipment_default;
pub mod update;
