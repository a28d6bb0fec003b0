//! User management: `/api/v1/users/*` (permission `users:manage`).

use serde_json::{Value, json};

use crate::helpers::{Body, TestApp, ids};

#[tokio::test]
async fn admin_creates_lists_gets_and_updates_users() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Users Co", "usersadmin").await;
    let manager_role = app.role_id(&admin, "manager").await;
    let staff_role = app.role_id(&admin, "staff").await;

    let r = app
        .post(
            "/api/v1/users/",
            json!({"username": "Bob.Smith", "password": "password123", "full_name": " Bob Smith ",
                   "email": "bob@example.com", "role_id": manager_role}),
            &admin.token,
        )
        .await
        .expect(201);
    let bob = r.body["id"].as_i64().unwrap();
    assert_eq!(r.body["username"], "bob.smith", "usernames are lower-cased");
    assert_eq!(r.body["full_name"], "Bob Smith");
    assert_eq!(r.body["email"], "bob@example.com");
    assert_eq!(r.body["role"], "manager");
    assert_eq!(r.body["role_id"], manager_role);
    assert_eq!(r.body["tenant_id"], admin.tenant_id);
    assert_eq!(r.body["is_active"], true);
    assert!(r.body["created_at"].is_string());
    assert!(r.body.get("hashed_password").is_none());

    // The new user can log in with the role the admin gave.
    let bob_session = app.login("BOB.SMITH", "password123").await;
    let me = app
        .get("/api/v1/auth/me", &bob_session.token)
        .await
        .expect(200);
    assert_eq!(me.body["role"], "manager");

    let list = app.get("/api/v1/users/", &admin.token).await.expect(200);
    let mut listed = ids(&list.body);
    listed.sort();
    assert_eq!(listed, vec![admin.user_id, bob]);
    assert!(
        list.body
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["role"].is_string())
    );

    let r = app
        .get(&format!("/api/v1/users/{bob}"), &admin.token)
        .await
        .expect(200);
    assert_eq!(r.body["username"], "bob.smith");

    // Partial update: only the fields given change; null e-mail clears it.
    let r = app
        .put(
            &format!("/api/v1/users/{bob}"),
            json!({"full_name": "Robert Smith", "role_id": staff_role}),
            &admin.token,
        )
        .await
        .expect(200);
    assert_eq!(r.body["full_name"], "Robert Smith");
    assert_eq!(r.body["role"], "staff");
    assert_eq!(r.body["email"], "bob@example.com");
    let r = app
        .put(
            &format!("/api/v1/users/{bob}"),
            json!({"email": null}),
            &admin.token,
        )
        .await
        .expect(200);
    assert_eq!(r.body["email"], Value::Null);
    assert_eq!(r.body["full_name"], "Robert Smith");
    // A role change applies at once, without logging in again.
    let me = app
        .get("/api/v1/auth/me", &bob_session.token)
        .await
        .expect(200);
    assert_eq!(me.body["role"], "staff");
}

#[tokio::test]
async fn creating_users_validates_input() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Valid Co", "validadmin").await;
    let staff_role = app.role_id(&admin, "staff").await;
    let base = json!({"username": "newbie", "password": "password123", "full_name": "New", "role_id": staff_role});
    let cases: Vec<(&str, Value, &str)> = vec![
        ("short password", json!({"password": "short"}), "password:"),
        (
            "long password",
            json!({"password": "x".repeat(73)}),
            "password:",
        ),
        ("bad username", json!({"username": "a b"}), "username:"),
        ("blank full name", json!({"full_name": "  "}), "full_name:"),
        ("bad e-mail", json!({"email": "nope"}), "email:"),
        ("unknown role", json!({"role_id": 999999}), "role_id:"),
        ("zero role", json!({"role_id": 0}), "role_id:"),
        ("role as text", json!({"role_id": "staff"}), "role_id"),
    ];
    for (what, patch, prefix) in cases {
        let mut body = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = app.post("/api/v1/users/", body, &admin.token).await;
        assert_eq!(r.status, 422, "{what}: {r:?}");
        assert!(r.detail().starts_with(prefix), "{what}: {}", r.detail());
    }
    let mut missing = base.clone();
    missing.as_object_mut().unwrap().remove("role_id");
    let r = app
        .post("/api/v1/users/", missing, &admin.token)
        .await
        .expect(422);
    assert!(r.detail().contains("role_id"), "{}", r.detail());
    // Taken usernames (case-insensitively) conflict.
    let mut dupe = base.clone();
    dupe["username"] = json!("ValidAdmin");
    let r = app
        .post("/api/v1/users/", dupe, &admin.token)
        .await
        .expect(409);
    assert_eq!(r.detail(), "Username already registered");
    // Updates validate too.
    let path = format!("/api/v1/users/{}", admin.user_id);
    for (body, prefix) in [
        (json!({"full_name": ""}), "full_name:"),
        (json!({"email": "x@"}), "email:"),
        (json!({"password": "1234"}), "password:"),
        (json!({"role_id": 999999}), "role_id:"),
        (json!({"is_active": "maybe"}), "is_active"),
    ] {
        let r = app.put(&path, body.clone(), &admin.token).await;
        assert_eq!(r.status, 422, "{body}: {r:?}");
        assert!(r.detail().starts_with(prefix), "{body}: {}", r.detail());
    }
    let r = app.get("/api/v1/users/abc", &admin.token).await.expect(422);
    assert!(r.detail().starts_with("user_id"), "{}", r.detail());
}

#[tokio::test]
async fn user_management_needs_users_manage() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Perm Co", "permadmin").await;
    let manager = app.user_with_role(&admin, "permmanager", "manager").await;
    let staff = app.user_with_role(&admin, "permstaff", "staff").await;
    let staff_role = app.role_id(&admin, "staff").await;
    let target = format!("/api/v1/users/{}", staff.user_id);
    for s in [&manager, &staff] {
        let r = app.get("/api/v1/users/", &s.token).await.expect(403);
        assert!(r.detail().contains("users:manage"), "{}", r.detail());
        app.get(&target, &s.token).await.expect(403);
        app.post(
            "/api/v1/users/",
            json!({"username": "sneaky", "password": "password123", "full_name": "S", "role_id": staff_role}),
            &s.token,
        )
        .await
        .expect(403);
        app.put(&target, json!({"is_active": false}), &s.token)
            .await
            .expect(403);
        app.delete(&target, &s.token).await.expect(403);
    }
    // Nobody can promote themselves either.
    let admin_role = app.role_id(&admin, "admin").await;
    app.put(&target, json!({"role_id": admin_role}), &staff.token)
        .await
        .expect(403);
    // Without a token: 401.
    app.call("GET", "/api/v1/users/", Body::None, None)
        .await
        .expect(401);
}

#[tokio::test]
async fn another_tenants_users_are_invisible() {
    let app = TestApp::spawn().await;
    let a = app.signup("Tenant A", "admina").await;
    let b = app.signup("Tenant B", "adminb").await;
    let b_staff = app.user_with_role(&b, "bstaff", "staff").await;
    let a_staff_role = app.role_id(&a, "staff").await;
    let b_manager_role = app.role_id(&b, "manager").await;

    let list = app.get("/api/v1/users/", &a.token).await.expect(200);
    assert_eq!(ids(&list.body), vec![a.user_id]);

    for id in [b.user_id, b_staff.user_id] {
        let path = format!("/api/v1/users/{id}");
        let r = app.get(&path, &a.token).await.expect(404);
        assert_eq!(r.detail(), format!("User with id {id} not found"));
        app.put(&path, json!({"full_name": "Hijacked"}), &a.token)
            .await
            .expect(404);
        app.put(&path, json!({"role_id": a_staff_role}), &a.token)
            .await
            .expect(404);
        app.put(&path, json!({"password": "password999"}), &a.token)
            .await
            .expect(404);
        app.delete(&path, &a.token).await.expect(404);
    }
    // B's user is untouched and can still work.
    let r = app
        .get(&format!("/api/v1/users/{}", b_staff.user_id), &b.token)
        .await
        .expect(200);
    assert_eq!(r.body["is_active"], true);
    assert_eq!(r.body["full_name"], "bstaff");
    app.get("/api/v1/auth/me", &b_staff.token).await.expect(200);
    app.login("bstaff", "password123").await;

    // B's role ids are unknown in A (422 in a body).
    let r = app
        .post(
            "/api/v1/users/",
            json!({"username": "crossrole", "password": "password123", "full_name": "C", "role_id": b_manager_role}),
            &a.token,
        )
        .await
        .expect(422);
    assert!(r.detail().starts_with("role_id:"), "{}", r.detail());
    let r = app
        .put(
            &format!("/api/v1/users/{}", a.user_id),
            json!({"role_id": b_manager_role}),
            &a.token,
        )
        .await
        .expect(422);
    assert!(r.detail().starts_with("role_id:"), "{}", r.detail());
}

#[tokio::test]
async fn deactivation_ends_sessions_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Deact Co", "deactadmin").await;
    let staff = app.user_with_role(&admin, "deactstaff", "staff").await;
    let second = app.login("deactstaff", "password123").await;
    app.get("/api/v1/auth/me", &staff.token).await.expect(200);

    let r = app
        .delete(&format!("/api/v1/users/{}", staff.user_id), &admin.token)
        .await
        .expect(200);
    assert!(r.body["message"].is_string());
    // Existing access tokens stop working at once, refresh tokens are revoked, login is refused.
    app.get("/api/v1/auth/me", &staff.token).await.expect(401);
    app.get("/api/v1/auth/me", &second.token).await.expect(401);
    for refresh in [&staff.refresh, &second.refresh] {
        app.refresh(refresh.as_str()).await.expect(401);
    }
    app.try_login("deactstaff", "password123").await.expect(401);
    // The user is kept, inactive.
    let r = app
        .get(&format!("/api/v1/users/{}", staff.user_id), &admin.token)
        .await
        .expect(200);
    assert_eq!(r.body["is_active"], false);

    // Reactivation lets them log in again; the old tokens stay dead.
    app.put(
        &format!("/api/v1/users/{}", staff.user_id),
        json!({"is_active": true}),
        &admin.token,
    )
    .await
    .expect(200);
    app.get("/api/v1/auth/me", &staff.token).await.expect(401);
    let again = app.login("deactstaff", "password123").await;

    // PUT is_active=false works the same way.
    app.put(
        &format!("/api/v1/users/{}", staff.user_id),
        json!({"is_active": false}),
        &admin.token,
    )
    .await
    .expect(200);
    app.get("/api/v1/auth/me", &again.token).await.expect(401);
}

#[tokio::test]
async fn password_reset_ends_sessions_and_sets_the_new_password() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Reset Co", "resetadmin").await;
    let staff = app.user_with_role(&admin, "resetstaff", "staff").await;
    let r = app
        .put(
            &format!("/api/v1/users/{}", staff.user_id),
            json!({"password": "brand-new-pass"}),
            &admin.token,
        )
        .await
        .expect(200);
    assert_eq!(r.body["is_active"], true);
    app.get("/api/v1/auth/me", &staff.token).await.expect(401);
    app.refresh(staff.refresh.as_str()).await.expect(401);
    app.try_login("resetstaff", "password123").await.expect(401);
    let fresh = app.login("resetstaff", "brand-new-pass").await;
    app.get("/api/v1/auth/me", &fresh.token).await.expect(200);
    // An empty password box in an edit form changes nothing and ends no session.
    app.put(
        &format!("/api/v1/users/{}", staff.user_id),
        json!({"password": "", "full_name": "Renamed"}),
        &admin.token,
    )
    .await
    .expect(200);
    app.get("/api/v1/auth/me", &fresh.token).await.expect(200);
}

#[tokio::test]
async fn the_last_active_admin_cannot_be_deactivated_or_demoted() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Last Co", "lastadmin").await;
    let staff_role = app.role_id(&admin, "staff").await;
    let admin_role = app.role_id(&admin, "admin").await;
    let me = format!("/api/v1/users/{}", admin.user_id);

    let r = app.delete(&me, &admin.token).await.expect(409);
    assert!(r.detail().contains("last active admin"), "{}", r.detail());
    app.put(&me, json!({"is_active": false}), &admin.token)
        .await
        .expect(409);
    app.put(&me, json!({"role_id": staff_role}), &admin.token)
        .await
        .expect(409);
    // Keeping the admin role, or other changes, are fine.
    app.put(
        &me,
        json!({"role_id": admin_role, "full_name": "Still Admin"}),
        &admin.token,
    )
    .await
    .expect(200);
    app.get("/api/v1/auth/me", &admin.token).await.expect(200);

    // With a second active admin, one may go; then the other is the last one again.
    let second = app.user_with_role(&admin, "secondadmin", "admin").await;
    app.put(&me, json!({"role_id": staff_role}), &second.token)
        .await
        .expect(200);
    let r = app
        .delete(&format!("/api/v1/users/{}", second.user_id), &second.token)
        .await
        .expect(409);
    assert!(r.detail().contains("last active admin"), "{}", r.detail());

    // An inactive admin does not count as a remaining admin.
    let third = app.user_with_role(&second, "thirdadmin", "admin").await;
    app.delete(&format!("/api/v1/users/{}", third.user_id), &second.token)
        .await
        .expect(200);
    app.put(
        &format!("/api/v1/users/{}", second.user_id),
        json!({"role_id": staff_role}),
        &second.token,
    )
    .await
    .expect(409);
    // Demoting an inactive admin is not blocked.
    let r = app
        .put(
            &format!("/api/v1/users/{}", third.user_id),
            json!({"role_id": staff_role}),
            &second.token,
        )
        .await
        .expect(200);
    assert_eq!(r.body["role"], "staff");
}

#[tokio::test]
async fn custom_roles_do_not_count_as_admin() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Custom Co", "customadmin").await;
    let perms = app
        .get("/api/v1/roles/permissions", &admin.token)
        .await
        .expect(200);
    let all: Vec<i64> = ids(&perms.body);
    let r = app
        .post(
            "/api/v1/roles/",
            json!({"name": "superuser", "permission_ids": all}),
            &admin.token,
        )
        .await
        .expect(200);
    let superuser_role = r.body["id"].as_i64().unwrap();
    let su = app.user_with_role(&admin, "superuser1", "superuser").await;
    // The custom role holds users:manage, but the system admin is still the last admin.
    app.put(
        &format!("/api/v1/users/{}", admin.user_id),
        json!({"role_id": superuser_role}),
        &su.token,
    )
    .await
    .expect(409);
}
