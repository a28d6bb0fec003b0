//! The route table: the single source of truth for `template.yaml`, the function binaries, the local
//! server and the OpenAPI document. A test fails when any of them disagrees with it.
//!
//! Lambda binaries never look themselves up here (that would link every handler into every binary).
//!
//! Adding an endpoint: its module (`endpoints/<resource>/<action>.rs`, with `shared::endpoint!` and a
//! `docs` function), its `pub mod` line, one line below, then `cargo xtask gen`.

use shared::http::Endpoint;

use crate::endpoints::{
    addresses, auth, companies, contacts, departments, docs, health, lookup_values, metals, roles,
    supplies, tenants, users,
};

/// `ROUTES` and, for the OpenAPI document, each route's `docs` function, from one list of modules.
macro_rules! routes {
    ($($($segment:ident)::+),* $(,)?) => {
        pub static ROUTES: &[&Endpoint] = &[$(&$($segment)::+::ENDPOINT),*];

        /// Each route's OpenAPI declarations (`docs` in its module), in `ROUTES` order.
        #[cfg(feature = "openapi")]
        pub static DOCS: &[(&str, crate::openapi::Docs)] =
            &[$(($($segment)::+::ENDPOINT.id, $($segment)::+::docs)),*];
    };
}

routes! {
    health::root,
    health::get,
    health::db,
    auth::register,
    auth::login,
    auth::refresh,
    auth::logout,
    auth::me,
    auth::login_history,
    auth::change_password,
    users::list,
    users::create,
    users::get,
    users::update,
    users::delete,
    // Tenants: only the caller's own. Creating tenants is sign-up's job (`auth_register`, which
    // provisions them); creating or deleting arbitrary tenants is deliberately not served.
    tenants::list,
    tenants::get,
    tenants::update,
    roles::permissions,
    roles::list,
    roles::create,
    roles::get,
    roles::update,
    roles::delete,
    companies::list,
    companies::create,
    companies::get,
    companies::update,
    companies::delete,
    companies::contacts,
    companies::orders,
    companies::balance,
    companies::statistics,
    companies::legacy_list,
    companies::legacy_create,
    companies::legacy_get,
    companies::legacy_update,
    companies::legacy_delete,
    contacts::list,
    contacts::create,
    contacts::get,
    contacts::update,
    contacts::delete,
    contacts::orders,
    addresses::list,
    addresses::create,
    addresses::default,
    addresses::shipment_default,
    addresses::get,
    addresses::update,
    addresses::delete,
    addresses::set_default,
    lookup_values::list,
    lookup_values::create,
    lookup_values::update,
    lookup_values::delete,
    lookup_values::seed,
    metals::list,
    metals::create,
    metals::get,
    metals::update,
    metals::delete,
    metals::seed,
    metals::price,
    departments::list,
    departments::create,
    departments::get,
    departments::update,
    departments::delete,
    departments::balances,
    departments::balances_summary,
    supplies::list,
    supplies::create,
    supplies::get,
    supplies::update,
    supplies::delete,
    docs::openapi,
    docs::swagger,
    docs::redoc,
    docs::assets,
}

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
