//! Hostile text in every string field of every tenant route's request body, generated from the
//! OpenAPI request schemas: SQL-injection text, control characters and terminal escapes, a
//! right-to-left override, emoji and combining marks, zero-width characters, HTML, line breaks.
//! Each is either stored and answered verbatim or refused with a 4xx and a string `detail`; never a
//! 5xx. And bodies nested far deeper than any form are a 4xx, not a crash.

use std::collections::HashMap;

use functions::routes::ROUTES;
use serde_json::{Value, json};
use shared::http::Handler;

use crate::helpers::{Body, TestApp};
use crate::isolation_matrix::{fixture, path_with, sample};

const ATTACKS: &[(&str, &str)] = &[
    ("SQL injection", "x'); DROP TABLE companies; --"),
    ("SQL quoting", "O'Brien \"the\" -- /* */ ; % _ \\ $1"),
    ("control characters", "a\u{1}b\u{7}c\u{1b}[31md\u{7f}e"),
    ("right-to-left override", "abc\u{202e}fed"),
    ("emoji and combining marks", "💍 ring 👩‍👩‍👧 e\u{301}"),
    ("zero-width", "a\u{200b}b\u{feff}c"),
    ("HTML", "<script>alert(1)</script>"),
    ("line breaks", "line1\nline2\r\nline3"),
];

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => &doc["components"]["schemas"][r.trim_start_matches("#/components/schemas/")],
        None => schema,
    }
}

fn is_string(schema: &Value) -> bool {
    match &schema["type"] {
        Value::String(t) => t == "string",
        Value::Array(types) => types.iter().any(|t| t == "string"),
        _ => schema
            .get("anyOf")
            .and_then(Value::as_array)
            .is_some_and(|o| o.iter().any(is_string)),
    }
}

/// Free-text string properties of a body schema (no enum, format or pattern beyond "not blank",
/// room for the longest attack), as (pointer, field name), one level into arrays of objects.
fn text_fields(doc: &Value, schema: &Value) -> Vec<(String, String)> {
    let schema = resolve(doc, schema);
    let longest = ATTACKS
        .iter()
        .map(|(_, a)| a.chars().count())
        .max()
        .unwrap_or(0) as u64;
    let free = |p: &Value| {
        is_string(p)
            && p.get("enum").is_none()
            && p.get("format").is_none()
            && p.get("pattern").is_none_or(|pat| pat == r"\S")
            && p["maxLength"].as_u64().is_none_or(|m| m >= longest)
    };
    let mut out = Vec::new();
    for (name, prop) in schema["properties"].as_object().into_iter().flatten() {
        let prop = resolve(doc, prop);
        if free(prop) {
            out.push((format!("/{name}"), name.clone()));
        }
        let items = resolve(doc, &prop["items"]);
        for (inner, p) in items["properties"].as_object().into_iter().flatten() {
            if free(resolve(doc, p)) && prop["minItems"].as_u64().unwrap_or(0) > 0 {
                out.push((format!("/{name}/0/{inner}"), inner.clone()));
            }
        }
    }
    out
}

/// Makes the sample's other texts unique per request, so that a name taken by an earlier request
/// is not what refuses this one.
fn unique(body: &mut Value, n: usize) {
    match body {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                match (k.as_str(), v.as_str()) {
                    ("username", Some(_)) => *v = json!(format!("probe{n}")),
                    ("email", Some(_)) => *v = json!(format!("probe{n}@probe.example")),
                    // A supply's type is one of the tenant's lookup values, not free text.
                    ("type", Some(_)) => *v = json!("PACKAGING"),
                    (_, Some("ISO_PROBE")) => *v = json!(format!("ISO_PROBE_{n}")),
                    _ => unique(v, n),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| unique(v, n)),
        _ => {}
    }
}

#[tokio::test]
async fn hostile_text_is_stored_verbatim_or_refused_never_a_500() {
    let app = TestApp::spawn().await;
    let a = app.signup("Attack Co", "attackadmin").await;
    let mine: HashMap<&str, i64> = fixture(&app, &a, "Attack").await;
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.json")).unwrap(),
    )
    .unwrap();
    let mut failures = Vec::new();
    let (mut verbatim, mut refused, mut n) = (0, 0, 0);
    let mut fields = 0;
    for ep in ROUTES {
        if !matches!(ep.handler, Handler::Tenant { .. }) || ep.path.contains("{metal_code}") {
            continue;
        }
        // Whatever the caller's own password or session would lose: the rest of the run needs them.
        if ep.path.starts_with("/api/v1/auth/") {
            continue;
        }
        let op = &doc["paths"][ep.path][ep.method.to_lowercase()];
        let schema = &op["requestBody"]["content"]["application/json"]["schema"];
        if schema.is_null() {
            continue;
        }
        let path = path_with(ep.path, &mine, 0).unwrap();
        for (pointer, field) in text_fields(&doc, schema) {
            fields += 1;
            for (what, attack) in ATTACKS {
                n += 1;
                let mut body = sample(&doc, schema, "", &mine);
                // A list the sample left out (an update's optional line items): one item.
                if let Some((list, _)) = pointer.trim_start_matches('/').split_once("/0/")
                    && body.get(list).is_none()
                {
                    let items = &resolve(&doc, schema)["properties"][list]["items"];
                    body[list] = json!([sample(&doc, items, "", &mine)]);
                }
                unique(&mut body, n);
                // Set the field, also where the sample left an optional one out.
                let (parent, key) = pointer.rsplit_once('/').unwrap();
                let parent = if parent.is_empty() {
                    Some(&mut body)
                } else {
                    body.pointer_mut(parent)
                };
                if let Some(Value::Object(map)) = parent {
                    map.insert(key.to_string(), json!(attack));
                }
                let r = app
                    .call(ep.method, &path, Body::Json(body), Some(&a.token))
                    .await;
                check(
                    &r,
                    ep.id,
                    &field,
                    what,
                    attack,
                    &mut failures,
                    &mut verbatim,
                    &mut refused,
                );
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Floors, so that a generator that stopped finding fields cannot pass by checking nothing.
    assert!(fields >= 60, "only {fields} text fields found");
    assert!(
        verbatim >= 350,
        "only {verbatim} answers echoed the text ({refused} refused)"
    );
}

/// A 2xx must echo the text exactly where the answer has the field (letter case may be
/// normalised: codes are upper-cased, emails lower-cased); anything else must be a 4xx with a
/// string `detail`.
#[allow(clippy::too_many_arguments)]
fn check(
    r: &crate::helpers::Resp,
    id: &str,
    field: &str,
    what: &str,
    attack: &str,
    failures: &mut Vec<String>,
    verbatim: &mut usize,
    refused: &mut usize,
) {
    if r.status < 300 {
        let echoed = r.body[field]
            .as_str()
            .or_else(|| r.body["line_items"][0][field].as_str());
        match echoed {
            Some(e) if e == attack || e == attack.to_uppercase() || e == attack.to_lowercase() => {
                *verbatim += 1
            }
            Some(e) => failures.push(format!(
                "{id} {field} ({what}): stored {e:?}, sent {attack:?}"
            )),
            None => {}
        }
    } else if r.status >= 500 || r.status < 400 || !r.body["detail"].is_string() {
        failures.push(format!("{id} {field} ({what}): {} {}", r.status, r.body));
    } else {
        *refused += 1;
    }
}

#[tokio::test]
async fn a_body_nested_deeper_than_any_form_is_a_4xx() {
    let app = TestApp::spawn().await;
    let a = app.signup("Nested Co", "nestedadmin").await;
    // 100,000 levels in 200 KB: under the size limit, far past serde_json's recursion limit.
    let depth = 100_000;
    let raw = format!("{{\"name\": {}1{}}}", "[".repeat(depth), "]".repeat(depth));
    let r = app
        .call(
            "POST",
            "/api/v1/companies-v2/",
            Body::Raw("application/json", raw.into_bytes()),
            Some(&a.token),
        )
        .await;
    assert!(
        (400..500).contains(&r.status) && r.body["detail"].is_string(),
        "{r:?}"
    );
    // Positive control: the same route takes a flat body.
    app.post(
        "/api/v1/companies-v2/",
        json!({"name": "Flat Co"}),
        &a.token,
    )
    .await
    .expect(200);
}
