//! Use cases: domain rules plus repository calls, one module per area. Handlers call these with a
//! transaction they opened; the use case never commits, so one request is one transaction.

pub mod auth;
pub mod health;
pub mod seed;
pub mod signup;
