//! Every endpoint, one module each (`<resource>/<action>.rs`: its `shared::endpoint!` declaration, a
//! `docs` function for the OpenAPI document and a thin handler), declared by the route table below.
//! `ROUTES` is the single source of truth for `template.yaml`, the function binaries, the local server
//! and the OpenAPI document (`cargo xtask gen` writes what is derived; `gen --check` fails on any
//! stale file). Lambda binaries never look themselves up here: that would link every handler into
//! every binary.
//!
//! Adding an endpoint: write `<resource>/<action>.rs`, add `<action>` to its resource below, run
//! `cargo xtask gen`.

pub mod input;
pub mod shared_answers;

/// Declares each resource's endpoint modules (and its `helpers`, modules that are not endpoints) and
/// builds, in this order, `ROUTES` and, for the OpenAPI document, each route's `docs` function.
macro_rules! routes {
    ($(
        $(#[$doc:meta])*
        $resource:ident { $($endpoint:ident),+ $(; helpers: $($helper:ident),+)? $(,)? }
    ),* $(,)?) => {
        $(
            $(#[$doc])*
            pub mod $resource {
                $(pub mod $endpoint;)+
                $($(mod $helper;)+)?
            }
        )*

        pub static ROUTES: &[&shared::http::Endpoint] = &[$($(&$resource::$endpoint::ENDPOINT,)+)*];

        /// Each route's OpenAPI declarations (`docs` in its module), in `ROUTES` order.
        #[cfg(feature = "openapi")]
        pub static DOCS: &[(&str, crate::openapi::Docs)] =
            &[$($(($resource::$endpoint::ENDPOINT.id, $resource::$endpoint::docs),)+)*];
    };
}

// rustfmt does not format inside the macro: one resource a line, endpoints in table order.
#[rustfmt::skip]
routes! {
    /// Liveness and readiness: `/`, `/health` (no database) and `/health/db`.
    health { root, get, db },
    /// `/api/v1/auth/*`: sign-up, login, tokens and the caller's own account.
    auth { register, login, refresh, logout, me, login_history, change_password },
    /// `/api/v1/users/*`: user management inside the caller's tenant (permission `users:manage`).
    users { list, create, get, update, delete },
    /// `/api/v1/tenants/*`: the caller's own tenant. Listing and reading need only a valid token and show
    /// nothing but the caller's tenant; updating needs `tenant:manage`.
    // Tenants: only the caller's own. Creating tenants is sign-up's job (`auth_register`, which
    // provisions them); creating or deleting arbitrary tenants is deliberately not served.
    tenants { list, get, update },
    /// `/api/v1/roles/*`: the tenant's roles and the global permission catalogue. Reading needs only a
    /// valid token; creating, changing and deleting roles needs `roles:manage`.
    roles { permissions, list, create, get, update, delete; helpers: common },
    /// `/api/v1/companies-v2/*` (and the legacy aliases under `/api/v1/companies/`): customer companies,
    /// their contacts, orders, balance and statistics.
    companies { list, create, get, update, delete, contacts, orders, balance, statistics, legacy_list, legacy_create, legacy_get, legacy_update, legacy_delete },
    /// `/api/v1/contacts/*`: people at customer companies, and their orders.
    contacts { list, create, get, update, delete, orders },
    /// Company addresses: `/api/v1/companies/{company_id}/addresses*` and `/api/v1/addresses/*`.
    /// Permissions are the companies' ones: an address is part of the company record.
    addresses { list, create, default, shipment_default, get, update, delete, set_default },
    /// `/api/v1/lookup-values/*`: tenant-configurable enumerations (step types, supply types, …).
    lookup_values { list, create, update, delete, seed },
    /// `/api/v1/metals/*`: the tenant's metal catalogue and market prices.
    metals { list, create, get, update, delete, seed, price },
    /// `/api/v1/departments/*`: production departments and their metal balances.
    departments { list, create, get, update, delete, balances, balances_summary },
    /// `/api/v1/supplies/*`: the generic inventory (gemstones, tools, packaging …).
    supplies { list, create, get, update, delete },
    /// `/api/v1/orders/*`: customer orders with their line items, and each order's production timeline.
    orders { list, create, get, update, delete, timeline; helpers: body },
    /// `/api/v1/shipments/*`: shipments of orders.
    shipments { list, create, get, update, delete },
    /// `/api/v1/department-ledger/*`: pieces and grams moving IN and OUT of the production departments,
    /// which drive the department balances and the casting consumption of customers' metal.
    ledger { list, create, update, delete, summary, archive, unarchive },
    /// Metal accounting: the safe (`/api/v1/safe/*`), company metal deposits and balances
    /// (`/api/v1/companies/{company_id}/metal-*`) and the transaction trail (`/api/v1/metal-transactions`).
    metal_accounting { purchase, supplies, deposit, balances, transactions },
    /// `/api/v1/reports/*`: what the ledger says about metal (permission `reports:read`).
    reports { metal_loss, metal_reconciliation; helpers: format },
    /// `/api/v1/audit/`: the tenant's audit trail (permission `audit:read`, the admin's).
    audit { list },
    /// API documentation: the OpenAPI document (`/openapi.json`), Swagger UI (`/docs`), ReDoc (`/redoc`)
    /// and their JavaScript and CSS (`/docs/assets/{file}`), all embedded in the binaries: nothing is
    /// loaded from a CDN, so the pages work offline and behind any API Gateway stage prefix.
    ///
    /// The document is generated from the route table (`functions::openapi`, feature `openapi`) into the
    /// committed `openapi.json`; these functions only serve it and never link the other handlers.
    docs { openapi, swagger, redoc, assets; helpers: page }
}
