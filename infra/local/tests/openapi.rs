//! The OpenAPI document: the committed `openapi.json` (served by the `docs_openapi` function) is what
//! `functions::openapi::document()` generates from the route table, and that document is sound: every
//! route exactly once, every `$ref` resolving, every route with its `docs` declarations.
//!
//! After changing routes or DTOs: `cargo xtask gen` (which also writes the binaries and template.yaml).
//! Structural validation against the OpenAPI 3.1 schema: `infra/scripts/validate-openapi.sh`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use functions::routes::{DOCS, ROUTES};
use serde_json::Value;
use shared::http::Access;

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../openapi.json")
}

fn operation<'a>(doc: &'a Value, path: &str, method: &str) -> Option<&'a Value> {
    doc["paths"].get(path)?.get(method.to_ascii_lowercase())
}

/// The JSON pointer of the first place where `a` and `b` differ.
fn first_difference(a: &Value, b: &Value, at: String) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                let here = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => first_difference(p, q, here),
                    _ => Some(here),
                }
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, format!("{at}/{i}"))),
        _ => (a != b).then_some(at),
    }
}

#[test]
fn openapi_json_is_current() {
    let doc = functions::openapi::document();
    let path = committed_path();
    let committed: Value = std::fs::read_to_string(&path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    if let Some(at) = first_difference(&committed, &doc, String::new()) {
        panic!(
            "openapi.json (repository root) is not what the route table generates; first difference at \
             `{at}`.\nRegenerate it with `cargo xtask gen` and commit it."
        );
    }
}

#[test]
fn every_route_appears_exactly_once_with_its_method() {
    let doc = functions::openapi::document();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut ids = BTreeSet::new();
    for ep in ROUTES {
        assert!(ids.insert(ep.id), "duplicate route id {}", ep.id);
        let op = operation(&doc, ep.path, ep.method)
            .unwrap_or_else(|| panic!("{} {} ({}) missing", ep.method, ep.path, ep.id));
        assert_eq!(op["operationId"], ep.id);
        assert_eq!(op["summary"], ep.summary);
        assert_eq!(op["tags"], serde_json::json!([ep.tag]));
        assert!(
            op["responses"].get(ep.success.to_string()).is_some(),
            "{}: no {} answer",
            ep.id,
            ep.success
        );
    }
    let operations: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .map(|op| op["operationId"].as_str().unwrap())
        .collect();
    assert_eq!(
        operations.len(),
        ROUTES.len(),
        "operations beyond the route table: {operations:?}"
    );
}

#[test]
fn every_route_has_its_docs_declarations() {
    let mut missing = Vec::new();
    for ep in ROUTES {
        match DOCS.iter().filter(|(id, _)| *id == ep.id).count() {
            1 => {}
            0 => {
                let module = ep.module.trim_start_matches("functions::endpoints::");
                missing.push(format!("    ({module}::ENDPOINT.id, {module}::docs),"));
            }
            n => panic!("{} is in routes::DOCS {n} times", ep.id),
        }
    }
    assert!(
        missing.is_empty(),
        "routes without OpenAPI declarations: add a `#[cfg(feature = \"openapi\")] pub fn docs(op: &mut \
         crate::openapi::Operation)` to each module and these lines to routes::DOCS:\n{}",
        missing.join("\n")
    );
    for (id, _) in DOCS {
        assert!(
            ROUTES.iter().any(|ep| ep.id == *id),
            "routes::DOCS names {id}, which is not in ROUTES"
        );
    }
}

fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                if let ("$ref", Value::String(r)) = (k.as_str(), v) {
                    out.push(r.clone());
                } else {
                    refs(v, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[test]
fn every_ref_resolves() {
    let doc = functions::openapi::document();
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in &all {
        let pointer = r
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("external $ref {r}"));
        assert!(doc.pointer(pointer).is_some(), "unresolved $ref {r}");
    }
    assert!(
        doc["components"].get("x-response-schemas").is_none(),
        "placeholder left over"
    );
    // Nothing defined but unused either (a sign of a broken rename).
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in schemas.keys() {
        let r = format!("#/components/schemas/{name}");
        assert!(all.contains(&r), "schema {name} is never referenced");
    }
}

#[test]
fn security_parameters_and_standard_errors() {
    let doc = functions::openapi::document();
    assert_eq!(
        doc["components"]["securitySchemes"]["bearerAuth"]["scheme"],
        "bearer"
    );
    for ep in ROUTES {
        let op = operation(&doc, ep.path, ep.method).unwrap();
        let responses = &op["responses"];
        assert!(responses.get("500").is_some(), "{}: no 500", ep.id);
        if let Access::User { .. } = ep.access() {
            assert_eq!(
                op["security"],
                serde_json::json!([{"bearerAuth": []}]),
                "{}",
                ep.id
            );
            assert!(responses.get("401").is_some() && responses.get("403").is_some());
        } else {
            assert!(
                op.get("security")
                    .is_none_or(|s| s.as_array().unwrap().contains(&serde_json::json!({}))),
                "{}: public but requires a token",
                ep.id
            );
        }
        let names: Vec<&str> = ep
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        for name in &names {
            let p = op["parameters"]
                .as_array()
                .and_then(|ps| ps.iter().find(|p| p["name"] == *name && p["in"] == "path"))
                .unwrap_or_else(|| panic!("{}: no path parameter {name}", ep.id));
            let ty = if name.ends_with("_id") {
                "integer"
            } else {
                "string"
            };
            assert_eq!(p["schema"]["type"], ty);
        }
        if !names.is_empty() {
            assert!(responses.get("404").is_some(), "{}: no 404", ep.id);
            assert!(responses.get("422").is_some(), "{}: no 422", ep.id);
        }
        if op.get("requestBody").is_some() {
            assert!(responses.get("422").is_some(), "{}: no 422", ep.id);
        }
    }
}

#[test]
fn login_and_refresh_take_forms_and_json() {
    let doc = functions::openapi::document();
    for path in ["/api/v1/auth/login", "/api/v1/auth/refresh"] {
        let content = &doc["paths"][path]["post"]["requestBody"]["content"];
        assert!(content.get("application/json").is_some(), "{path}");
        assert!(
            content.get("application/x-www-form-urlencoded").is_some(),
            "{path}"
        );
        assert!(doc["paths"][path]["post"].get("security").is_none());
    }
    let login = &doc["paths"]["/api/v1/auth/login"]["post"];
    let schema = &login["requestBody"]["content"]["application/json"]["schema"]["$ref"];
    let schema = doc
        .pointer(schema.as_str().unwrap().trim_start_matches('#'))
        .unwrap();
    assert_eq!(
        schema["required"],
        serde_json::json!(["username", "password"])
    );
}
