//! The route table: the single source of truth for `template.yaml`, the function binaries, the local
//! server and the OpenAPI document. A test fails when any of them disagrees with it.
//!
//! Lambda binaries never look themselves up here (that would link every handler into every binary).

use shared::http::Endpoint;

use crate::endpoints::{auth, docs, health};

pub static ROUTES: &[&Endpoint] = &[
    &health::root::ENDPOINT,
    &health::get::ENDPOINT,
    &health::db::ENDPOINT,
    &auth::register::ENDPOINT,
    &auth::login::ENDPOINT,
    &auth::refresh::ENDPOINT,
    &auth::logout::ENDPOINT,
    &auth::me::ENDPOINT,
    &auth::login_history::ENDPOINT,
    &auth::change_password::ENDPOINT,
    &docs::openapi::ENDPOINT,
    &docs::swagger::ENDPOINT,
    &docs::redoc::ENDPOINT,
    &docs::assets::ENDPOINT,
];

/// Each route's OpenAPI declarations (`docs` in its module): request, query and response types.
/// `infra/local/tests/openapi.rs` checks that every route of `ROUTES` has exactly one entry here.
#[cfg(feature = "openapi")]
pub static DOCS: &[(&str, fn(&mut crate::openapi::Operation))] = &[
    (health::root::ENDPOINT.id, health::root::docs),
    (health::get::ENDPOINT.id, health::get::docs),
    (health::db::ENDPOINT.id, health::db::docs),
    (auth::register::ENDPOINT.id, auth::register::docs),
    (auth::login::ENDPOINT.id, auth::login::docs),
    (auth::refresh::ENDPOINT.id, auth::refresh::docs),
    (auth::logout::ENDPOINT.id, auth::logout::docs),
    (auth::me::ENDPOINT.id, auth::me::docs),
    (auth::login_history::ENDPOINT.id, auth::login_history::docs),
    (
        auth::change_password::ENDPOINT.id,
        auth::change_password::docs,
    ),
    (docs::openapi::ENDPOINT.id, docs::openapi::docs),
    (docs::swagger::ENDPOINT.id, docs::swagger::docs),
    (docs::redoc::ENDPOINT.id, docs::redoc::docs),
    (docs::assets::ENDPOINT.id, docs::assets::docs),
];

/// The endpoint serving `method` + `path` (path below the stage; trailing slash optional), with its
/// path parameters. Literal segments win over parameters (`/metals/seed` before `/metals/{id}`).
pub fn find(method: &str, path: &str) -> Option<(&'static Endpoint, Vec<(String, String)>)> {
    ROUTES
        .iter()
        .filter(|ep| ep.method.eq_ignore_ascii_case(method))
        .filter_map(|ep| shared::http::route::match_path(ep.path, path).map(|p| (*ep, p)))
        .max_by_key(|(ep, _)| shared::http::route::specificity(ep.path))
}

/// Whether any route has this path (for 405 vs 404 and CORS preflight).
pub fn path_exists(path: &str) -> bool {
    ROUTES
        .iter()
        .any(|ep| shared::http::route::match_path(ep.path, path).is_some())
}
