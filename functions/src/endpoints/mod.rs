//! One module per resource.

pub mod addresses;
pub mod auth;
pub mod companies;
pub mod contacts;
pub mod departments;
pub mod docs;
pub mod health;
pub mod input;
pub mod lookup_values;
pub mod metals;
pub mod roles;
pub mod shared_answers;
pub mod supplies;
pub mod tenants;
pub mod users;
