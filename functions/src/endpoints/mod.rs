//! One module per resource.

pub mod auth;
pub mod health;
pub mod roles;
pub mod tenants;
pub mod users;
