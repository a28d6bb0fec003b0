//! One module per resource.

pub mod auth;
pub mod departments;
pub mod health;
pub mod lookup_values;
pub mod metals;
pub mod supplies;
