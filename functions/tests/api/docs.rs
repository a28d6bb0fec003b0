//! API documentation: `/docs`, `/redoc`, `/openapi.json` and the embedded assets, and that the
//! limits the request schemas state are the server's (against real 422s). (The document's structure
//! is checked by `infra/local/tests/openapi.rs`; rendering in a browser, offline, by
//! `infra/scripts/docs-offline-check.sh`.)

use functions::endpoints::docs::assets::FILES;
use functions::routes::ROUTES;

use crate::helpers::{Body, Resp, TestApp, test_config};

/// No database needed: these functions never touch one.
fn app() -> TestApp {
    TestApp {
        ctx: shared::Ctx::new(
            test_config(&[]),
            shared::db::Db::single("postgres://nobody@127.0.0.1:1/none", &Default::default()),
        ),
        db_name: "none".into(),
    }
}

async fn get(path: &str) -> Resp {
    app().call("GET", path, Body::None, None).await
}

fn header<'a>(r: &'a Resp, name: &str) -> &'a str {
    r.headers.get(name).unwrap().to_str().unwrap()
}

/// The asset URLs a page loads (`docs/assets/<file>?v=...`).
fn asset_urls(html: &str) -> Vec<String> {
    html.split("docs/assets/")
        .skip(1)
        .map(|rest| rest.split(['?', '"']).next().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn pages_are_html_that_load_only_embedded_assets() {
    for (path, wanted) in [
        ("/docs", vec!["swagger-ui.css", "swagger-ui-bundle.js"]),
        ("/redoc", vec!["redoc.standalone.js"]),
        ("/docs/", vec!["swagger-ui.css", "swagger-ui-bundle.js"]),
    ] {
        let r = get(path).await.expect(200);
        assert_eq!(header(&r, "content-type"), "text/html; charset=utf-8");
        assert_eq!(header(&r, "cache-control"), "no-cache");
        let html = r.body.as_str().unwrap();
        // Relative URLs only: they work behind an API Gateway stage prefix and need no network.
        for needle in ["http:", "https:", "src=\"/", "href=\"/", "//"] {
            assert!(!html.contains(needle), "{path} contains {needle}");
        }
        assert!(html.contains("\"openapi.json\""), "{path}");
        let urls = asset_urls(html);
        assert_eq!(urls, wanted, "{path}");
        for file in urls {
            assert!(
                FILES.iter().any(|(n, _, _)| *n == file),
                "{file} not embedded"
            );
        }
    }
}

#[tokio::test]
async fn the_document_is_served_as_json() {
    let r = get("/openapi.json").await.expect(200);
    assert_eq!(header(&r, "content-type"), "application/json");
    assert_eq!(r.body["openapi"], "3.1.0");
    for ep in ROUTES {
        assert!(
            r.body["paths"][ep.path][ep.method.to_ascii_lowercase()].is_object(),
            "{} {} missing from openapi.json: regenerate it with `cargo xtask gen`",
            ep.method,
            ep.path
        );
    }
}

#[tokio::test]
async fn assets_come_with_their_types_and_a_long_cache() {
    for (name, content_type, content) in FILES {
        let r = get(&format!("/docs/assets/{name}")).await.expect(200);
        assert_eq!(header(&r, "content-type"), *content_type, "{name}");
        assert_eq!(
            header(&r, "cache-control"),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(header(&r, "x-content-type-options"), "nosniff");
        assert!(!content.is_empty());
    }
    let r = get("/docs/assets/swagger-ui-bundle.js").await;
    assert!(r.body.as_str().unwrap().contains("SwaggerUIBundle"));
    let r = get("/docs/assets/redoc.standalone.js").await;
    assert!(r.body.as_str().unwrap().contains("Redoc"));
}

#[tokio::test]
async fn an_unknown_asset_is_a_404_with_a_string_detail() {
    for path in ["/docs/assets/nope.js", "/docs/assets/..%2Fopenapi.json"] {
        let r = get(path).await.expect(404);
        assert!(r.detail().contains("not found"), "{}", r.detail());
    }
}

#[test]
fn the_asset_versions_in_the_urls_are_the_vendored_ones() {
    use functions::endpoints::docs::assets::{REDOC_VERSION, SWAGGER_UI_VERSION};
    let readme = include_str!("../../assets/README.md");
    assert!(readme.contains(&format!("| {SWAGGER_UI_VERSION} |")));
    assert!(readme.contains(&format!("| {REDOC_VERSION} |")));
    let swagger = FILES
        .iter()
        .find(|(n, _, _)| *n == "swagger-ui-bundle.js")
        .unwrap()
        .2;
    // The bundle carries its version (`version:"5.35.0"` in its build info).
    assert!(
        swagger.contains(&format!("\"{SWAGGER_UI_VERSION}\"")),
        "swagger-ui-bundle.js is not {SWAGGER_UI_VERSION}"
    );
    let redoc = FILES
        .iter()
        .find(|(n, _, _)| *n == "redoc.standalone.js")
        .unwrap()
        .2;
    assert!(
        redoc.contains(&format!("\"{REDOC_VERSION}\"")),
        "redoc.standalone.js is not {REDOC_VERSION}"
    );
}

// ---- The schemas state the limits the server enforces ------------------------------------------
//
// Driven by the committed document (which `infra/local/tests/openapi.rs` keeps equal to the
// generated one), so a new route or field is covered as soon as its schema states a limit. For every
// JSON request body, a body is built from the schema (each required property with a value the schema
// allows); then, for each property with a limit (`maxLength`, `minLength`, a not-blank `pattern`,
// `enum`, `minimum`, `exclusiveMinimum`, `maximum`), one value just past the limit must be a 422
// naming the property, and the value at the limit (every listed value, for an `enum`) must not be
// refused for that property. Top-level properties and those of the first item of required arrays
// (`line_items.0.…`) are checked; optional nested objects (an order's `metal_deposit`) and query
// parameters are not.

use serde_json::{Map, Value, json};

/// Limits the server enforces only together with another field the generated body leaves out:
/// (operation, property, why).
const CONDITIONAL: &[(&str, &str, &str)] = &[(
    "auth_register",
    "role_id",
    "read only when tenant_id is given (joining a tenant)",
)];

/// Properties a body needs besides its schema's `required` ones (one of two optional fields).
const ALSO_SEND: &[(&str, &str, &str)] = &[("companies_metal_deposit", "metal_type", "GOLD")];

/// Refusals by the tenant's data rather than by a stated limit: an id naming no row, a supply type
/// that is not one of the tenant's lookup values, a balance that the amount would take past its
/// column. A value at a limit may still meet them.
fn refused_by_data(detail: &str) -> bool {
    ["not found", "Valid options:", "past what it can hold"]
        .iter()
        .any(|d| detail.contains(d))
}

fn document() -> Value {
    serde_json::from_str(include_str!("../../../openapi.json")).unwrap()
}

/// `schema` with a `$ref` to `components/schemas` followed.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.trim_start_matches("#/components/schemas/");
            resolve(doc, &doc["components"]["schemas"][name])
        }
        None => schema,
    }
}

fn has_type(schema: &Value, ty: &str) -> bool {
    match &schema["type"] {
        Value::String(t) => t == ty,
        Value::Array(ts) => ts.iter().any(|t| t == ty),
        _ => false,
    }
}

/// A string of `n` characters that the schema's `format`/`pattern` allow.
fn text(schema: &Value, n: usize) -> String {
    if schema["format"] == "email" {
        let domain = "@ex.co";
        return format!("{}{domain}", "a".repeat(n.saturating_sub(domain.len())));
    }
    "x".repeat(n)
}

fn number(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        json!(v as i64)
    } else {
        json!(v)
    }
}

/// A value the schema allows.
fn sample(doc: &Value, schema: &Value) -> Value {
    let schema = resolve(doc, schema);
    if let Some(values) = schema["enum"].as_array() {
        return values.iter().find(|v| !v.is_null()).cloned().unwrap();
    }
    if has_type(schema, "object") {
        let mut body = Map::new();
        for name in schema["required"].as_array().into_iter().flatten() {
            let name = name.as_str().unwrap();
            body.insert(name.into(), sample(doc, &schema["properties"][name]));
        }
        return Value::Object(body);
    }
    if has_type(schema, "array") {
        let n = schema["minItems"].as_u64().unwrap_or(0);
        return Value::Array((0..n).map(|_| sample(doc, &schema["items"])).collect());
    }
    if has_type(schema, "string") {
        if schema["format"] == "date" {
            return json!("2026-01-02");
        }
        let n = schema["minLength"].as_u64().unwrap_or(1).max(1) as usize;
        return json!(text(schema, n));
    }
    if has_type(schema, "integer") || has_type(schema, "number") {
        let low = schema["exclusiveMinimum"]
            .as_f64()
            .map(|e| e + 1.0)
            .or(schema["minimum"].as_f64())
            .unwrap_or(1.0);
        return number(low.max(1.0));
    }
    if has_type(schema, "boolean") {
        return json!(false);
    }
    panic!("no sample for {schema}")
}

/// (value past the limit, value at the limit, what is checked) for each limit `prop` states.
fn cases(prop: &Value) -> Vec<(Value, Value, String)> {
    let mut out = Vec::new();
    if let Some(max) = prop["maxLength"].as_u64() {
        let max = max as usize;
        out.push((
            json!(text(prop, max + 1)),
            json!(text(prop, max)),
            format!("maxLength {max}"),
        ));
    }
    let min = prop["minLength"].as_u64().unwrap_or(0) as usize;
    if min > 1 {
        out.push((
            json!(text(prop, min - 1)),
            json!(text(prop, min)),
            format!("minLength {min}"),
        ));
    }
    if prop["pattern"] == r"\S" {
        out.push((
            json!("   "),
            json!(text(prop, min.max(1))),
            "not blank".into(),
        ));
    }
    if let Some(values) = prop["enum"].as_array() {
        for v in values.iter().filter(|v| !v.is_null()) {
            out.push((json!("NOT_ONE_OF_THEM"), v.clone(), format!("enum {v}")));
        }
    }
    if let Some(e) = prop["exclusiveMinimum"].as_f64() {
        out.push((number(e), number(e + 1.0), format!("exclusiveMinimum {e}")));
    }
    if let Some(m) = prop["minimum"].as_f64() {
        out.push((number(m - 1.0), number(m), format!("minimum {m}")));
    }
    if let Some(m) = prop["maximum"].as_f64() {
        out.push((number(m + 1.0), number(m), format!("maximum {m}")));
    }
    out
}

/// The properties to check in a body built from `schema`: (pointer into the body, the field name
/// an error names, the property's schema).
fn targets<'a>(doc: &'a Value, schema: &'a Value) -> Vec<(String, String, &'a Value)> {
    let schema = resolve(doc, schema);
    let required: Vec<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut out = Vec::new();
    for (name, prop) in schema["properties"].as_object().into_iter().flatten() {
        out.push((format!("/{name}"), name.clone(), prop));
        let items = resolve(doc, &prop["items"]);
        if required.contains(&name.as_str()) && has_type(items, "object") {
            for (inner, p) in items["properties"].as_object().into_iter().flatten() {
                out.push((format!("/{name}/0/{inner}"), format!("{name}.0.{inner}"), p));
            }
        }
    }
    out
}

#[tokio::test]
async fn every_stated_request_body_limit_is_the_servers() {
    let doc = document();
    let app = TestApp::spawn().await;
    let admin = app.signup("Limits Co", "limitsadmin").await;
    // The user the `{user_id}` routes change: not the caller, whose password reset would end the
    // session the test runs on.
    let staff = app.role_id(&admin, "staff").await;
    let other = app
        .post(
            "/api/v1/users/",
            json!({"username": "limitsother", "password": "password123", "full_name": "O", "role_id": staff}),
            &admin.token,
        )
        .await
        .expect(201);
    let mut checked = 0;
    let mut failures = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(schema) = op["requestBody"]["content"]["application/json"].get("schema")
            else {
                continue;
            };
            let id = op["operationId"].as_str().unwrap();
            // Path ids: another user of the tenant, the caller's tenant, 1 for the rest; every
            // handler parses its body before it looks the path's row up.
            let url = path
                .replace("{user_id}", &other.body["id"].to_string())
                .replace("{tenant_id}", &admin.tenant_id.to_string())
                .split('/')
                .map(|s| if s.starts_with('{') { "1" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            let mut base = sample(&doc, schema);
            for (_, name, value) in ALSO_SEND.iter().filter(|(o, _, _)| *o == id) {
                base[*name] = json!(value);
            }
            for (pointer, field, prop) in targets(&doc, schema) {
                if CONDITIONAL.iter().any(|(o, f, _)| *o == id && *f == field) {
                    continue;
                }
                for (past, at, what) in cases(prop) {
                    let send = |value: &Value| {
                        let mut body = base.clone();
                        let (parent, key) = pointer.rsplit_once('/').unwrap();
                        body.pointer_mut(parent)
                            .unwrap()
                            .as_object_mut()
                            .unwrap()
                            .insert(key.into(), value.clone());
                        body
                    };
                    let names_field = |r: &Resp| {
                        r.status == 422
                            && r.body["detail"]
                                .as_str()
                                .is_some_and(|d| d.starts_with(&format!("{field}: ")))
                    };
                    let m = method.to_ascii_uppercase();
                    let r = app
                        .call(&m, &url, Body::Json(send(&past)), Some(&admin.token))
                        .await;
                    if !names_field(&r) {
                        failures.push(format!(
                            "{id} {field} ({what}): {past} must be a 422 naming {field}, got {r:?}"
                        ));
                    }
                    let r = app
                        .call(&m, &url, Body::Json(send(&at)), Some(&admin.token))
                        .await;
                    let by_data = r.body["detail"].as_str().is_some_and(refused_by_data);
                    if (names_field(&r) && !by_data) || r.status >= 500 {
                        failures.push(format!(
                            "{id} {field} ({what}): {at} must not be refused for {field}, got {r:?}"
                        ));
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // A floor, so that a document that stopped stating limits cannot pass by checking nothing.
    assert!(checked > 150, "only {checked} limits checked");
}
