//! The caller's own tenant: `/api/v1/tenants/*`.

use serde_json::json;

use crate::helpers::{Body, TestApp};

#[tokio::test]
async fn users_see_only_their_own_tenant() {
    let app = TestApp::spawn().await;
    let a = app.signup("Tenant Alpha", "alphaadmin").await;
    let b = app.signup("Tenant Beta", "betaadmin").await;
    let staff = app.user_with_role(&a, "alphastaff", "staff").await;

    for s in [&a, &staff] {
        let r = app.get("/api/v1/tenants/", &s.token).await.expect(200);
        let list = r.body.as_array().unwrap();
        assert_eq!(list.len(), 1, "{}", r.body);
        let t = &list[0];
        assert_eq!(t["id"], a.tenant_id);
        assert_eq!(t["name"], "Tenant Alpha");
        assert_eq!(t["subdomain"], "tenant-alpha");
        assert_eq!(t["is_active"], true);
        assert!(t["created_at"].is_string() && t["updated_at"].is_string());

        let r = app
            .get(&format!("/api/v1/tenants/{}", a.tenant_id), &s.token)
            .await
            .expect(200);
        assert_eq!(&r.body, t);
    }
    // Another tenant's id is simply not found, for reads and updates alike.
    let r = app
        .get(&format!("/api/v1/tenants/{}", b.tenant_id), &a.token)
        .await
        .expect(404);
    assert_eq!(
        r.detail(),
        format!("Tenant with id {} not found", b.tenant_id)
    );
    app.put(
        &format!("/api/v1/tenants/{}", b.tenant_id),
        json!({"name": "Hijacked", "is_active": false}),
        &a.token,
    )
    .await
    .expect(404);
    let r = app
        .get(&format!("/api/v1/tenants/{}", b.tenant_id), &b.token)
        .await
        .expect(200);
    assert_eq!(r.body["name"], "Tenant Beta");
    assert_eq!(r.body["is_active"], true);
    app.get("/api/v1/auth/me", &b.token).await.expect(200);
    app.get("/api/v1/tenants/999999", &a.token)
        .await
        .expect(404);
    app.get("/api/v1/tenants/x", &a.token).await.expect(422);
    app.call("GET", "/api/v1/tenants/", Body::None, None)
        .await
        .expect(401);
}

#[tokio::test]
async fn the_admin_updates_the_tenant() {
    let app = TestApp::spawn().await;
    let a = app.signup("Update Me", "updadmin").await;
    let b = app.signup("Taken Sub", "takenadmin").await;
    let path = format!("/api/v1/tenants/{}", a.tenant_id);

    let r = app
        .put(
            &path,
            json!({"name": " Renamed Ltd ", "subdomain": "Renamed-1"}),
            &a.token,
        )
        .await
        .expect(200);
    assert_eq!(r.body["id"], a.tenant_id);
    assert_eq!(r.body["name"], "Renamed Ltd");
    assert_eq!(r.body["subdomain"], "renamed-1");
    assert_eq!(r.body["is_active"], true);
    // Partial: only what is given changes.
    let r = app
        .put(&path, json!({"name": "Renamed Again"}), &a.token)
        .await
        .expect(200);
    assert_eq!(r.body["subdomain"], "renamed-1");

    // A subdomain held by another tenant (which this tenant cannot even see) conflicts.
    let theirs = app
        .get(&format!("/api/v1/tenants/{}", b.tenant_id), &b.token)
        .await
        .expect(200);
    let r = app
        .put(
            &path,
            json!({"subdomain": theirs.body["subdomain"]}),
            &a.token,
        )
        .await
        .expect(409);
    assert_eq!(r.detail(), "Subdomain already exists");
    // Its own subdomain again is fine.
    app.put(&path, json!({"subdomain": "renamed-1"}), &a.token)
        .await
        .expect(200);

    // Deactivating the tenant locks every user out at once.
    let r = app
        .put(&path, json!({"is_active": false}), &a.token)
        .await
        .expect(200);
    assert_eq!(r.body["is_active"], false);
    app.get("/api/v1/auth/me", &a.token).await.expect(401);
    app.try_login("updadmin", "password123").await.expect(401);
    // The other tenant is unaffected.
    app.get("/api/v1/auth/me", &b.token).await.expect(200);
}

#[tokio::test]
async fn tenant_updates_are_validated() {
    let app = TestApp::spawn().await;
    let a = app.signup("Valid Tenant", "vtadmin").await;
    let path = format!("/api/v1/tenants/{}", a.tenant_id);
    for (body, prefix) in [
        (json!({"name": "   "}), "name:"),
        (json!({"name": "x".repeat(256)}), "name:"),
        (json!({"subdomain": "ab"}), "subdomain:"),
        (json!({"subdomain": "not_valid"}), "subdomain:"),
        (json!({"subdomain": "-lead"}), "subdomain:"),
        (json!({"is_active": "yes"}), "is_active"),
    ] {
        let r = app.put(&path, body.clone(), &a.token).await;
        assert_eq!(r.status, 422, "{body}: {r:?}");
        assert!(r.detail().starts_with(prefix), "{body}: {}", r.detail());
    }
    let r = app.get(&path, &a.token).await.expect(200);
    assert_eq!(r.body["name"], "Valid Tenant");
}

#[tokio::test]
async fn updating_the_tenant_needs_tenant_manage() {
    let app = TestApp::spawn().await;
    let a = app.signup("Guarded", "guardadmin").await;
    let manager = app.user_with_role(&a, "guardmanager", "manager").await;
    let staff = app.user_with_role(&a, "guardstaff", "staff").await;
    let path = format!("/api/v1/tenants/{}", a.tenant_id);
    for s in [&manager, &staff] {
        let r = app
            .put(&path, json!({"name": "Mine"}), &s.token)
            .await
            .expect(403);
        assert!(r.detail().contains("tenant:manage"), "{}", r.detail());
        app.put(&path, json!({"is_active": false}), &s.token)
            .await
            .expect(403);
    }
    let r = app.get(&path, &a.token).await.expect(200);
    assert_eq!(r.body["name"], "Guarded");
    assert_eq!(r.body["is_active"], true);
}

#[test]
fn tenants_are_not_created_or_deleted_through_the_api() {
    assert!(functions::routes::find("POST", "/api/v1/tenants/").is_none());
    assert!(functions::routes::find("DELETE", "/api/v1/tenants/1").is_none());
}
