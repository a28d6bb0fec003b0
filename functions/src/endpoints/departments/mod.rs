//! `/api/v1/departments/*`: production departments and their metal balances.

pub mod balances;
pub mod balances_summary;
pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod update;
