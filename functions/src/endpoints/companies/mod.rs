//! `/api/v1/companies-v2/*` (and the legacy aliases under `/api/v1/companies/`): customer companies,
//! their contacts, orders, balance and statistics.

pub mod balance;
pub mod contacts;
pub mod create;
pub mod delete;
pub mod get;
pub mod legacy_create;
pub mod legacy_delete;
pub mod legacy_get;
pub mod legacy_list;
pub mod legacy_update;
pub mod list;
pub mod orders;
pub mod statistics;
pub mod update;
