//! The route table: the single source of truth for `template.yaml`, the function binaries, the local
//! server and the OpenAPI document. A test fails when any of them disagrees with it.
//!
//! Lambda binaries never look themselves up here (that would link every handler into every binary).

use shared::http::Endpoint;

use crate::endpoints::{
    addresses, auth, companies, contacts, departments, docs, health, lookup_values, metals, roles,
    supplies, tenants, users,
};

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
    &users::list::ENDPOINT,
    &users::create::ENDPOINT,
    &users::get::ENDPOINT,
    &users::update::ENDPOINT,
    &users::delete::ENDPOINT,
    // Tenants: only the caller's own. Creating tenants is sign-up's job (`auth_register`, which
    // provisions them); creating or deleting arbitrary tenants is deliberately not served.
    &tenants::list::ENDPOINT,
    &tenants::get::ENDPOINT,
    &tenants::update::ENDPOINT,
    &roles::permissions::ENDPOINT,
    &roles::list::ENDPOINT,
    &roles::create::ENDPOINT,
    &roles::get::ENDPOINT,
    &roles::update::ENDPOINT,
    &roles::delete::ENDPOINT,
    &companies::list::ENDPOINT,
    &companies::create::ENDPOINT,
    &companies::get::ENDPOINT,
    &companies::update::ENDPOINT,
    &companies::delete::ENDPOINT,
    &companies::contacts::ENDPOINT,
    &companies::orders::ENDPOINT,
    &companies::balance::ENDPOINT,
    &companies::statistics::ENDPOINT,
    &companies::legacy_list::ENDPOINT,
    &companies::legacy_create::ENDPOINT,
    &companies::legacy_get::ENDPOINT,
    &companies::legacy_update::ENDPOINT,
    &companies::legacy_delete::ENDPOINT,
    &contacts::list::ENDPOINT,
    &contacts::create::ENDPOINT,
    &contacts::get::ENDPOINT,
    &contacts::update::ENDPOINT,
    &contacts::delete::ENDPOINT,
    &contacts::orders::ENDPOINT,
    &addresses::list::ENDPOINT,
    &addresses::create::ENDPOINT,
    &addresses::default::ENDPOINT,
    &addresses::shipment_default::ENDPOINT,
    &addresses::get::ENDPOINT,
    &addresses::update::ENDPOINT,
    &addresses::delete::ENDPOINT,
    &addresses::set_default::ENDPOINT,
    &lookup_values::list::ENDPOINT,
    &lookup_values::create::ENDPOINT,
    &lookup_values::update::ENDPOINT,
    &lookup_values::delete::ENDPOINT,
    &lookup_values::seed::ENDPOINT,
    &metals::list::ENDPOINT,
    &metals::create::ENDPOINT,
    &metals::get::ENDPOINT,
    &metals::update::ENDPOINT,
    &metals::delete::ENDPOINT,
    &metals::seed::ENDPOINT,
    &metals::price::ENDPOINT,
    &departments::list::ENDPOINT,
    &departments::create::ENDPOINT,
    &departments::get::ENDPOINT,
    &departments::update::ENDPOINT,
    &departments::delete::ENDPOINT,
    &departments::balances::ENDPOINT,
    &departments::balances_summary::ENDPOINT,
    &supplies::list::ENDPOINT,
    &supplies::create::ENDPOINT,
    &supplies::get::ENDPOINT,
    &supplies::update::ENDPOINT,
    &supplies::delete::ENDPOINT,
    &docs::openapi::ENDPOINT,
    &docs::swagger::ENDPOINT,
    &docs::redoc::ENDPOINT,
    &docs::assets::ENDPOINT,
];

/// Each route's OpenAPI declarations (`docs` in its module): request, query and response types.
/// `infra/local/tests/openapi.rs` checks that every route of `ROUTES` has exactly one entry here.
#[cfg(feature = "openapi")]
pub static DOCS: &[(&str, crate::openapi::Docs)] = &[
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
    (users::list::ENDPOINT.id, users::list::docs),
    (users::create::ENDPOINT.id, users::create::docs),
    (users::get::ENDPOINT.id, users::get::docs),
    (users::update::ENDPOINT.id, users::update::docs),
    (users::delete::ENDPOINT.id, users::delete::docs),
    (tenants::list::ENDPOINT.id, tenants::list::docs),
    (tenants::get::ENDPOINT.id, tenants::get::docs),
    (tenants::update::ENDPOINT.id, tenants::update::docs),
    (roles::permissions::ENDPOINT.id, roles::permissions::docs),
    (roles::list::ENDPOINT.id, roles::list::docs),
    (roles::create::ENDPOINT.id, roles::create::docs),
    (roles::get::ENDPOINT.id, roles::get::docs),
    (roles::update::ENDPOINT.id, roles::update::docs),
    (roles::delete::ENDPOINT.id, roles::delete::docs),
    (companies::list::ENDPOINT.id, companies::list::docs),
    (companies::create::ENDPOINT.id, companies::create::docs),
    (companies::get::ENDPOINT.id, companies::get::docs),
    (companies::update::ENDPOINT.id, companies::update::docs),
    (companies::delete::ENDPOINT.id, companies::delete::docs),
    (companies::contacts::ENDPOINT.id, companies::contacts::docs),
    (companies::orders::ENDPOINT.id, companies::orders::docs),
    (companies::balance::ENDPOINT.id, companies::balance::docs),
    (
        companies::statistics::ENDPOINT.id,
        companies::statistics::docs,
    ),
    (
        companies::legacy_list::ENDPOINT.id,
        companies::legacy_list::docs,
    ),
    (
        companies::legacy_create::ENDPOINT.id,
        companies::legacy_create::docs,
    ),
    (
        companies::legacy_get::ENDPOINT.id,
        companies::legacy_get::docs,
    ),
    (
        companies::legacy_update::ENDPOINT.id,
        companies::legacy_update::docs,
    ),
    (
        companies::legacy_delete::ENDPOINT.id,
        companies::legacy_delete::docs,
    ),
    (contacts::list::ENDPOINT.id, contacts::list::docs),
    (contacts::create::ENDPOINT.id, contacts::create::docs),
    (contacts::get::ENDPOINT.id, contacts::get::docs),
    (contacts::update::ENDPOINT.id, contacts::update::docs),
    (contacts::delete::ENDPOINT.id, contacts::delete::docs),
    (contacts::orders::ENDPOINT.id, contacts::orders::docs),
    (addresses::list::ENDPOINT.id, addresses::list::docs),
    (addresses::create::ENDPOINT.id, addresses::create::docs),
    (addresses::default::ENDPOINT.id, addresses::default::docs),
    (
        addresses::shipment_default::ENDPOINT.id,
        addresses::shipment_default::docs,
    ),
    (addresses::get::ENDPOINT.id, addresses::get::docs),
    (addresses::update::ENDPOINT.id, addresses::update::docs),
    (addresses::delete::ENDPOINT.id, addresses::delete::docs),
    (
        addresses::set_default::ENDPOINT.id,
        addresses::set_default::docs,
    ),
    (lookup_values::list::ENDPOINT.id, lookup_values::list::docs),
    (
        lookup_values::create::ENDPOINT.id,
        lookup_values::create::docs,
    ),
    (
        lookup_values::update::ENDPOINT.id,
        lookup_values::update::docs,
    ),
    (
        lookup_values::delete::ENDPOINT.id,
        lookup_values::delete::docs,
    ),
    (lookup_values::seed::ENDPOINT.id, lookup_values::seed::docs),
    (metals::list::ENDPOINT.id, metals::list::docs),
    (metals::create::ENDPOINT.id, metals::create::docs),
    (metals::get::ENDPOINT.id, metals::get::docs),
    (metals::update::ENDPOINT.id, metals::update::docs),
    (metals::delete::ENDPOINT.id, metals::delete::docs),
    (metals::seed::ENDPOINT.id, metals::seed::docs),
    (metals::price::ENDPOINT.id, metals::price::docs),
    (departments::list::ENDPOINT.id, departments::list::docs),
    (departments::create::ENDPOINT.id, departments::create::docs),
    (departments::get::ENDPOINT.id, departments::get::docs),
    (departments::update::ENDPOINT.id, departments::update::docs),
    (departments::delete::ENDPOINT.id, departments::delete::docs),
    (
        departments::balances::ENDPOINT.id,
        departments::balances::docs,
    ),
    (
        departments::balances_summary::ENDPOINT.id,
        departments::balances_summary::docs,
    ),
    (supplies::list::ENDPOINT.id, supplies::list::docs),
    (supplies::create::ENDPOINT.id, supplies::create::docs),
    (supplies::get::ENDPOINT.id, supplies::get::docs),
    (supplies::update::ENDPOINT.id, supplies::update::docs),
    (supplies::delete::ENDPOINT.id, supplies::delete::docs),
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
