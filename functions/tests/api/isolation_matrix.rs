//! The cross-tenant matrix, generated from the route table: every `user[…]` route with an id in
//! its path is called with tenant A's token and tenant B's id. Each must answer exactly as it
//! answers for an id that does not exist (404 for a lookup), and nothing anywhere may change.
//! Bodies are built from the route's request schema in `openapi.json`, with A's own ids in every
//! id field, so the request gets past parsing to the lookup. A new route is covered without a new
//! test; a new kind of path id fails here until it has a fixture. The same holds for ids in request
//! bodies (`order_id`, `metal_id`, a line item's `metal_id`, …): each is a 422 naming the field,
//! exactly as for an id that does not exist, and the other tenant's rows stay as they were.

use std::collections::HashMap;

use functions::routes::ROUTES;
use serde_json::{Map, Value, json};
use shared::http::Handler;

use crate::crm_fixtures::{company, contact};
use crate::helpers::{Body, Resp, Session, TestApp, whole_database};
use crate::metal_accounting::metal;

/// One tenant's resources, by the path parameter that names each.
pub async fn fixture(app: &TestApp, s: &Session, tag: &str) -> HashMap<&'static str, i64> {
    let post = |path: &'static str, body: Value| {
        let token = s.token.clone();
        async move {
            let r = app.post(path, body.clone(), &token).await;
            assert!(r.status < 300, "fixture {path} {body}: {r:?}");
            r.body["id"].as_i64().unwrap()
        }
    };
    let company_id = company(app, s, &format!("{tag} Co")).await;
    let contact_id = contact(app, s, company_id, &format!("{tag} Person")).await;
    let address_id = app
        .post(
            &format!("/api/v1/companies/{company_id}/addresses"),
            json!({"street_address": "1 Main St", "city": "Springfield", "state": "IL",
                   "zip_code": "62701", "country": "USA", "is_default": true}),
            &s.token,
        )
        .await
        .expect(200)
        .body["id"]
        .as_i64()
        .unwrap();
    let metal_id = metal(app, s, "GOLD_18K").await;
    let order_id = post(
        "/api/v1/orders/",
        json!({"contact_id": contact_id,
               "line_items": [{"product_description": "Ring", "quantity": 1, "price": 10}]}),
    )
    .await;
    let shipment_id = post(
        "/api/v1/shipments/",
        json!({"order_id": order_id, "shipping_address": "1 Main St", "tracking_number": format!("{tag}-TRACK")}),
    )
    .await;
    let department_id = post(
        "/api/v1/departments/",
        json!({"name": format!("{tag} Casting")}),
    )
    .await;
    let entry_id = post(
        "/api/v1/department-ledger/",
        json!({"date": "2026-03-01", "department_id": department_id, "order_id": order_id,
               "metal_id": metal_id, "direction": "IN", "quantity": 1, "weight": 2}),
    )
    .await;
    let supply_id = post(
        "/api/v1/supplies/",
        json!({"name": format!("{tag} box"), "type": "PACKAGING", "quantity": 1, "unit": "pcs"}),
    )
    .await;
    let lookup_id = post(
        "/api/v1/lookup-values/",
        json!({"category": "step_type", "code": format!("{}_STEP", tag.to_uppercase()),
               "display_label": "Step", "sort_order": 1}),
    )
    .await;
    let role_id = post(
        "/api/v1/roles/",
        json!({"name": format!("{tag} role"), "permission_ids": []}),
    )
    .await;
    let user_id = app
        .post(
            "/api/v1/users/",
            json!({"username": format!("{}user", tag.to_lowercase()), "password": "password123",
                   "full_name": "Iso User", "role_id": role_id}),
            &s.token,
        )
        .await;
    assert!(user_id.status < 300, "fixture user: {user_id:?}");
    let user_id = user_id.body["id"].as_i64().unwrap();
    HashMap::from([
        ("company_id", company_id),
        ("contact_id", contact_id),
        ("address_id", address_id),
        ("order_id", order_id),
        ("shipment_id", shipment_id),
        ("department_id", department_id),
        ("entry_id", entry_id),
        ("supply_id", supply_id),
        ("lookup_id", lookup_id),
        ("role_id", role_id),
        ("user_id", user_id),
        ("metal_id", metal_id),
        ("tenant_id", s.tenant_id),
    ])
}

/// Optional fields an id field needs beside it (a shipment's `metal_id` needs its `weight`).
const COMPANIONS: &[(&str, &str)] = &[("metal_id", "weight")];

/// A plausible value for a schema: required properties only, ids from `ids` (the caller's own).
pub fn sample(doc: &Value, schema: &Value, name: &str, ids: &HashMap<&str, i64>) -> Value {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let key = r.trim_start_matches("#/components/schemas/");
        return sample(doc, &doc["components"]["schemas"][key], name, ids);
    }
    if let Some(options) = schema.get("anyOf").or_else(|| schema.get("oneOf")) {
        let first = options
            .as_array()
            .and_then(|o| o.iter().find(|s| s["type"] != "null"))
            .cloned()
            .unwrap_or(Value::Null);
        if schema.get("properties").is_none() {
            return sample(doc, &first, name, ids);
        }
        // An object whose `anyOf` adds a rule between its fields (`metal_id` or `metal_type`): the
        // object's own schema with the first alternative's required fields too.
        let mut merged = schema.clone();
        let object = merged.as_object_mut().unwrap();
        object.remove("anyOf");
        object.remove("oneOf");
        let mut required = object
            .get("required")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for r in first["required"].as_array().into_iter().flatten() {
            if !required.contains(r) {
                required.push(r.clone());
            }
        }
        object.insert("required".into(), Value::Array(required));
        return sample(doc, &merged, name, ids);
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values.first().cloned().unwrap_or(Value::Null);
    }
    let ty = match &schema["type"] {
        Value::Array(types) => types
            .iter()
            .find(|t| *t != "null")
            .cloned()
            .unwrap_or(Value::Null),
        t => t.clone(),
    };
    match ty.as_str().unwrap_or("object") {
        "object" => {
            let mut out = Map::new();
            let required: Vec<&str> = schema["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if let Some(props) = schema["properties"].as_object() {
                for (k, v) in props {
                    let companion = COMPANIONS
                        .iter()
                        .any(|(id, field)| k == field && props.contains_key(*id));
                    if required.contains(&k.as_str()) || ids.contains_key(k.as_str()) || companion {
                        out.insert(k.clone(), sample(doc, v, k, ids));
                    }
                }
            }
            Value::Object(out)
        }
        // One element when the schema needs one (an order's line items), so the body parses.
        "array" => match schema["minItems"].as_u64() {
            Some(n) if n > 0 => json!([sample(doc, &schema["items"], name, ids)]),
            _ => json!([]),
        },
        "integer" => json!(ids.get(name).copied().unwrap_or(1)),
        "number" => json!(1),
        "boolean" => json!(false),
        _ => match (name, schema["format"].as_str()) {
            (_, Some("date")) | ("date" | "date_from" | "date_to", _) => json!("2026-03-01"),
            (_, Some("date-time")) => json!("2026-03-01T12:00:00Z"),
            (_, Some("email")) | ("email", _) => json!("iso@probe.example"),
            ("password" | "new_password" | "current_password", _) => json!("password123"),
            ("username", _) => json!("isoprobe"),
            ("direction", _) => json!("IN"),
            _ => json!("ISO_PROBE"),
        },
    }
}

/// The operation's required query parameters as a query string (`?a=1&b=x`, or empty), sampled
/// from the document too (e.g. set-default's `company_id`), ids from `ids`.
pub fn required_query(doc: &Value, op: &Value, ids: &HashMap<&str, i64>) -> String {
    let query: Vec<String> = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["in"] == "query" && p["required"] == true)
        .map(|p| {
            let name = p["name"].as_str().unwrap_or_default();
            let v = sample(doc, &p["schema"], name, ids);
            format!(
                "{name}={}",
                v.as_str().map_or(v.to_string(), str::to_string)
            )
        })
        .collect();
    if query.is_empty() {
        String::new()
    } else {
        format!("?{}", query.join("&"))
    }
}

/// The same status and the same `detail` but for the digits (the ids the answers name).
fn answers_alike(a: &Resp, b: &Resp) -> bool {
    let detail = |r: &Resp| {
        r.body["detail"]
            .as_str()
            .map(|d| d.replace(char::is_numeric, ""))
    };
    a.status == b.status && detail(a) == detail(b)
}

pub fn path_with(template: &str, ids: &HashMap<&str, i64>, missing: i64) -> Option<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}')? + open;
        out.push_str(&rest[..open]);
        let name = &rest[open + 1..close];
        let id = if missing > 0 {
            missing
        } else {
            *ids.get(name).unwrap_or_else(|| {
                panic!("no isolation fixture for path parameter {{{name}}} of {template}")
            })
        };
        out.push_str(&id.to_string());
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

#[tokio::test]
async fn no_route_reads_or_writes_another_tenants_rows_by_id() {
    let app = TestApp::spawn().await;
    let a = app.signup("Matrix A", "matrixa").await;
    let b = app.signup("Matrix B", "matrixb").await;
    let mine = fixture(&app, &a, "Mine").await;
    let theirs = fixture(&app, &b, "Theirs").await;
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.json")).unwrap(),
    )
    .unwrap();
    let before = whole_database(&app, &["login_history"]).await;

    let mut checked = 0;
    let mut failures = Vec::new();
    for ep in ROUTES {
        if !matches!(ep.handler, Handler::Tenant { .. }) || !ep.path.contains('{') {
            continue;
        }
        if ep.path.contains("{metal_code}") {
            continue; // a code, not an id: the catalogue is per tenant, and prices are global.
        }
        let op = &doc["paths"][ep.path][ep.method.to_lowercase()];
        let body = op["requestBody"]["content"]["application/json"]["schema"]
            .as_object()
            .map(|s| sample(&doc, &Value::Object(s.clone()), "", &mine));
        let query = required_query(&doc, op, &mine);
        let call = |path: String| {
            let path = format!("{path}{query}");
            let body = match &body {
                Some(b) => Body::Json(b.clone()),
                None => Body::None,
            };
            let token = a.token.clone();
            let app = &app;
            async move { app.call(ep.method, &path, body, Some(&token)).await }
        };
        let foreign = call(path_with(ep.path, &theirs, 0).unwrap()).await;
        let nowhere = call(path_with(ep.path, &theirs, 987_654_321).unwrap()).await;
        let same = answers_alike(&foreign, &nowhere);
        if !same || foreign.status < 400 || foreign.status == 500 {
            failures.push(format!(
                "{} {}: another tenant's id → {} {}, a missing id → {} {}",
                ep.method, ep.path, foreign.status, foreign.body, nowhere.status, nowhere.body
            ));
        } else if foreign.status != 404 {
            failures.push(format!(
                "{} {}: answered {} {} before looking the id up (fix the sample body)",
                ep.method, ep.path, foreign.status, foreign.body
            ));
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        checked >= 40,
        "only {checked} routes have an id in their path?"
    );
    assert_eq!(
        whole_database(&app, &["login_history"]).await,
        before,
        "a refused request changed something"
    );

    // Positive control: the same reads with A's own ids answer 200.
    for ep in ROUTES.iter().filter(|ep| {
        matches!(ep.handler, Handler::Tenant { .. })
            && ep.method == "GET"
            && ep.path.contains('{')
            && !ep.path.contains("{metal_code}")
    }) {
        let path = path_with(ep.path, &mine, 0).unwrap();
        let r = app.get(&path, &a.token).await;
        assert_eq!(r.status, 200, "GET {path} with my own ids: {r:?}");
    }
}

/// Every pointer into `body` whose key is one of the fixture's id names, depth first.
fn id_pointers(body: &Value, ids: &HashMap<&str, i64>, at: &str, out: &mut Vec<(String, String)>) {
    match body {
        Value::Object(map) => {
            for (k, v) in map {
                let here = format!("{at}/{k}");
                if ids.contains_key(k.as_str()) && v.is_i64() {
                    out.push((here.clone(), k.clone()));
                }
                id_pointers(v, ids, &here, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                id_pointers(v, ids, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Every row of one tenant, table by table: what another tenant's requests must leave alone.
async fn tenant_rows(app: &TestApp, tenant: i64) -> Vec<String> {
    let owner = crate::helpers::connect(&app.owner_url()).await;
    let tables: Vec<String> = owner
        .query(
            "select table_name::text from information_schema.columns
              where table_schema = 'public' and column_name = 'tenant_id'
                and table_name in (select table_name from information_schema.tables
                                    where table_schema = 'public' and table_type = 'BASE TABLE')
              order by 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut out = Vec::new();
    for t in tables {
        let row = owner
            .query_one(
                &format!(
                    "select coalesce(json_agg(x order by x::text)::text, '[]') from {t} x
                      where tenant_id = $1"
                ),
                &[&tenant],
            )
            .await
            .unwrap();
        out.push(format!("{t}: {}", row.get::<_, String>(0)));
    }
    out
}

/// Body fields the server takes from elsewhere and ignores (the app sends them): another tenant's
/// id there changes nothing, so they answer as the request would without them.
const IGNORED_BODY_IDS: &[(&str, &str)] = &[];

#[tokio::test]
async fn no_route_takes_another_tenants_id_in_its_body() {
    let app = TestApp::spawn().await;
    let a = app.signup("Body A", "bodya").await;
    let b = app.signup("Body B", "bodyb").await;
    let mine = fixture(&app, &a, "Mine").await;
    let theirs = fixture(&app, &b, "Theirs").await;
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.json")).unwrap(),
    )
    .unwrap();
    let before = tenant_rows(&app, b.tenant_id).await;

    let mut checked = 0;
    let mut failures = Vec::new();
    let mut ignored = Vec::new();
    for ep in ROUTES {
        if !matches!(ep.handler, Handler::Tenant { .. }) || ep.path.contains("{metal_code}") {
            continue;
        }
        let op = &doc["paths"][ep.path][ep.method.to_lowercase()];
        let Some(schema) = op["requestBody"]["content"]["application/json"]["schema"].as_object()
        else {
            continue;
        };
        let base = sample(&doc, &Value::Object(schema.clone()), "", &mine);
        let mut pointers = Vec::new();
        id_pointers(&base, &mine, "", &mut pointers);
        let path = path_with(ep.path, &mine, 0).unwrap();
        for (pointer, key) in pointers {
            let call = |id: i64| {
                let mut body = base.clone();
                *body.pointer_mut(&pointer).unwrap() = json!(id);
                let (app, token, path) = (&app, a.token.clone(), path.clone());
                async move {
                    app.call(ep.method, &path, Body::Json(body), Some(&token))
                        .await
                }
            };
            let foreign = call(theirs[key.as_str()]).await;
            let nowhere = call(987_654_321).await;
            let same = answers_alike(&foreign, &nowhere);
            let names_it = foreign.status == 422
                && foreign.body["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains(key.as_str()));
            if same && foreign.status < 300 {
                ignored.push((ep.id, key.clone()));
            } else if !same || !names_it {
                failures.push(format!(
                    "{} {} {pointer}: another tenant's id → {} {}, a missing id → {} {}",
                    ep.method, ep.path, foreign.status, foreign.body, nowhere.status, nowhere.body
                ));
            }
            checked += 1;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let declared: Vec<(&str, String)> = IGNORED_BODY_IDS
        .iter()
        .map(|(id, key)| (*id, key.to_string()))
        .collect();
    assert_eq!(ignored, declared, "body ids the server ignores");
    assert!(checked >= 15, "only {checked} ids in request bodies?");
    assert_eq!(
        tenant_rows(&app, b.tenant_id).await,
        before,
        "the other tenant's rows changed"
    );

    // Positive control: the same bodies with A's own ids get past the id checks (no 422 naming an
    // id field) on a route that creates: contacts, ledger entries, orders, shipments, purchases.
    for (path, id) in [
        ("/api/v1/contacts/", "contacts_create"),
        ("/api/v1/department-ledger/", "ledger_create"),
        ("/api/v1/orders/", "orders_create"),
        ("/api/v1/shipments/", "shipments_create"),
        ("/api/v1/safe/purchases", "safe_purchase"),
    ] {
        let op = &doc["paths"][path]["post"];
        let schema = &op["requestBody"]["content"]["application/json"]["schema"];
        let body = sample(&doc, schema, "", &mine);
        let r = app.post(path, body.clone(), &a.token).await;
        assert!(r.status < 300, "{id} with my own ids {body}: {r:?}");
    }
}

#[tokio::test]
async fn no_list_shows_another_tenants_rows_whatever_its_filters() {
    let app = TestApp::spawn().await;
    let a = app.signup("List A", "lista").await;
    let b = app.signup("List B", "listb").await;
    let mine = fixture(&app, &a, "Mine").await;
    let theirs = fixture(&app, &b, "Theirs").await;
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.json")).unwrap(),
    )
    .unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    for ep in ROUTES {
        if !matches!(ep.handler, Handler::Tenant { .. }) || ep.method != "GET" {
            continue;
        }
        if ep.path.contains("{metal_code}") {
            continue;
        }
        let op = &doc["paths"][ep.path]["get"];
        let filters: Vec<&str> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "query")
            .filter_map(|p| p["name"].as_str())
            .filter(|n| theirs.contains_key(n))
            .collect();
        let path = path_with(ep.path, &mine, 0).unwrap();
        // Unfiltered, then each id filter with the other tenant's id.
        let mut queries = vec![String::new()];
        queries.extend(filters.iter().map(|f| format!("?{f}={}", theirs[f])));
        for q in queries {
            let r = app.get(&format!("{path}{q}"), &a.token).await;
            let text = r.body.to_string();
            if r.status >= 500 || text.contains("Theirs") || text.contains("THEIRS") {
                failures.push(format!("GET {path}{q}: {} {text}", r.status));
            }
            checked += 1;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 50, "only {checked} reads checked");
    // Positive control: B's own lists show its rows by those names.
    for path in [
        "/api/v1/companies-v2/",
        "/api/v1/contacts/",
        "/api/v1/departments/",
    ] {
        let r = app.get(path, &b.token).await.expect(200);
        assert!(r.body.to_string().contains("Theirs"), "{path}: {}", r.body);
    }
}
