//! `/api/v1/users/*`: user management inside the caller's tenant (permission `users:manage`).

pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod update;
