//! API tests: every test drives real handlers through real API Gateway REST events against its own
//! fresh PostgreSQL database (cloned from a migrated template), connected as the runtime role.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod auth;
mod isolation;
mod platform;
mod secrets;
