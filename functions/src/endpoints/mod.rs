//! One module per resource.

pub mod auth;
pub mod docs;
pub mod health;
