//! Finding the endpoint of a request in the route table (`endpoints::ROUTES`, declared in
//! `endpoints/mod.rs`), for the local server and the tests.

use shared::http::Endpoint;

#[cfg(feature = "openapi")]
pub use crate::endpoints::DOCS;
pub use crate::endpoints::ROUTES;

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
