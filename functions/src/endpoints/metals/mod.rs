//! `/api/v1/metals/*`: the tenant's metal catalogue and market prices.

pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod price;
pub mod seed;
pub mod update;
