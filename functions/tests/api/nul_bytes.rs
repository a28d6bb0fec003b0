//! NUL (U+0000) in any string input: PostgreSQL text cannot hold it (the driver's error used to be a
//! 500) and bcrypt stops at it, so every form field, query parameter, JSON string and JSON key carrying
//! one is a 422 naming where it was, before anything is written. Each refusal has a positive control:
//! the same request without the NUL succeeds.

use serde_json::json;

use crate::crm_fixtures::{company, contact};
use crate::helpers::{Body, Session, TestApp, connect};
use crate::orders::metal_id;

/// Rows of `table` in the test's database, counted as the owner (no RLS, no endpoint involved).
async fn count(app: &TestApp, table: &str) -> i64 {
    connect(&app.owner_url())
        .await
        .query_one(&format!("select count(*) from {table}"), &[])
        .await
        .unwrap()
        .get(0)
}

#[track_caller]
fn assert_names(r: &crate::helpers::Resp, field: &str) {
    let detail = r.detail();
    assert!(
        detail.starts_with(&format!("{field}: ")) && detail.contains("NUL"),
        "detail must name {field} and the NUL: {detail:?}"
    );
}

#[tokio::test]
async fn login_form_fields_with_nul_are_422_and_record_no_attempt() {
    let app = TestApp::spawn().await;
    app.signup("Nul Login", "nullogin").await;
    let attempts = count(&app, "login_history").await;

    for (username, password, field) in [
        ("a\0b", "password123", "username"),
        ("nullogin", "password123\0", "password"),
        ("nullogin", "\0", "password"),
    ] {
        let r = app.try_login(username, password).await.expect(422);
        assert_names(&r, field);
    }
    assert_eq!(
        count(&app, "login_history").await,
        attempts,
        "a refused form records no login attempt"
    );
    // The same form without the NUL logs in (and is recorded).
    app.try_login("nullogin", "password123").await.expect(200);
    assert_eq!(count(&app, "login_history").await, attempts + 1);
}

#[tokio::test]
async fn json_login_and_signup_passwords_with_nul_are_422() {
    let app = TestApp::spawn().await;
    let users = count(&app, "users").await;
    let signup = |password: &'static str| json!({"username": "nulsign", "password": password, "full_name": "N", "tenant_name": "Nul Sign"});
    let r = app
        .call(
            "POST",
            "/api/v1/auth/register",
            Body::Json(signup("password\u{0}123")),
            None,
        )
        .await
        .expect(422);
    assert_names(&r, "password");
    assert_eq!(count(&app, "users").await, users, "no user written");
    app.call(
        "POST",
        "/api/v1/auth/register",
        Body::Json(signup("password123")),
        None,
    )
    .await
    .expect(200);

    let r = app
        .call(
            "POST",
            "/api/v1/auth/login",
            Body::Json(json!({"username": "nulsign", "password": "pass\u{0}"})),
            None,
        )
        .await
        .expect(422);
    assert_names(&r, "password");
    app.call(
        "POST",
        "/api/v1/auth/login",
        Body::Json(json!({"username": "nulsign", "password": "password123"})),
        None,
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn a_search_parameter_with_nul_is_422() {
    let app = TestApp::spawn().await;
    let s = app.signup("Nul Search", "nulsearch").await;
    for list in ["/api/v1/companies-v2/", "/api/v1/contacts/"] {
        let r = app.get(&format!("{list}?search=%00"), &s.token).await;
        let r = r.expect(422);
        assert_names(&r, "search");
        let r = app.get(&format!("{list}?search=a%00b"), &s.token).await;
        assert_names(&r.expect(422), "search");
        app.get(&format!("{list}?search=ab"), &s.token)
            .await
            .expect(200);
    }
}

#[tokio::test]
async fn a_json_field_with_nul_is_422_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let s = app.signup("Nul Json", "nuljson").await;
    let before = count(&app, "companies").await;
    let r = app
        .post(
            "/api/v1/companies-v2/",
            json!({"name": "a\u{0}b"}),
            &s.token,
        )
        .await
        .expect(422);
    assert_names(&r, "name");
    assert_eq!(count(&app, "companies").await, before);
    app.post("/api/v1/companies-v2/", json!({"name": "ab"}), &s.token)
        .await
        .expect(200);
    assert_eq!(count(&app, "companies").await, before + 1);
}

async fn order_fixture(app: &TestApp) -> (Session, i64, i64) {
    let s = app.signup("Nul Order", "nulorder").await;
    let acme = company(app, &s, "Acme").await;
    let ann = contact(app, &s, acme, "Ann Lee").await;
    let gold = metal_id(app, &s, "GOLD_18K").await;
    (s, ann, gold)
}

#[tokio::test]
async fn nested_json_fields_with_nul_are_422_naming_the_path_and_write_nothing() {
    let app = TestApp::spawn().await;
    let (s, ann, gold) = order_fixture(&app).await;
    let order = |description: &str, notes: &str| {
        json!({"contact_id": ann,
               "line_items": [{"product_description": "Ring", "quantity": 1},
                              {"product_description": description, "quantity": 1}],
               "metal_deposit": {"metal_id": gold, "quantity_grams": 1.5, "notes": notes}})
    };
    let (orders, deposits) = (
        count(&app, "orders").await,
        count(&app, "metal_transactions").await,
    );
    let r = app
        .post("/api/v1/orders/", order("Pen\u{0}dant", "fine"), &s.token)
        .await
        .expect(422);
    assert_names(&r, "line_items.1.product_description");
    let r = app
        .post("/api/v1/orders/", order("Pendant", "\u{0}"), &s.token)
        .await
        .expect(422);
    assert_names(&r, "metal_deposit.notes");
    assert_eq!(count(&app, "orders").await, orders, "no order written");
    assert_eq!(count(&app, "metal_transactions").await, deposits);

    app.post("/api/v1/orders/", order("Pendant", "fine"), &s.token)
        .await
        .expect(201);
    assert_eq!(count(&app, "orders").await, orders + 1);
    assert_eq!(count(&app, "metal_transactions").await, deposits + 1);
}

#[tokio::test]
async fn a_json_key_with_nul_is_422_naming_the_key() {
    let app = TestApp::spawn().await;
    let s = app.signup("Nul Key", "nulkey").await;
    let before = count(&app, "companies").await;
    let r = app
        .post(
            "/api/v1/companies-v2/",
            json!({"name": "Acme", "no\u{0}te": "x"}),
            &s.token,
        )
        .await
        .expect(422);
    assert_names(&r, "no\\u0000te");
    // Nested too: the key is named under its object.
    let beta = company(&app, &s, "Beta").await;
    let bo = contact(&app, &s, beta, "Bo").await;
    let r = app
        .post(
            "/api/v1/orders/",
            json!({"contact_id": bo, "line_items": [{"product_description": "Ring", "\u{0}": 1}]}),
            &s.token,
        )
        .await
        .expect(422);
    assert_names(&r, "line_items.0.\\u0000");
    assert_eq!(count(&app, "companies").await, before + 1, "only Beta");
    // Unknown keys without a NUL are ignored, as before.
    app.post(
        "/api/v1/companies-v2/",
        json!({"name": "Acme", "note": "x"}),
        &s.token,
    )
    .await
    .expect(200);
}
