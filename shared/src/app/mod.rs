//! Use cases: domain rules plus repository calls, one module per area. Handlers call these with a
//! transaction they opened; the use case never commits, so one request is one transaction.

pub mod addresses;
pub mod audit;
pub mod auth;
mod catalogue;
pub mod companies;
pub mod contacts;
pub mod departments;
pub mod health;
pub mod ledger;
pub mod lookup_values;
pub mod metal_accounting;
pub mod metal_price;
pub mod metals;
pub mod orders;
pub mod reconciliation;
pub mod reports;
pub mod roles;
pub mod scale;
pub mod seed;
pub mod shipments;
pub mod signup;
pub mod supplies;
pub mod tenants;
pub mod users;

/// How the answer types are read from result rows (by column name). Reading rows runs no SQL, so
/// tests may use it on rows of their own (`repo`, which holds the SQL, stays private).
pub use crate::repo::row::FromRow;
