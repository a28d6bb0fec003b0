//! `/api/v1/contacts/*`: people at customer companies, and their orders.

pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod orders;
pub mod update;
