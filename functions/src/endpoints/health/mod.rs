//! Liveness and readiness: `/`, `/health` (no database) and `/health/db`.

pub mod db;
pub mod get;
pub mod root;
