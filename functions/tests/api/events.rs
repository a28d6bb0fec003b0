//! The `events/` fixtures (written by `cargo xtask gen`) are what `sam local invoke -e` hands a
//! function: each must parse as the event Lambda delivers, be routed by the route table to the
//! endpoint its file is named after, and, dispatched in-process to that endpoint with a token, get an
//! answer of the endpoint's own (not a 401/403 of the plumbing, not a 5xx). The login fixture logs in
//! the demo admin, so it returns tokens against the local stack.

use serde_json::{Value, json};
use shared::http::endpoint::dispatch;
use testkit::event::to_request;

use crate::helpers::{Body, TestApp};

fn fixture(id: &str) -> Value {
    let path = format!("{}/../events/{id}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e} (run `cargo xtask gen`)"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: not JSON: {e}"))
}

fn with_token(mut event: Value, token: &str) -> Value {
    let bearer = format!("Bearer {token}");
    event["headers"]["Authorization"] = json!(bearer);
    event["multiValueHeaders"]["Authorization"] = json!([bearer]);
    event
}

#[tokio::test]
async fn every_event_fixture_parses_routes_to_its_endpoint_and_reaches_it() {
    let app = TestApp::spawn().await;
    // The demo admin's credentials, which the login fixture carries.
    app.call(
        "POST",
        "/api/v1/auth/register",
        Body::Json(json!({
            "username": "admin", "password": "admin123", "full_name": "Demo Admin",
            "tenant_name": "Demo Jewelers"
        })),
        None,
    )
    .await
    .expect(200);
    let admin = app.login("admin", "admin123").await;

    let mut checked = 0;
    for ep in functions::routes::ROUTES {
        let event = fixture(ep.id);
        let method = event["httpMethod"].as_str().unwrap_or_default().to_string();
        let path = event["path"].as_str().unwrap_or_default().to_string();
        let (routed, params) = functions::routes::find(&method, &path)
            .unwrap_or_else(|| panic!("{}: no route for {method} {path}", ep.id));
        assert_eq!(routed.id, ep.id, "{method} {path} routes elsewhere");
        for (name, value) in &params {
            assert_eq!(
                event["pathParameters"][name], *value,
                "{}: pathParameters.{name} disagrees with the path",
                ep.id
            );
        }

        let req = to_request(&with_token(event, &admin.token))
            .unwrap_or_else(|e| panic!("{}: not a lambda_http event: {e}", ep.id));
        let resp = dispatch(&app.ctx, ep, req).await;
        let status = resp.status().as_u16();
        assert!(
            matches!(status, 200 | 201 | 204 | 400 | 404 | 409 | 422),
            "{}: the fixture got {status}, not an answer of the endpoint's own",
            ep.id
        );
        checked += 1;
    }
    assert_eq!(checked, functions::routes::ROUTES.len());

    // Positive control of the reach: the login fixture really logs in, health/db really answers.
    let resp = dispatch(
        &app.ctx,
        functions::routes::find("POST", "/api/v1/auth/login")
            .unwrap()
            .0,
        to_request(&fixture("auth_login")).unwrap(),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 200);
    let body = match resp.into_body() {
        lambda_http::Body::Text(t) => t,
        lambda_http::Body::Binary(b) => String::from_utf8_lossy(&b).into_owned(),
        lambda_http::Body::Empty => String::new(),
        _ => String::from("an unexpected body kind"),
    };
    assert!(body.contains("access_token"), "{body}");
    // And the negative: without the token the same fixtures meet the authentication they need.
    let me = dispatch(
        &app.ctx,
        functions::routes::find("GET", "/api/v1/auth/me").unwrap().0,
        to_request(&fixture("auth_me")).unwrap(),
    )
    .await;
    assert_eq!(me.status().as_u16(), 401);
}
