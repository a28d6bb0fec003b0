//! API tests: every test drives real handlers through real API Gateway REST events against its own
//! fresh PostgreSQL database (cloned from a migrated template), connected as the runtime role.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;
mod tcp_proxy;

mod addresses;
mod attack_strings;
mod audit;
mod auth;
mod cold_start;
mod companies;
mod contacts;
mod crm_fixtures;
mod departments;
mod docs;
mod events;
mod idempotency;
mod isolation;
mod isolation_matrix;
mod lambda_mode;
mod ledger;
mod lookup_values;
mod loose_input;
mod metal_accounting;
mod metals;
mod metrics;
mod nul_bytes;
mod orders;
mod outages;
mod permissions;
mod platform;
mod reconciliation;
mod reports;
mod roles;
mod round_trips;
mod schema_fuzz;
mod shipments;
mod supplies;
mod tenants;
mod users;

mod secrets;
