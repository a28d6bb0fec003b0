//! One module per resource.

pub mod addresses;
pub mod auth;
pub mod companies;
pub mod contacts;
pub mod health;
pub mod input;
pub mod roles;
pub mod tenants;
pub mod users;
