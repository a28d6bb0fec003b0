//! The HTTP endpoints: one module per endpoint under `endpoints/<resource>/<action>.rs`, each with its
//! `ENDPOINT` description and a thin handler (parse, call the use case, shape the response).
//! `routes::ROUTES` is the single route table; `src/bin/<id>.rs` is each endpoint's Lambda binary.

pub mod endpoints;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod routes;
