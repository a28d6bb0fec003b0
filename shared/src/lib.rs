//! The shared library of the JMSK backend: configuration, HTTP plumbing, auth, database access,
//! domain types, repositories (all SQL) and use cases. Each Lambda binary is a thin `serve` call on one
//! endpoint; the local server and the tests drive the same `dispatch`.
//!
//! Reading order: `http::endpoint` (`endpoint!`, `dispatch`) → `http::call` → `db` (`Tx::authorize`) →
//! `app` → `repo`.

pub mod app;
pub mod auth;
pub mod aws_sigv4;
pub mod config;
pub mod context;
pub mod db;
pub mod domain;
pub mod error;
pub mod http;
pub mod lambda;
pub mod metrics;
pub mod migrate;
pub(crate) mod repo;
pub mod secrets;
pub mod telemetry;

pub use context::Ctx;
pub use error::{ApiError, ApiResult};
