//! `/api/v1/supplies/*`: the generic inventory (gemstones, tools, packaging …).

pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod update;
