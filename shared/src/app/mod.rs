//! Use cases: domain rules plus repository calls, one module per area. Handlers call these with a
//! transaction they opened; the use case never commits, so one request is one transaction.

pub mod addresses;
pub mod auth;
pub mod companies;
pub mod contacts;
pub mod health;
pub mod roles;
pub mod signup;
pub mod tenants;
pub mod users;
