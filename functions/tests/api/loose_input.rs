//! Input that used to be read too loosely: bodies that are not JSON objects, bodies in a content
//! type the endpoint does not take, oversized bodies, tokens from the future, and a misnamed field
//! where ignoring it would silently change what a request does.

use serde_json::{Value, json};

use crate::helpers::{Body, TestApp, arr, connect};

const COMPANIES: &str = "/api/v1/companies-v2/";

async fn company_count(app: &TestApp) -> i64 {
    connect(&app.owner_url())
        .await
        .query_one("select count(*) from companies", &[])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn only_a_json_object_is_a_json_body() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Strict Body", "strictbody").await;
    let raw = |ct: &'static str, body: &str| Body::Raw(ct, body.as_bytes().to_vec());
    let send = |body: Body<'static>| app.call("POST", COMPANIES, body, Some(&admin.token));

    // The old API mapped an array onto the fields by position and created a company.
    for body in [
        r#"["positional-co","addr",null,null]"#,
        "\"a string\"",
        "42",
        "null",
    ] {
        let r = send(raw("application/json", body)).await.expect(422);
        assert_eq!(r.detail(), "the body must be a JSON object", "{body}");
    }
    // Labelled as anything but JSON: 415, however JSON-like the bytes are.
    for ct in [
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/x-www-form-urlencoded",
        "application/xml",
    ] {
        let r = send(raw(ct, r#"{"name":"Labelled Co"}"#)).await.expect(415);
        assert!(
            r.detail().contains("application/json"),
            "{ct}: {}",
            r.detail()
        );
    }
    assert_eq!(company_count(&app).await, 0, "nothing was created");

    // Positive controls: JSON with a charset, a +json type, and an unlabelled object.
    send(raw(
        "application/json; charset=utf-8",
        r#"{"name":"Charset Co"}"#,
    ))
    .await
    .expect(200);
    send(raw(
        "application/merge-patch+json",
        r#"{"name":"Patch Co"}"#,
    ))
    .await
    .expect(200);
    let unlabelled = app
        .call_with_headers("POST", COMPANIES, Body::None, Some(&admin.token), &[])
        .await;
    assert_eq!(unlabelled.status, 422, "no body at all is still a 422");
    assert_eq!(company_count(&app).await, 2);
}

#[tokio::test]
async fn login_takes_a_form_or_json_and_bodiless_posts_work_whatever_their_label() {
    let app = TestApp::spawn().await;
    app.signup("Label Co", "labeladmin").await;
    let login = |ct: &'static str, body: &'static str| {
        app.call(
            "POST",
            "/api/v1/auth/login",
            Body::Raw(ct, body.as_bytes().to_vec()),
            None,
        )
    };
    login(
        "application/x-www-form-urlencoded",
        "username=labeladmin&password=password123",
    )
    .await
    .expect(200);
    login(
        "application/json",
        r#"{"username":"labeladmin","password":"password123"}"#,
    )
    .await
    .expect(200);
    let r = login(
        "text/plain",
        r#"{"username":"labeladmin","password":"password123"}"#,
    )
    .await
    .expect(415);
    assert!(r.detail().contains("application/x-www-form-urlencoded"));
    let r = login("multipart/form-data; boundary=x", "--x--")
        .await
        .expect(415);
    assert!(r.body["detail"].is_string());

    // The app posts some actions with no body, possibly still labelled JSON.
    let s = app.login("labeladmin", "password123").await;
    let r = app
        .call(
            "POST",
            "/api/v1/lookup-values/seed",
            Body::Raw("application/json", Vec::new()),
            Some(&s.token),
        )
        .await;
    assert!(r.status < 300, "seed without a body: {r:?}");
    app.call(
        "POST",
        "/api/v1/auth/logout",
        Body::Raw("application/json", Vec::new()),
        Some(&s.token),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn an_oversized_body_is_a_413_with_a_detail() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Big Body", "bigbody").await;
    let big = format!(
        r#"{{"name":"{}"}}"#,
        "x".repeat(shared::http::call::MAX_BODY_BYTES)
    );
    let r = app
        .call(
            "POST",
            COMPANIES,
            Body::Raw("application/json", big.into_bytes()),
            Some(&admin.token),
        )
        .await
        .expect(413);
    assert!(r.detail().contains("larger than"), "{}", r.detail());
    assert_eq!(company_count(&app).await, 0);
    app.post(COMPANIES, json!({"name": "Small Co"}), &admin.token)
        .await
        .expect(200);
}

#[tokio::test]
async fn a_token_issued_in_the_future_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Time Co", "timeadmin").await;
    let me = |token: String| {
        let app = &app;
        async move { app.get("/api/v1/auth/me", &token).await }
    };
    let now = chrono::Utc::now().timestamp();
    let token = |iat: i64| {
        let claims = shared::auth::jwt::Claims {
            sub: "timeadmin".into(),
            user_id: admin.user_id,
            tenant_id: admin.tenant_id,
            role: "admin".into(),
            iat,
            iat_ms: iat * 1000,
            exp: iat + 3600,
            jti: "future".into(),
        };
        testkit::jwt::sign_with_secret(&claims, "test-secret-key-test-secret-key-0123456789")
    };
    me(token(now)).await.expect(200);
    let r = me(token(now + 3600)).await.expect(401);
    assert!(r.body["detail"].is_string());
}

#[tokio::test]
async fn a_role_with_a_misnamed_permission_list_is_refused_not_left_without_permissions() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Role Names", "rolenames").await;
    let perms = app
        .get("/api/v1/roles/permissions", &admin.token)
        .await
        .expect(200)
        .body;
    let first = arr(&perms)[0]["id"].as_i64().unwrap();
    let r = app
        .post(
            "/api/v1/roles/",
            json!({"name": "Clerk", "permissions": [first]}),
            &admin.token,
        )
        .await
        .expect(422);
    assert!(
        r.detail().starts_with("permissions: unknown field"),
        "{}",
        r.detail()
    );
    let created = app
        .post(
            "/api/v1/roles/",
            json!({"name": "Clerk", "permission_ids": [first]}),
            &admin.token,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(arr(&created["permissions"]).len(), 1);
    let id = created["id"].as_i64().unwrap();
    let r = app
        .put(
            &format!("/api/v1/roles/{id}"),
            json!({"permissions": []}),
            &admin.token,
        )
        .await
        .expect(422);
    assert!(r.detail().starts_with("permissions: unknown field"));
    // Elsewhere unknown fields are ignored: the order edit form echoes back what it read.
    let c = app
        .post(
            COMPANIES,
            json!({"name": "Echo Co", "contacts": [], "id": 99}),
            &admin.token,
        )
        .await
        .expect(200);
    assert_eq!(c.body["name"], "Echo Co");
    assert_ne!(c.body["id"], Value::from(99));
}
