//! The permission matrix, generated from `ROUTES`: a new route is covered without a new test.
//!
//! For every endpoint that needs a token, and every permission it declares, a caller whose role has
//! every other permission of the catalogue gets 403 naming the missing one, even with no body at all
//! (so a refusal never reveals the body's shape). The positive control is the same request by a
//! caller holding the whole catalogue, which gets past authorization. A probe handler swapped into
//! each declaration shows that `dispatch` never runs a handler for a caller who lacks a permission.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use functions::routes::ROUTES;
use serde_json::Value;
use shared::Ctx;
use shared::db::Tx;
use shared::domain::permissions::CATALOGUE;
use shared::http::{Access, Call, Endpoint, Handler, HandlerFuture, dispatch, respond};
use testkit::event::{EventInput, rest_v1_event, to_request};

use crate::helpers::{Body, Role, Session, TestApp};

/// A request to `ep` with every path parameter `1` and no body.
fn bare_path(ep: &Endpoint) -> String {
    ep.path
        .split('/')
        .map(|s| if s.starts_with('{') { "1" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

/// A user of `admin`'s tenant for each permission, whose role holds the whole catalogue but it.
async fn users_lacking_one(app: &TestApp, admin: &Session) -> HashMap<&'static str, Session> {
    let mut out = HashMap::new();
    for (i, missing) in CATALOGUE.iter().enumerate() {
        let others: Vec<&str> = CATALOGUE.iter().copied().filter(|p| p != missing).collect();
        let user = app
            .user_with_role(admin, &format!("lacks{i}"), Role::Permissions(&others))
            .await;
        out.insert(*missing, user);
    }
    out
}

fn token_routes() -> impl Iterator<Item = (&'static Endpoint, &'static [&'static str])> {
    ROUTES.iter().filter_map(|ep| match ep.access() {
        Access::User { permissions } => Some((*ep, permissions)),
        Access::Public | Access::OptionalUser { .. } => None,
    })
}

#[tokio::test]
async fn every_declared_permission_is_refused_with_403_before_the_body_is_read() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Matrix", "matrixadmin").await;
    let lacking = users_lacking_one(&app, &admin).await;
    let everything = app
        .user_with_role(&admin, "holdsall", Role::Permissions(CATALOGUE))
        .await;
    let mut checked = 0;
    for (ep, permissions) in token_routes() {
        let path = bare_path(ep);
        for permission in permissions {
            let user = &lacking[permission];
            let r = app
                .call(ep.method, &path, Body::None, Some(&user.token))
                .await;
            let what = format!("{} {path} ({}) without `{permission}`", ep.method, ep.id);
            assert_eq!(r.status, 403, "{what}: {r:?}");
            assert_eq!(
                r.detail(),
                format!("Permission '{permission}' required"),
                "{what}"
            );
            checked += 1;
        }
        // Positive control: with every permission the same request gets past authorization.
        let r = app
            .call(ep.method, &path, Body::None, Some(&everything.token))
            .await;
        assert!(
            r.status != 403 && r.status != 401,
            "{} ({}) with every permission: {r:?}",
            ep.id,
            path
        );
    }
    assert!(
        checked >= 60,
        "only {checked} permission checks: is ROUTES empty?"
    );
}

#[tokio::test]
async fn every_token_route_answers_401_without_a_token() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Tokenless", "tokenless").await;
    for (ep, _) in token_routes() {
        let path = bare_path(ep);
        let r = app.call(ep.method, &path, Body::None, None).await;
        assert_eq!(r.status, 401, "{} ({path}) without a token: {r:?}", ep.id);
        assert_eq!(r.detail(), "Could not validate credentials", "{}", ep.id);
        // Positive control: the tenant's admin is let through (admin holds every permission).
        let r = app
            .call(ep.method, &path, Body::None, Some(&admin.token))
            .await;
        assert!(r.status != 401 && r.status != 403, "{}: {r:?}", ep.id);
    }
}

static PROBE_RUNS: AtomicUsize = AtomicUsize::new(0);

fn probe<'a>(_: &'a Ctx, _: &'a Call, _: &'a Tx<'_>) -> HandlerFuture<'a> {
    PROBE_RUNS.fetch_add(1, Ordering::SeqCst);
    Box::pin(async { respond::ok(&"probe ran") })
}

/// `ep` with its declared access and a probe in place of its handler.
fn probed(ep: &Endpoint, permissions: &'static [&'static str]) -> &'static Endpoint {
    Box::leak(Box::new(Endpoint {
        handler: Handler::Tenant {
            permissions,
            run: probe,
        },
        ..*ep
    }))
}

async fn call_probe(app: &TestApp, ep: &'static Endpoint, token: &str) -> (u16, Value) {
    let path = bare_path(ep);
    let params: Vec<(String, String)> =
        shared::http::route::match_path(ep.path, &path).unwrap_or_default();
    let headers = vec![("authorization".to_string(), format!("Bearer {token}"))];
    let event = rest_v1_event(&EventInput {
        method: ep.method,
        resource: ep.path,
        path: &path,
        stage: "prod",
        path_params: &params,
        query: &[],
        headers: &headers,
        body: None,
        source_ip: "127.0.0.1",
        request_id: "probe",
    });
    let resp = dispatch(&app.ctx, ep, to_request(&event).unwrap()).await;
    let status = resp.status().as_u16();
    let body = match resp.into_body() {
        lambda_http::Body::Text(t) => serde_json::from_str(&t).unwrap_or(Value::String(t)),
        lambda_http::Body::Binary(b) => serde_json::from_slice(&b).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    (status, body)
}

#[tokio::test]
async fn no_handler_runs_for_a_caller_without_its_permission() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Probe", "probeadmin").await;
    let lacking = users_lacking_one(&app, &admin).await;
    for (ep, permissions) in token_routes() {
        let ep = probed(ep, permissions);
        for permission in permissions {
            let before = PROBE_RUNS.load(Ordering::SeqCst);
            let (status, body) = call_probe(&app, ep, &lacking[permission].token).await;
            assert_eq!(status, 403, "{} without `{permission}`: {body}", ep.id);
            assert_eq!(
                PROBE_RUNS.load(Ordering::SeqCst),
                before,
                "{}: the handler ran for a caller without `{permission}`",
                ep.id
            );
        }
        // Positive control: the admin's call reaches the probe.
        let before = PROBE_RUNS.load(Ordering::SeqCst);
        let (status, body) = call_probe(&app, ep, &admin.token).await;
        assert_eq!(
            (status, body),
            (200, Value::String("probe ran".into())),
            "{}",
            ep.id
        );
        assert_eq!(PROBE_RUNS.load(Ordering::SeqCst), before + 1, "{}", ep.id);
    }
}
