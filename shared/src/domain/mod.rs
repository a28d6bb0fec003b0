//! Domain types and rules, free of I/O. Raw input is parsed into these types at the edge, so the use
//! cases and repositories only ever see valid values.

pub mod amount;
pub mod defaults;
pub mod idempotency;
pub mod ids;
pub mod ledger;
pub mod lookup;
pub mod loss;
pub mod metal;
pub mod metal_accounting;
pub mod order;
pub mod page;
pub mod permissions;
pub mod reconciliation;
pub mod tenant;
pub mod text;
pub mod user;

pub use ids::*;
pub use page::Page;
pub use text::{Email, NonBlank, optional_text};
pub use user::{Password, Username};
