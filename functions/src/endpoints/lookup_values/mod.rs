//! `/api/v1/lookup-values/*`: tenant-configurable enumerations (step types, supply types, …).

pub mod create;
pub mod delete;
pub mod list;
pub mod seed;
pub mod update;
