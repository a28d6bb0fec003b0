//! Sign-up, login (form and JSON), me, refresh, logout, lockout, password change, token attacks.

use serde_json::json;

use crate::helpers::{Body, TestApp};

#[tokio::test]
async fn signup_login_form_and_json_me_refresh_logout() {
    let app = TestApp::spawn().await;
    // Sign-up creates the tenant; the user is its admin.
    let r = app
        .call(
            "POST",
            "/api/v1/auth/register",
            Body::Json(
                json!({"username": "Alice", "password": "password123", "full_name": "Alice A",
                               "email": "alice@example.com", "tenant_name": "Alice Gold"}),
            ),
            None,
        )
        .await
        .expect(200);
    assert_eq!(
        r.body["username"], "alice",
        "usernames are stored lower-case"
    );
    assert_eq!(r.body["role"], "admin");
    assert!(r.body.get("hashed_password").is_none());

    // Form login exactly as the React app sends it, with a mixed-case username.
    let form = app
        .call(
            "POST",
            "/api/v1/auth/login",
            Body::Form(&[
                ("username", "ALICE"),
                ("password", "password123"),
                ("remember_me", "true"),
            ]),
            None,
        )
        .await
        .expect(200);
    assert_eq!(form.body["token_type"], "bearer");
    let token = form.body["access_token"].as_str().unwrap().to_string();
    let refresh = form.body["refresh_token"].as_str().unwrap().to_string();

    let json_login = app
        .call(
            "POST",
            "/api/v1/auth/login",
            Body::Json(json!({"username": "alice", "password": "password123"})),
            None,
        )
        .await
        .expect(200);
    assert_ne!(
        json_login.body["refresh_token"], form.body["refresh_token"],
        "one refresh token per device"
    );

    let me = app.get("/api/v1/auth/me", &token).await.expect(200);
    for field in [
        "id",
        "username",
        "email",
        "full_name",
        "role",
        "tenant_id",
        "role_id",
        "is_active",
        "created_at",
    ] {
        assert!(
            me.body.get(field).is_some(),
            "/auth/me lacks {field}: {}",
            me.body
        );
    }
    assert_eq!(
        me.body["role"], "admin",
        "role is the role's name as a string"
    );
    assert_eq!(me.body["email"], "alice@example.com");

    // Refresh as the app does: form body, no Authorization header.
    let r = app.refresh(&refresh).await.expect(200);
    let fresh = r.body["access_token"].as_str().unwrap().to_string();
    app.get("/api/v1/auth/me", &fresh).await.expect(200);
    // Not rotated: the same refresh token keeps working.
    app.refresh(&refresh).await.expect(200);

    // Logout revokes the presented refresh token only.
    app.call(
        "POST",
        "/api/v1/auth/logout",
        Body::Json(json!({"refresh_token": refresh})),
        Some(&token),
    )
    .await
    .expect(200);
    let r = app.refresh(&refresh).await.expect(401);
    assert_eq!(r.detail(), "Invalid refresh token");
    let other_device = json_login.body["refresh_token"].as_str().unwrap();
    app.refresh(other_device).await.expect(200);

    // Logout everywhere ends access tokens at once, too.
    app.post_empty("/api/v1/auth/logout?all=true", &token)
        .await
        .expect(200);
    app.get("/api/v1/auth/me", &token).await.expect(401);
    app.get("/api/v1/auth/me", &fresh).await.expect(401);
    app.refresh(other_device).await.expect(401);
    // A new login works again.
    let s = app.login("alice", "password123").await;
    app.get("/api/v1/auth/me", &s.token).await.expect(200);
}

#[tokio::test]
async fn signup_provisions_the_tenant() {
    let app = TestApp::spawn().await;
    let s = app.signup("Provisioned", "prov").await;
    let roles = app.get("/api/v1/roles/", &s.token).await.expect(200);
    let mut names: Vec<&str> = roles
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["admin", "manager", "staff"]);
    assert!(
        roles
            .body
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["is_system_role"] == true)
    );
}

#[tokio::test]
async fn duplicate_usernames_and_subdomains_conflict() {
    let app = TestApp::spawn().await;
    app.signup("First", "dupe").await;
    let r = app
        .call(
            "POST",
            "/api/v1/auth/register",
            Body::Json(json!({"username": "DUPE", "password": "password123", "full_name": "x", "tenant_name": "Second"})),
            None,
        )
        .await
        .expect(409);
    assert_eq!(r.detail(), "Username already registered");
    app.call(
        "POST",
        "/api/v1/auth/register",
        Body::Json(json!({"username": "sub1", "password": "password123", "full_name": "x", "tenant_name": "T", "subdomain": "taken"})),
        None,
    )
    .await
    .expect(200);
    let r = app
        .call(
            "POST",
            "/api/v1/auth/register",
            Body::Json(json!({"username": "sub2", "password": "password123", "full_name": "x", "tenant_name": "T", "subdomain": "taken"})),
            None,
        )
        .await
        .expect(409);
    assert_eq!(r.detail(), "Subdomain already exists");
    // Same tenant name without a subdomain picks a free one.
    app.call(
        "POST",
        "/api/v1/auth/register",
        Body::Json(json!({"username": "sub3", "password": "password123", "full_name": "x", "tenant_name": "First"})),
        None,
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn registering_into_a_tenant_needs_its_admin() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Joinable", "joinadmin").await;
    let body = json!({"username": "joiner", "password": "password123", "full_name": "J", "tenant_id": admin.tenant_id});
    // Anonymous: refused.
    app.call(
        "POST",
        "/api/v1/auth/register",
        Body::Json(body.clone()),
        None,
    )
    .await
    .expect(401);
    // Another tenant's admin: refused.
    let other = app.signup("Other", "otheradmin").await;
    app.call(
        "POST",
        "/api/v1/auth/register",
        Body::Json(body.clone()),
        Some(&other.token),
    )
    .await
    .expect(403);
    // A staff member of the tenant: refused.
    let staff = app.user_with_role(&admin, "joinstaff", "staff").await;
    let r = app
        .call(
            "POST",
            "/api/v1/auth/register",
            Body::Json(body.clone()),
            Some(&staff.token),
        )
        .await
        .expect(403);
    assert!(r.detail().contains("users:manage"), "{}", r.detail());
    // The admin: accepted, default role staff.
    let r = app
        .call(
            "POST",
            "/api/v1/auth/register",
            Body::Json(body),
            Some(&admin.token),
        )
        .await
        .expect(200);
    assert_eq!(r.body["role"], "staff");
    assert_eq!(r.body["tenant_id"], admin.tenant_id);
    // A role id of another tenant is unknown here.
    let other_roles = app.get("/api/v1/roles/", &other.token).await.expect(200);
    let foreign_role = other_roles.body[0]["id"].clone();
    let r = app
        .call(
            "POST",
            "/api/v1/auth/register",
            Body::Json(
                json!({"username": "joiner2", "password": "password123", "full_name": "J",
                               "tenant_id": admin.tenant_id, "role_id": foreign_role}),
            ),
            Some(&admin.token),
        )
        .await
        .expect(422);
    assert!(r.detail().starts_with("role_id:"), "{}", r.detail());
}

/// `(ip, failure_reason)` of `username`'s login attempts, oldest first.
async fn attempts(app: &TestApp, username: &str) -> Vec<(String, Option<String>)> {
    crate::helpers::connect(&app.owner_url())
        .await
        .query(
            "select ip_address, failure_reason from login_history where username = $1 order by id",
            &[&username],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get::<_, Option<String>>(0).unwrap_or_default(), r.get(1)))
        .collect()
}

#[tokio::test]
async fn the_throttle_locks_the_attackers_address_not_the_owner() {
    let app = TestApp::spawn().await;
    app.signup("Locky", "locky").await;
    let attacker = "203.0.113.7";
    for i in 0..5 {
        let r = app
            .try_login_from(attacker, "locky", "wrong-pass")
            .await
            .expect(401);
        assert_eq!(r.detail(), "Incorrect username or password", "attempt {i}");
        assert_eq!(r.headers.get("www-authenticate").unwrap(), "Bearer");
    }
    // From the attacker's address even the right password is refused, with the same answer.
    let r = app
        .try_login_from(attacker, "locky", "password123")
        .await
        .expect(401);
    assert_eq!(r.detail(), "Incorrect username or password");
    // The owner, at their own address, logs in.
    app.try_login_from("198.51.100.1", "locky", "password123")
        .await
        .expect(200);
    let tried = attempts(&app, "locky").await;
    assert_eq!(
        tried.len(),
        8,
        "sign-up login + 5 failures + 1 throttled + 1 success"
    );
    assert_eq!(
        tried[5],
        (attacker.to_string(), Some("invalid_credentials".into()))
    );
    assert_eq!(tried[6], (attacker.to_string(), Some("throttled".into())));
    assert_eq!(tried[7], ("198.51.100.1".to_string(), None));

    // The lock ends with its window (moved back here, as time would move it).
    let owner = crate::helpers::connect(&app.owner_url()).await;
    owner
        .execute(
            "update login_throttle set locked_until = now() - interval '1 second',
                    window_start = now() - interval '1 hour'",
            &[],
        )
        .await
        .unwrap();
    app.try_login_from(attacker, "locky", "password123")
        .await
        .expect(200);
}

#[tokio::test]
async fn unknown_usernames_are_throttled_like_known_ones() {
    let app = TestApp::spawn().await;
    app.signup("Known Co", "known").await;
    for name in ["known", "nobody"] {
        for _ in 0..5 {
            let r = app
                .try_login_from("203.0.113.9", name, "wrong-pass")
                .await
                .expect(401);
            assert_eq!(r.detail(), "Incorrect username or password");
        }
        let r = app
            .try_login_from("203.0.113.9", name, "password123")
            .await
            .expect(401);
        assert_eq!(r.detail(), "Incorrect username or password");
        let last = attempts(&app, name).await.pop().unwrap();
        assert_eq!(last.1.as_deref(), Some("throttled"), "{name}");
    }
}

#[tokio::test]
async fn a_distributed_guess_hits_the_per_username_cap() {
    let app = TestApp::spawn_with(&[("MAX_LOGIN_ATTEMPTS_PER_USERNAME", "8")], false).await;
    app.signup("Cap Co", "capped").await;
    // Positive control first: below the cap the right password works from a new address.
    for i in 0..7 {
        app.try_login_from(&format!("192.0.2.{i}"), "capped", "wrong-pass")
            .await
            .expect(401);
    }
    app.try_login_from("192.0.2.200", "capped", "password123")
        .await
        .expect(200);
    // The eighth failure, from yet another address, locks the username everywhere.
    app.try_login_from("192.0.2.7", "capped", "wrong-pass")
        .await
        .expect(401);
    let r = app
        .try_login_from("192.0.2.201", "capped", "password123")
        .await
        .expect(401);
    assert_eq!(r.detail(), "Incorrect username or password");
    assert_eq!(
        attempts(&app, "capped").await.pop().unwrap().1.as_deref(),
        Some("throttled")
    );
}

#[tokio::test]
async fn the_client_address_is_api_gateways_not_a_forwarded_for_header() {
    let app = TestApp::spawn().await;
    app.signup("Spoof Co", "spoofer").await;
    for _ in 0..5 {
        app.call_from(
            "203.0.113.50",
            "POST",
            "/api/v1/auth/login",
            Body::Form(&[("username", "spoofer"), ("password", "wrong-pass")]),
            None,
            &[("x-forwarded-for", "10.0.0.1")],
        )
        .await
        .expect(401);
    }
    let tried = attempts(&app, "spoofer").await;
    assert_eq!(tried.last().unwrap().0, "203.0.113.50");
    // Writing another X-Forwarded-For does not get the attacker a fresh count.
    let r = app
        .call_from(
            "203.0.113.50",
            "POST",
            "/api/v1/auth/login",
            Body::Form(&[("username", "spoofer"), ("password", "password123")]),
            None,
            &[("x-forwarded-for", "10.9.9.9")],
        )
        .await
        .expect(401);
    assert_eq!(r.detail(), "Incorrect username or password");
}

#[tokio::test]
async fn unknown_users_are_recorded_and_refused_like_wrong_passwords() {
    let app = TestApp::spawn().await;
    let r = app.try_login("ghost", "whatever1").await.expect(401);
    assert_eq!(r.detail(), "Incorrect username or password");
    let owner = crate::helpers::connect(&app.owner_url()).await;
    let row = owner
        .query_one(
            "select tenant_id, success, failure_reason from login_history where username = 'ghost'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, Option<i64>>(0), None);
    assert!(!row.get::<_, bool>(1));
    assert_eq!(
        row.get::<_, Option<String>>(2).as_deref(),
        Some("invalid_credentials")
    );
}

#[tokio::test]
async fn inactive_users_and_tenants_cannot_log_in_or_use_tokens() {
    let app = TestApp::spawn().await;
    let s = app.signup("Sleepy", "sleepy").await;
    let owner = crate::helpers::connect(&app.owner_url()).await;
    owner
        .execute(
            "update tenants set is_active = false where id = $1",
            &[&s.tenant_id],
        )
        .await
        .unwrap();
    // The existing token stops working at once.
    app.get("/api/v1/auth/me", &s.token).await.expect(401);
    let r = app.try_login("sleepy", "password123").await.expect(401);
    assert_eq!(
        r.detail(),
        "Incorrect username or password",
        "as for a wrong password"
    );
    app.refresh(&s.refresh).await.expect(401);
}

#[tokio::test]
async fn password_change_revokes_other_sessions() {
    let app = TestApp::spawn().await;
    let first = app.signup("Pw", "pwuser").await;
    let second = app.login("pwuser", "password123").await;
    let r = app
        .put(
            "/api/v1/auth/me/password",
            json!({"current_password": "nope-nope", "new_password": "newpassword1"}),
            &first.token,
        )
        .await
        .expect(400);
    assert_eq!(r.detail(), "Current password is incorrect");
    app.put(
        "/api/v1/auth/me/password",
        json!({"current_password": "password123", "new_password": "short"}),
        &first.token,
    )
    .await
    .expect(422);
    let r = app
        .put(
            "/api/v1/auth/me/password",
            json!({"current_password": "password123", "new_password": "newpassword1"}),
            &first.token,
        )
        .await
        .expect(200);
    let new_token = r.body["access_token"].as_str().unwrap();
    app.get("/api/v1/auth/me", new_token).await.expect(200);
    app.get("/api/v1/auth/me", &second.token).await.expect(401);
    app.get("/api/v1/auth/me", &first.token).await.expect(401);
    app.refresh(&second.refresh).await.expect(401);
    app.try_login("pwuser", "password123").await.expect(401);
    app.login("pwuser", "newpassword1").await;
}

#[tokio::test]
async fn bad_tokens_are_rejected() {
    let app = TestApp::spawn().await;
    let s = app.signup("Tok", "tokuser").await;
    let parts: Vec<&str> = s.token.split('.').collect();
    // alg: none with the same payload.
    let none_header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"; // {"alg":"none","typ":"JWT"}
    let forged = format!("{none_header}.{}.", parts[1]);
    let r = app.get("/api/v1/auth/me", &forged).await.expect(401);
    assert_eq!(r.detail(), "Could not validate credentials");
    // Signed with another key.
    let other = TestApp::spawn_with(
        &[("SECRET_KEY", "a-completely-different-secret-key-0000000")],
        false,
    )
    .await;
    let foreign = other
        .ctx
        .jwt()
        .issue("tokuser", s.user_id, s.tenant_id, "admin")
        .unwrap()
        .0;
    app.get("/api/v1/auth/me", &foreign).await.expect(401);
    // Expired.
    let mut claims = app.ctx.jwt().verify(&s.token).unwrap();
    claims.exp = claims.iat - 10;
    let expired = jsonwebtoken_encode(&claims);
    app.get("/api/v1/auth/me", &expired).await.expect(401);
    // Garbage, wrong scheme, missing header.
    app.get("/api/v1/auth/me", "not.a.token").await.expect(401);
    app.call("GET", "/api/v1/auth/me", Body::None, None)
        .await
        .expect(401);
    app.call_with_headers(
        "GET",
        "/api/v1/auth/me",
        Body::None,
        None,
        &[("authorization", &format!("Basic {}", s.token))],
    )
    .await
    .expect(401);
    // Another tenant's claims in a token signed with our key: the user is not in that tenant.
    let mut swapped = app.ctx.jwt().verify(&s.token).unwrap();
    swapped.tenant_id += 1000;
    app.get("/api/v1/auth/me", &jsonwebtoken_encode(&swapped))
        .await
        .expect(401);
    // A payload edited under the original signature.
    let mut edited = app.ctx.jwt().verify(&s.token).unwrap();
    edited.user_id += 1;
    let payload = jsonwebtoken_encode(&edited);
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        payload.split('.').nth(1).unwrap(),
        parts[2]
    );
    app.get("/api/v1/auth/me", &tampered).await.expect(401);

    // A staff token re-signed (with our key) as `admin`: the role's permissions come from the
    // database, so it is still refused what staff may not do; its own token is the control.
    let staff = app.user_with_role(&s, "tokstaff", "staff").await;
    let users = "/api/v1/users/";
    app.get(users, &staff.token).await.expect(403);
    let mut promoted = app.ctx.jwt().verify(&staff.token).unwrap();
    promoted.role = "admin".into();
    let r = app
        .get(users, &jsonwebtoken_encode(&promoted))
        .await
        .expect(403);
    assert!(r.detail().contains("users:"), "{}", r.detail());
    app.get(users, &s.token).await.expect(200);
}

/// Sign claims with the test key (the tests share `helpers::test_config`'s SECRET_KEY).
fn jsonwebtoken_encode(claims: &shared::auth::jwt::Claims) -> String {
    testkit::jwt::sign_with_secret(claims, "test-secret-key-test-secret-key-0123456789")
}

#[tokio::test]
async fn bad_and_oversized_input_is_a_4xx_with_a_string_detail() {
    let app = TestApp::spawn().await;
    let cases: Vec<(serde_json::Value, &str)> = vec![
        (
            json!({"password": "password123", "full_name": "x", "tenant_name": "t"}),
            "username: Field required",
        ),
        (
            json!({"username": "ok-name", "password": "short", "full_name": "x", "tenant_name": "t"}),
            "password: must be at least 8 characters",
        ),
        (
            json!({"username": "ok-name", "password": "x".repeat(73), "full_name": "x", "tenant_name": "t"}),
            "password: must be at most 72 bytes",
        ),
        (
            json!({"username": "a".repeat(10_000), "password": "password123", "full_name": "x", "tenant_name": "t"}),
            "username: must be 3 to 50 characters",
        ),
        (
            json!({"username": "ok-name", "password": "password123", "full_name": "x", "tenant_name": "t".repeat(300)}),
            "tenant_name: must be at most 255 characters",
        ),
        (
            json!({"username": "ok-name", "password": "password123", "full_name": "x", "tenant_name": "t", "email": "nope"}),
            "email: value is not a valid email address",
        ),
        (
            json!({"username": 5, "password": "password123", "full_name": "x", "tenant_name": "t"}),
            "username: invalid type: integer `5`, expected a string",
        ),
        (
            json!({"username": "ok-name", "password": "password123", "full_name": "x"}),
            "tenant_name: Field required",
        ),
    ];
    for (body, detail) in cases {
        let r = app
            .call(
                "POST",
                "/api/v1/auth/register",
                Body::Json(body.clone()),
                None,
            )
            .await
            .expect(422);
        assert_eq!(r.detail(), detail, "for body {body}");
        assert!(r.body["errors"].is_array());
    }
    // Not JSON at all, an empty body, and a 2 MB body.
    let r = app
        .call(
            "POST",
            "/api/v1/auth/register",
            Body::Raw("application/json", b"{not json".to_vec()),
            None,
        )
        .await
        .expect(422);
    r.detail();
    app.call(
        "POST",
        "/api/v1/auth/register",
        Body::Raw("application/json", vec![]),
        None,
    )
    .await
    .expect(422);
    let huge = format!("{{\"username\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let r = app
        .call(
            "POST",
            "/api/v1/auth/register",
            Body::Raw("application/json", huge.into_bytes()),
            None,
        )
        .await
        .expect(413);
    assert!(r.detail().contains("larger than"), "{}", r.detail());
    // Login with a form missing the password, and with a 1 MB password: 422, not 500.
    app.call(
        "POST",
        "/api/v1/auth/login",
        Body::Form(&[("username", "x")]),
        None,
    )
    .await
    .expect(422);
    let big = "p".repeat(100_000);
    app.try_login("x", &big).await.expect(422);
    // Bad query parameter types.
    let s = app.signup("Q", "quser").await;
    app.get("/api/v1/auth/login-history?limit=abc", &s.token)
        .await
        .expect(422);
    app.get("/api/v1/auth/login-history?limit=0", &s.token)
        .await
        .expect(422);
}
