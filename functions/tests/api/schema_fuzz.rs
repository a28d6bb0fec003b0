//! What the schema-fuzzing suite (`infra/scripts/fuzz.sh`) found: requests the committed OpenAPI
//! document calls valid that the server refused with a 422 (or answered with an undocumented
//! status). Each test pins the document's statement and the server's answer at its edge, so that
//! neither can drift back.

use serde_json::{Value, json};

use crate::crm_fixtures::{company, contact};
use crate::helpers::{Session, TestApp, arr};
use crate::metal_accounting::metal;

fn document() -> Value {
    serde_json::from_str(include_str!("../../../openapi.json")).unwrap()
}

/// The JSON request schema of `method path`, `$ref` followed.
fn request_schema(doc: &Value, method: &str, path: &str) -> Value {
    let schema =
        &doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"];
    resolve(doc, schema)
}

fn resolve(doc: &Value, schema: &Value) -> Value {
    match schema["$ref"].as_str() {
        Some(r) => resolve(
            doc,
            &doc["components"]["schemas"][r.trim_start_matches("#/components/schemas/")],
        ),
        None => schema.clone(),
    }
}

/// A company of the tenant and a contact of it: what an order needs.
async fn company_and_contact(app: &TestApp, s: &Session) -> (i64, i64) {
    let company = company(app, s, "Fuzz Findings Co").await;
    (company, contact(app, s, company, "Fay").await)
}

/// Amounts are rounded to 4 places before "more than 0" is checked: the document said
/// `exclusiveMinimum: 0`, and 0.00001 (which rounds to 0) was a 422. It now states the least value
/// that rounds to more than 0.
#[tokio::test]
async fn positive_amounts_state_the_least_value_that_survives_rounding() {
    let doc = document();
    let deposit = request_schema(
        &doc,
        "post",
        "/api/v1/companies/{company_id}/metal-deposits",
    );
    let grams = &deposit["properties"]["quantity_grams"];
    assert_eq!(grams["minimum"], json!(0.00005), "{grams}");
    assert!(grams.get("exclusiveMinimum").is_none(), "{grams}");
    for (path, field) in [
        ("/api/v1/safe/purchases", "quantity_grams"),
        ("/api/v1/department-ledger/", "quantity"),
        ("/api/v1/department-ledger/", "weight"),
    ] {
        let schema = request_schema(&doc, "post", path);
        assert_eq!(
            schema["properties"][field]["minimum"],
            json!(0.00005),
            "{path} {field}"
        );
    }

    let app = TestApp::spawn().await;
    let s = app.signup("Rounding Co", "roundadmin").await;
    let (company, _) = company_and_contact(&app, &s).await;
    let gold = metal(&app, &s, "GOLD_24K").await;
    let url = format!("/api/v1/companies/{company}/metal-deposits");
    let r = app
        .post(
            &url,
            json!({"metal_id": gold, "quantity_grams": 0.00005}),
            &s.token,
        )
        .await
        .expect(201);
    assert_eq!(r.body["quantity_grams"], json!(0.0001));
    let r = app
        .post(
            &url,
            json!({"metal_id": gold, "quantity_grams": 0.00004}),
            &s.token,
        )
        .await
        .expect(422);
    assert!(r.detail().starts_with("quantity_grams: "), "{r:?}");
}

/// JSON Schema's `integer` is any number without a fractional part, so `3.0` is one; serde's
/// integers refused it (`invalid type: floating point`), for a lookup value's `sort_order` and a line
/// item's `quantity`.
#[tokio::test]
async fn integers_written_with_a_zero_fraction_are_integers() {
    let app = TestApp::spawn().await;
    let s = app.signup("Whole Co", "wholeadmin").await;
    let r = app
        .post(
            "/api/v1/lookup-values/",
            json!({"category": "finish", "code": "MATTE", "display_label": "Matte", "sort_order": -4192.0}),
            &s.token,
        )
        .await
        .expect(201);
    assert_eq!(r.body["sort_order"], json!(-4192));
    let id = r.body["id"].as_i64().unwrap();
    let r = app
        .put(
            &format!("/api/v1/lookup-values/{id}"),
            json!({"sort_order": 7.0}),
            &s.token,
        )
        .await
        .expect(200);
    assert_eq!(r.body["sort_order"], json!(7));
    let r = app
        .put(
            &format!("/api/v1/lookup-values/{id}"),
            json!({"sort_order": 7.5}),
            &s.token,
        )
        .await
        .expect(422);
    assert!(r.detail().starts_with("sort_order: "), "{r:?}");
    // Past i32, which the document now states as the bounds.
    let r = app
        .put(
            &format!("/api/v1/lookup-values/{id}"),
            json!({"sort_order": 2147483648_i64}),
            &s.token,
        )
        .await
        .expect(422);
    assert!(r.detail().starts_with("sort_order: "), "{r:?}");
    let doc = document();
    let sort = &request_schema(&doc, "post", "/api/v1/lookup-values/")["properties"]["sort_order"];
    assert_eq!(
        (sort["minimum"].as_i64(), sort["maximum"].as_i64()),
        (Some(i32::MIN.into()), Some(i32::MAX.into()))
    );

    let (_, contact) = company_and_contact(&app, &s).await;
    let r = app
        .post(
            "/api/v1/orders/",
            json!({"contact_id": contact, "line_items": [{"product_description": "Ring", "quantity": 2.0}]}),
            &s.token,
        )
        .await
        .expect(201);
    assert_eq!(r.body["line_items"][0]["quantity"], json!(2));
    // The pieces column is an integer: the document states its maximum, the server refuses past it.
    let items = resolve(&doc, &doc["components"]["schemas"]["LineItemBody"]);
    assert_eq!(items["properties"]["quantity"]["maximum"], json!(i32::MAX));
    let r = app
        .post(
            "/api/v1/orders/",
            json!({"contact_id": contact, "line_items": [{"product_description": "Ring", "quantity": 2147483648_i64}]}),
            &s.token,
        )
        .await
        .expect(422);
    assert!(r.detail().starts_with("line_items.0.quantity: "), "{r:?}");
}

/// Rules between fields the schemas did not state, so that a body they called valid was a 422:
/// sign-up without `tenant_id` needs `tenant_name`; a deposit names `metal_id` or `metal_type`; a
/// FINE_METAL purchase names its metal and an ALLOY one none.
#[tokio::test]
async fn rules_between_fields_are_stated() {
    let doc = document();
    let any_of = |method: &str, path: &str| request_schema(&doc, method, path)["anyOf"].clone();
    assert_eq!(
        any_of("post", "/api/v1/auth/register"),
        json!([
            {"required": ["tenant_id"], "properties": {"tenant_id": {"type": "integer"}}},
            {"required": ["tenant_name"], "properties": {"tenant_name": {"type": "string"}}},
        ])
    );
    assert_eq!(
        any_of("post", "/api/v1/companies/{company_id}/metal-deposits"),
        json!([
            {"required": ["metal_id"], "properties": {"metal_id": {"type": "integer"}}},
            {"required": ["metal_type"], "properties": {"metal_type": {"type": "string"}}},
        ])
    );
    assert_eq!(
        any_of("post", "/api/v1/safe/purchases"),
        json!([
            {"required": ["metal_id"],
             "properties": {"supply_type": {"const": "FINE_METAL"}, "metal_id": {"type": "integer"}}},
            {"properties": {"supply_type": {"const": "ALLOY"}, "metal_id": {"type": "null"}}},
        ])
    );
    let deposit = resolve(&doc, &doc["components"]["schemas"]["DepositBody"]);
    assert_eq!(
        deposit["anyOf"].as_array().map(Vec::len),
        Some(3),
        "{deposit}"
    );

    // The server's side of the same rules.
    let app = TestApp::spawn().await;
    let r = app
        .call(
            "POST",
            "/api/v1/auth/register",
            crate::helpers::Body::Json(
                json!({"username": "nameless", "password": "password123", "full_name": "N"}),
            ),
            None,
        )
        .await
        .expect(422);
    assert!(r.detail().starts_with("tenant_name: "), "{r:?}");
    let s = app.signup("Rules Co", "rulesadmin").await;
    let (company, contact) = company_and_contact(&app, &s).await;
    let r = app
        .post(
            &format!("/api/v1/companies/{company}/metal-deposits"),
            json!({"quantity_grams": 1}),
            &s.token,
        )
        .await
        .expect(422);
    assert!(r.detail().starts_with("metal_id: "), "{r:?}");
    let gold = metal(&app, &s, "GOLD_24K").await;
    let r = app
        .post(
            "/api/v1/safe/purchases",
            json!({"supply_type": "ALLOY", "metal_id": gold, "quantity_grams": 1, "cost_per_gram": 1}),
            &s.token,
        )
        .await
        .expect(422);
    assert!(r.detail().starts_with("metal_id: "), "{r:?}");

    // An order's inline deposit of a type the tenant has no active metal of is a 400, which the
    // order's creation did not document.
    let created = &doc["paths"]["/api/v1/orders/"]["post"]["responses"];
    assert!(created.get("400").is_some(), "{created}");
    let metals = app.get("/api/v1/metals/", &s.token).await.expect(200);
    for m in arr(&metals.body)
        .iter()
        .filter(|m| m["metal_type"] == "PALLADIUM")
    {
        app.delete(&format!("/api/v1/metals/{}", m["id"]), &s.token)
            .await
            .expect(200);
    }
    let r = app
        .post(
            "/api/v1/orders/",
            json!({"contact_id": contact, "line_items": [{"product_description": "Ring"}],
                   "metal_deposit": {"metal_type": "PALLADIUM", "quantity_grams": 1}}),
            &s.token,
        )
        .await
        .expect(400);
    assert_eq!(r.detail(), "No active metal found for type 'PALLADIUM'");
}

/// Text formats the server parses, which the schemas left as any string: a username's characters
/// and an order's `due_date`.
#[tokio::test]
async fn text_formats_are_stated() {
    let doc = document();
    for (method, path) in [
        ("post", "/api/v1/auth/register"),
        ("post", "/api/v1/users/"),
    ] {
        let username = &request_schema(&doc, method, path)["properties"]["username"];
        assert_eq!(username["pattern"], json!("^[A-Za-z0-9._@+-]+$"), "{path}");
    }
    let due = &request_schema(&doc, "post", "/api/v1/orders/")["properties"]["due_date"];
    let forms: Vec<&Value> = due["anyOf"].as_array().unwrap().iter().collect();
    assert!(forms.iter().any(|f| f["format"] == "date-time"), "{due}");
    assert!(forms.iter().any(|f| f["format"] == "date"), "{due}");
    let local = forms
        .iter()
        .find_map(|f| f["pattern"].as_str().filter(|p| p.contains('T')))
        .unwrap();
    let update =
        &request_schema(&doc, "put", "/api/v1/orders/{order_id}")["properties"]["due_date"];
    assert_eq!(update["anyOf"], due["anyOf"]);

    let app = TestApp::spawn().await;
    let r = app
        .call(
            "POST",
            "/api/v1/auth/register",
            crate::helpers::Body::Json(json!({"username": "a b c", "password": "password123",
                                               "full_name": "A", "tenant_name": "Spaces Co"})),
            None,
        )
        .await
        .expect(422);
    assert!(r.detail().starts_with("username: "), "{r:?}");
    let s = app.signup("Dates Co", "datesadmin").await;
    let (_, contact) = company_and_contact(&app, &s).await;
    // Each documented form is taken (the local form's pattern is read from the document), and text
    // that is none of them is refused.
    assert!(local.starts_with("^[0-9]{4}-"), "{local}");
    for (sent, stored) in [
        ("2026-12-24T15:30", "2026-12-24T15:30:00Z"),
        ("2026-12-24T15:30:05.25", "2026-12-24T15:30:05.250Z"),
        ("2026-12-24T15:30:00+02:00", "2026-12-24T13:30:00Z"),
        ("2026-12-24", "2026-12-24T00:00:00Z"),
    ] {
        let r = app
            .post(
                "/api/v1/orders/",
                json!({"contact_id": contact, "due_date": sent, "line_items": [{"product_description": "Ring"}]}),
                &s.token,
            )
            .await
            .expect(201);
        let got = r.body["due_date"].as_str().unwrap();
        assert_eq!(
            chrono::DateTime::parse_from_rfc3339(got).unwrap(),
            chrono::DateTime::parse_from_rfc3339(stored).unwrap(),
            "{sent}"
        );
    }
    let r = app
        .post(
            "/api/v1/orders/",
            json!({"contact_id": contact, "due_date": "next week", "line_items": [{"product_description": "Ring"}]}),
            &s.token,
        )
        .await
        .expect(422);
    assert!(r.detail().starts_with("due_date: "), "{r:?}");
}

#[tokio::test]
async fn an_order_of_the_largest_quantities_the_schema_allows_counts_its_pieces() {
    // Two line items of 2^31 − 1 pieces each (the documented maximum) summed past int4: a 500
    // before the order's piece count became an int8.
    let app = TestApp::spawn().await;
    let s = app.signup("Fuzz Pieces Co", "fuzzpieces").await;
    let (_, contact) = company_and_contact(&app, &s).await;
    let doc = document();
    let item = request_schema(&doc, "post", "/api/v1/orders/")["properties"]["line_items"]["items"]
        .clone();
    let max = resolve(&doc, &item)["properties"]["quantity"]["maximum"]
        .as_i64()
        .unwrap();
    assert_eq!(max, i64::from(i32::MAX));
    let r = app
        .post(
            "/api/v1/orders/",
            json!({"contact_id": contact, "line_items": [
                {"product_description": "A", "quantity": max},
                {"product_description": "B", "quantity": max}]}),
            &s.token,
        )
        .await
        .expect(201);
    assert_eq!(r.body["quantity"], json!(2 * max));
    let id = r.body["id"].as_i64().unwrap();
    let list = app.get("/api/v1/orders/", &s.token).await.expect(200).body;
    assert_eq!(arr(&list)[0]["quantity"], json!(2 * max));
    // The control: an ordinary order.
    let r = app
        .put(
            &format!("/api/v1/orders/{id}"),
            json!({"line_items": [{"product_description": "C", "quantity": 3}]}),
            &s.token,
        )
        .await
        .expect(200);
    assert_eq!(r.body["quantity"], json!(3));
}
