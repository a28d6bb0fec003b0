//! Round-trip budgets, generated from the route table: every route that reaches the database is
//! driven with a representative valid request by a tenant's admin, and the database flights it
//! cost (`shared::db::wire`: bursts of statements written before waiting for an answer, counted on
//! the socket from the connection's checkout on) must be its budget. A read is one flight: BEGIN,
//! the authorization and its queries go out together, and its COMMIT is not waited for. A write is
//! at most two: everything it does, then its COMMIT, whose outcome the client must learn. Routes
//! that need more are named in `BUDGETS` with the reason; a new statement on a write path states
//! its budget here. The audit trail costs none (its rows are written by triggers, its request
//! context rides with BEGIN); an idempotency key costs one (`IDEMPOTENCY_KEY_FLIGHTS`).
//!
//! A flight count is a structural fact of the code (what it sends before it waits), not a timing:
//! the tests run the connection's driver on the request's own thread, where nothing is written
//! until the request waits.

use std::collections::HashMap;

use functions::routes::ROUTES;
use serde_json::{Value, json};
use shared::Ctx;
use shared::db::Db;
use shared::http::{Endpoint, Handler};

use shared::domain::permissions::{COMPANIES_READ, COMPANIES_WRITE};

use crate::helpers::{Body, Resp, Role, Session, TestApp, pg, test_config, whole_database};
use crate::isolation_matrix::{fixture, path_with, required_query, sample};

/// Routes allowed more than the default (reads 1, writes 2), and why: each needs an answer before
/// it can say what to write. Exact, like the defaults: a route that gets cheaper lowers its entry.
const BUDGETS: &[(&str, u64, &str)] = &[
    (
        "shipments_create",
        3,
        "with a weight, its fine weight follows from the metal's purity, read first",
    ),
    (
        "shipments_update",
        4,
        "a weight or metal change reads the stored shipment, then its metal's purity",
    ),
    (
        "ledger_create",
        3,
        "the fine weight and the casting consumption follow from the metal's purity and the department, read first",
    ),
    (
        "ledger_update",
        8,
        "the stored entry is locked and read first; balances move by its old and new deltas; the casting reversal reads what stands before booking its opposite",
    ),
    (
        "ledger_delete",
        6,
        "the stored entry is locked and read first, then the casting reversal reads what stands before booking its opposite",
    ),
    (
        "safe_purchase",
        3,
        "the metal's new average cost follows from the locked metal and the safe's new total",
    ),
    (
        "addresses_create",
        5,
        "whether the new address is the default is decided under the company's lock, from a census taken under it",
    ),
    (
        "addresses_update",
        4,
        "the address is read, then again under the company's lock before the default may change",
    ),
    (
        "addresses_delete",
        6,
        "the address is read, then again under the company's lock, and a default needs the census",
    ),
    (
        "users_create",
        3,
        "the role is checked before the password is hashed (bcrypt, the slow part), and nothing goes out while it runs",
    ),
    (
        "users_update",
        6,
        "the admin role is locked and the last-admin rule counted before the change may go ahead; a password reset re-reads the username for the login throttle",
    ),
    (
        "users_delete",
        7,
        "the admin role is locked and the last-admin rule counted before the delete; the user's sessions are revoked",
    ),
    (
        "auth_change_password",
        3,
        "the stored hash is read and verified (bcrypt) before anything changes; nothing goes out while bcrypt runs",
    ),
];

fn budget(ep: &Endpoint) -> (u64, &'static str) {
    match BUDGETS.iter().find(|(id, _, _)| *id == ep.id) {
        Some((_, n, why)) => (*n, why),
        None if ep.method == "GET" => (1, "a read"),
        None => (2, "a write"),
    }
}

fn openapi() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.json")).unwrap(),
    )
    .unwrap()
}

/// The route's representative request: `ids` in its path, a body and the required query parameters
/// from its schema in the OpenAPI document (as the isolation matrix builds them), names made unique
/// to the route so that two creating routes do not collide.
fn request(
    doc: &Value,
    ep: &Endpoint,
    ids: &HashMap<&str, i64>,
    unique: &str,
) -> (String, Option<Value>) {
    let op = &doc["paths"][ep.path][ep.method.to_lowercase()];
    let unique = unique.to_uppercase();
    let body = op["requestBody"]["content"]["application/json"]["schema"]
        .as_object()
        .map(|s| rename(sample(doc, &Value::Object(s.clone()), "", ids), &unique));
    // A code, not an id: the fixture's metal.
    let template = ep.path.replace("{metal_code}", "GOLD_18K");
    let path = format!(
        "{}{}",
        path_with(&template, ids, 0).unwrap(),
        required_query(doc, op, ids)
    );
    (path, body)
}

/// `value` with the sample's placeholder strings replaced by `unique` (a supply's `type` by one of
/// the types).
fn rename(value: Value, unique: &str) -> Value {
    match value {
        Value::String(s) if s == "ISO_PROBE" => Value::String(unique.to_string()),
        Value::String(s) if s == "isoprobe" => Value::String(unique.to_lowercase()),
        Value::Array(items) => Value::Array(items.into_iter().map(|v| rename(v, unique)).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| match k.as_str() {
                    "type" if v == "ISO_PROBE" => (k, Value::String("OTHER".into())),
                    _ => (k, rename(v, unique)),
                })
                .collect(),
        ),
        other => other,
    }
}

/// The collection a `DELETE` route's resource is created in (`POST` on the path above it), if any.
fn creator(ep: &Endpoint) -> Option<&'static Endpoint> {
    let parent = &ep.path[..ep.path.rfind("/{")?];
    ROUTES.iter().copied().find(|c| {
        c.method == "POST" && c.path.trim_end_matches('/') == parent && c.id.ends_with("create")
    })
}

/// The extra flight an `Idempotency-Key` costs a write that accepts one (`shared::http::endpoint`'s
/// `idempotent`): the key is claimed with the authorization, and the handler waits for the claim's
/// answer instead of riding with it; the stored answer goes out with the COMMIT. Exact, as the rest.
const IDEMPOTENCY_KEY_FLIGHTS: u64 = 1;

async fn drive(
    app: &TestApp,
    doc: &Value,
    ep: &Endpoint,
    s: &Session,
    ids: &HashMap<&str, i64>,
    unique: &str,
    headers: &[(&str, &str)],
) -> Resp {
    let (path, body) = request(doc, ep, ids, unique);
    let body = match body {
        Some(b) => Body::Json(b),
        None => Body::None,
    };
    app.call_with_headers(ep.method, &path, body, Some(&s.token), headers)
        .await
}

#[tokio::test]
async fn every_authenticated_route_keeps_its_round_trip_budget() {
    budgets_hold(false).await;
}

/// The same requests, each with an `Idempotency-Key` of its own where the route accepts one: one
/// flight more (`IDEMPOTENCY_KEY_FLIGHTS`); the others ignore it and keep their budget. And a
/// replay of a stored answer is the one flight of the claim.
#[tokio::test]
async fn an_idempotency_key_costs_a_write_one_flight_more_and_a_replay_one() {
    budgets_hold(true).await;
}

async fn budgets_hold(keyed: bool) {
    let app = TestApp::spawn_with(&[], true).await;
    let admin = app.signup("Trips", "trips").await;
    let doc = openapi();
    let ids = fixture(&app, &admin, "Trips").await;

    let mut report = Vec::new();
    let mut failures = Vec::new();
    let tenant_routes = || {
        ROUTES
            .iter()
            .filter(|ep| matches!(ep.handler, Handler::Tenant { .. }))
    };
    // Deletions after the rest, each on a fixture of its own, so that the other routes find what
    // they need; last the routes that end the caller's sessions, each on a session of its own.
    const ENDING_SESSIONS: &[&str] = &["auth_logout", "auth_change_password"];
    let ending = |ep: &&&Endpoint| ENDING_SESSIONS.contains(&ep.id);
    let mut order: Vec<&&Endpoint> = tenant_routes()
        .filter(|ep| ep.method != "DELETE" && !ending(ep))
        .collect();
    // The fixture reuses the catalogue's metal: deleting it goes last.
    let (metal, deletes): (Vec<&&Endpoint>, Vec<&&Endpoint>) = tenant_routes()
        .filter(|ep| ep.method == "DELETE")
        .partition(|ep| ep.id == "metals_delete");
    order.extend(deletes.into_iter().chain(metal));
    order.extend(tenant_routes().filter(ending));
    let mut checked = 0;
    let mut replayed = 0;
    for (i, ep) in order.into_iter().enumerate() {
        let mut ids = ids.clone();
        if ep.method == "DELETE" {
            // A resource nothing depends on: a new one of the collection, or a whole fixture.
            match creator(ep) {
                Some(create) => {
                    let made = drive(
                        &app,
                        &doc,
                        create,
                        &admin,
                        &ids,
                        &format!("{}{i}", create.id),
                        &[],
                    )
                    .await;
                    assert!(made.status < 300, "{}: {made:?}", create.id);
                    let param = &ep.path[ep.path.rfind('{').unwrap() + 1..ep.path.len() - 1];
                    let param = ids.keys().copied().find(|k| *k == param).unwrap();
                    ids.insert(param, made.body["id"].as_i64().unwrap());
                }
                None => ids = fixture(&app, &admin, &format!("Del{i}")).await,
            }
        }
        let session = if ENDING_SESSIONS.contains(&ep.id) {
            app.login("trips", "password123").await
        } else {
            admin.clone()
        };
        let key = format!("trip-{}", ep.id);
        let with_key = keyed && ep.accepts_idempotency_key();
        let headers: &[(&str, &str)] = if keyed {
            &[("idempotency-key", key.as_str())]
        } else {
            &[]
        };
        let r = drive(&app, &doc, ep, &session, &ids, ep.id, headers).await;
        let (mut allowed, why) = budget(ep);
        if with_key {
            allowed += IDEMPOTENCY_KEY_FLIGHTS;
        }
        report.push(format!("{:<40} {} {:?}", ep.id, r.status, r.flights));
        if r.status >= 300 {
            failures.push(format!(
                "{} {}: not a valid request: {r:?}",
                ep.method, ep.path
            ));
        } else if r.flights != Some(allowed) {
            failures.push(format!(
                "{} ({} {}): {:?} flights, budget {allowed} ({why}{})",
                ep.id,
                ep.method,
                ep.path,
                r.flights,
                if with_key { ", with a key" } else { "" }
            ));
        } else if with_key {
            let again = drive(&app, &doc, ep, &session, &ids, ep.id, headers).await;
            if again.status != r.status
                || again.body != r.body
                || again.flights != Some(1)
                || again.headers.get("idempotent-replayed").is_none()
            {
                failures.push(format!(
                    "{}: the replay answered {again:?} in {:?} flights, not the stored {r:?} in 1",
                    ep.id, again.flights
                ));
            }
            replayed += 1;
        }
        checked += 1;
    }
    eprintln!("{}", report.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 80, "only {checked} authenticated routes?");
    assert!(
        !keyed || replayed >= 40,
        "only {replayed} routes took an idempotency key?"
    );
}

/// Another process on `app`'s database: a `Ctx` of its own, with its own connection and its own
/// memory of the callers it served (none).
fn another_process(app: &TestApp) -> TestApp {
    let config = test_config(&[]);
    let url = pg().server.url("app_rw", &app.db_name);
    let db = Db::single(&url, &config.database_timeouts);
    TestApp {
        ctx: Ctx::new(config, db),
        db_name: app.db_name.clone(),
    }
}

/// The counter's controls: the same read costs one flight more where the process has not served
/// its caller yet (the authorization is waited for before the handler runs), and is one flight
/// again after; a pooled connection counts like the single one, and a route without a database
/// reports no count at all.
#[tokio::test]
async fn the_counter_counts_the_flight_a_first_seen_caller_waits_for() {
    let app = TestApp::spawn_with(&[], true).await;
    let admin = app.signup("Control", "control").await;
    let me = "/api/v1/auth/me";
    assert_eq!(app.get(me, &admin.token).await.expect(200).flights, Some(1));

    let other = another_process(&app);
    let first = other.get(me, &admin.token).await.expect(200);
    assert_eq!(
        first.flights,
        Some(2),
        "a caller this process has not served"
    );
    let again = other.get(me, &admin.token).await.expect(200);
    assert_eq!(again.flights, Some(1), "the same caller, served before");

    let pooled = TestApp::spawn().await;
    let s = pooled.signup("Pooled", "pooled").await;
    assert_eq!(pooled.get(me, &s.token).await.expect(200).flights, Some(1));
    let write = pooled
        .post(
            "/api/v1/companies-v2/",
            json!({"name": "Counted"}),
            &s.token,
        )
        .await
        .expect(200);
    assert_eq!(write.flights, Some(2), "the write, then its COMMIT");

    let health = app
        .call("GET", "/health", Body::None, None)
        .await
        .expect(200);
    assert_eq!(health.flights, None, "no database, nothing counted");
}

/// The routes without a token (and sign-up into the caller's tenant, whose token is optional): not
/// yet brought to the write budget, so each states its own.
#[tokio::test]
async fn the_sign_in_flows_keep_their_budgets() {
    let app = TestApp::spawn_with(&[], true).await;
    let admin = app.signup("Sign In", "signin").await;
    let login = app.try_login("signin", "password123").await.expect(200);
    let refresh = app
        .refresh(login.body["refresh_token"].as_str().unwrap())
        .await
        .expect(200);
    let register = |body: Value, token: Option<String>| {
        let app = &app;
        async move {
            let r = app.call(
                "POST",
                "/api/v1/auth/register",
                Body::Json(body),
                token.as_deref(),
            );
            r.await.expect(200)
        }
    };
    let new_tenant = register(
        json!({"username": "newcomer", "password": "password123", "full_name": "New",
               "tenant_name": "New Co"}),
        None,
    )
    .await;
    let invited = register(
        json!({"username": "invited", "password": "password123", "full_name": "Invited",
               "tenant_id": admin.tenant_id}),
        Some(admin.token.clone()),
    )
    .await;
    // Each reads what decides it before writing: the user by name (then the password is checked
    // against it, and nothing goes out while bcrypt runs), the token by its hash; a sign-up
    // provisions a whole tenant (roles, permissions, metals, lookup values), statement by
    // statement.
    let budgets = [
        ("login", login.flights, 3),
        ("refresh", refresh.flights, 4),
        ("register a tenant", new_tenant.flights, 13),
        ("register into the caller's tenant", invited.flights, 4),
    ];
    for (flow, flights, budget) in budgets {
        assert_eq!(flights, Some(budget), "{flow}");
    }
}

/// The pipelined path's refusal: a caller the process served with a permission that is gone since
/// has its handler's statements sent before the answer. The answer still decides: 403 naming the
/// permission, whatever the body, and nothing of what it sent is written. Positive control: while
/// the permission holds, the same bodies are a 422 and a 200.
#[tokio::test]
async fn a_revoked_permission_is_403_even_pipelined_and_writes_nothing() {
    let app = TestApp::spawn_with(&[], true).await;
    let admin = app.signup("Revoked", "revoked").await;
    let clerk = app
        .user_with_role(
            &admin,
            "clerk",
            Role::Permissions(&[COMPANIES_READ, COMPANIES_WRITE]),
        )
        .await;
    let path = "/api/v1/companies-v2/";
    let invalid = json!({"name": ""});
    app.post(path, invalid.clone(), &clerk.token)
        .await
        .expect(422);
    app.post(path, json!({"name": "Allowed"}), &clerk.token)
        .await
        .expect(200);

    let owner = crate::helpers::connect(&app.owner_url()).await;
    owner
        .execute(
            "delete from role_permissions
              where role_id = (select id from roles where name = 'role-of-clerk')
                and permission_id = (select id from permissions where name = $1)",
            &[&COMPANIES_WRITE],
        )
        .await
        .unwrap();
    let before = whole_database(&app, &["login_history"]).await;
    for body in [invalid, json!({"name": "Refused"})] {
        let r = app.post(path, body.clone(), &clerk.token).await.expect(403);
        assert_eq!(
            r.detail(),
            format!("Permission '{COMPANIES_WRITE}' required"),
            "{body}"
        );
    }
    assert_eq!(
        whole_database(&app, &["login_history"]).await,
        before,
        "a refused request wrote"
    );
}
