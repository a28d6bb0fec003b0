//! Roles and the permission catalogue: `/api/v1/roles/*`.

use serde_json::{Value, json};

use crate::helpers::{Body, Session, TestApp};

async fn permission_ids(app: &TestApp, s: &Session, names: &[&str]) -> Vec<i64> {
    let perms = app
        .get("/api/v1/roles/permissions", &s.token)
        .await
        .expect(200);
    names
        .iter()
        .map(|n| {
            perms
                .body
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["name"] == *n)
                .unwrap_or_else(|| panic!("no permission {n}"))["id"]
                .as_i64()
                .unwrap()
        })
        .collect()
}

fn names(list: &Value) -> Vec<String> {
    let mut v: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

fn perm_names(role: &Value) -> Vec<String> {
    let mut v: Vec<String> = role["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn the_permission_catalogue_is_global_and_readable_by_everyone() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Cat Co", "catadmin").await;
    let staff = app.user_with_role(&admin, "catstaff", "staff").await;
    let other = app.signup("Other Cat", "othercat").await;
    let r = app
        .get("/api/v1/roles/permissions", &staff.token)
        .await
        .expect(200);
    let list = r.body.as_array().unwrap();
    assert_eq!(list.len(), shared::domain::permissions::CATALOGUE.len());
    let orders = list.iter().find(|p| p["name"] == "orders:write").unwrap();
    assert!(orders["id"].is_i64());
    assert_eq!(orders["resource"], "orders");
    assert_eq!(orders["action"], "write");
    assert!(orders["description"].is_string());
    assert!(orders["created_at"].is_string());
    let r2 = app
        .get("/api/v1/roles/permissions", &other.token)
        .await
        .expect(200);
    assert_eq!(r.body, r2.body, "the same catalogue for every tenant");
    app.call("GET", "/api/v1/roles/permissions", Body::None, None)
        .await
        .expect(401);
}

#[tokio::test]
async fn system_roles_are_listed_with_their_permissions() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Sys Co", "sysadmin").await;
    let staff = app.user_with_role(&admin, "sysstaff", "staff").await;
    // Any authenticated user may read roles (the React app lists them for everyone).
    let r = app.get("/api/v1/roles/", &staff.token).await.expect(200);
    assert_eq!(names(&r.body), ["admin", "manager", "staff"]);
    for role in r.body.as_array().unwrap() {
        assert!(role["id"].is_i64());
        assert_eq!(role["tenant_id"], admin.tenant_id);
        assert_eq!(role["is_system_role"], true);
        assert!(role["description"].is_string());
        assert!(role["created_at"].is_string() && role["updated_at"].is_string());
        let p = &role["permissions"][0];
        for k in [
            "id",
            "name",
            "description",
            "resource",
            "action",
            "created_at",
        ] {
            assert!(!p[k].is_null(), "permission field {k}");
        }
    }
    let staff_role = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "staff")
        .unwrap()
        .clone();
    let perms = perm_names(&staff_role);
    assert!(perms.contains(&"orders:write".to_string()));
    assert!(!perms.contains(&"metals:write".to_string()));
    assert!(!perms.contains(&"users:manage".to_string()));
    let admin_role = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "admin")
        .unwrap()
        .clone();
    assert_eq!(
        admin_role["permissions"].as_array().unwrap().len(),
        shared::domain::permissions::CATALOGUE.len()
    );
    // GET one.
    let id = staff_role["id"].as_i64().unwrap();
    let one = app
        .get(&format!("/api/v1/roles/{id}"), &staff.token)
        .await
        .expect(200);
    assert_eq!(one.body, staff_role);
}

#[tokio::test]
async fn admin_creates_updates_and_deletes_custom_roles() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Role Co", "roleadmin").await;
    let p = permission_ids(
        &app,
        &admin,
        &["orders:read", "orders:write", "metals:read"],
    )
    .await;

    let r = app
        .post(
            "/api/v1/roles/",
            json!({"name": " Clerk ", "description": "Front desk", "permission_ids": [p[0], p[1], p[1]]}),
            &admin.token,
        )
        .await
        .expect(200);
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(r.body["name"], "Clerk");
    assert_eq!(r.body["description"], "Front desk");
    assert_eq!(r.body["is_system_role"], false);
    assert_eq!(r.body["tenant_id"], admin.tenant_id);
    assert_eq!(perm_names(&r.body), ["orders:read", "orders:write"]);

    let list = app.get("/api/v1/roles/", &admin.token).await.expect(200);
    assert_eq!(names(&list.body), ["Clerk", "admin", "manager", "staff"]);

    // The role's permissions are enforced for its users.
    let clerk = app.user_with_role(&admin, "clerk1", "Clerk").await;
    app.get("/api/v1/users/", &clerk.token).await.expect(403);

    // Update: the fields given change; permission_ids replaces the set.
    let r = app
        .put(
            &format!("/api/v1/roles/{id}"),
            json!({"name": "Senior Clerk", "permission_ids": [p[2]]}),
            &admin.token,
        )
        .await
        .expect(200);
    assert_eq!(r.body["name"], "Senior Clerk");
    assert_eq!(r.body["description"], "Front desk");
    assert_eq!(perm_names(&r.body), ["metals:read"]);
    // What the React app sends: all three fields; an empty description clears it.
    let r = app
        .put(
            &format!("/api/v1/roles/{id}"),
            json!({"name": "Senior Clerk", "description": "", "permission_ids": []}),
            &admin.token,
        )
        .await
        .expect(200);
    assert_eq!(r.body["description"], Value::Null);
    assert_eq!(r.body["permissions"], json!([]));

    // Deleting a role still held by users: 409 with the count; once free, it goes.
    let r = app
        .delete(&format!("/api/v1/roles/{id}"), &admin.token)
        .await
        .expect(409);
    assert_eq!(
        r.detail(),
        "Cannot delete role. 1 user(s) are assigned to this role"
    );
    // Deactivated users still hold the role.
    app.delete(&format!("/api/v1/users/{}", clerk.user_id), &admin.token)
        .await
        .expect(200);
    app.delete(&format!("/api/v1/roles/{id}"), &admin.token)
        .await
        .expect(409);
    let staff_role = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "staff")
        .unwrap()["id"]
        .clone();
    app.put(
        &format!("/api/v1/users/{}", clerk.user_id),
        json!({"role_id": staff_role}),
        &admin.token,
    )
    .await
    .expect(200);
    let r = app
        .delete(&format!("/api/v1/roles/{id}"), &admin.token)
        .await
        .expect(200);
    assert!(r.body["message"].is_string());
    app.get(&format!("/api/v1/roles/{id}"), &admin.token)
        .await
        .expect(404);
}

#[tokio::test]
async fn system_roles_cannot_be_changed_or_deleted() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Fixed Co", "fixedadmin").await;
    let roles = app.get("/api/v1/roles/", &admin.token).await.expect(200);
    for role in roles.body.as_array().unwrap() {
        let path = format!("/api/v1/roles/{}", role["id"]);
        let r = app
            .put(&path, json!({"description": "mine now"}), &admin.token)
            .await
            .expect(400);
        assert_eq!(r.detail(), "System roles cannot be modified");
        let r = app.delete(&path, &admin.token).await.expect(400);
        assert!(r.detail().starts_with("System roles"), "{}", r.detail());
    }
    let after = app.get("/api/v1/roles/", &admin.token).await.expect(200);
    assert_eq!(after.body, roles.body);
}

#[tokio::test]
async fn role_input_is_validated() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Check Co", "checkadmin").await;
    for (body, prefix) in [
        (json!({"name": "  "}), "name:"),
        (json!({"name": "x".repeat(101)}), "name:"),
        (json!({"description": "d"}), "name"),
        (
            json!({"name": "R", "description": "x".repeat(501)}),
            "description:",
        ),
        (
            json!({"name": "R", "permission_ids": [999999]}),
            "permission_ids:",
        ),
        (
            json!({"name": "R", "permission_ids": [0]}),
            "permission_ids:",
        ),
        (
            json!({"name": "R", "permission_ids": ["orders:read"]}),
            "permission_ids",
        ),
    ] {
        let r = app.post("/api/v1/roles/", body.clone(), &admin.token).await;
        assert_eq!(r.status, 422, "{body}: {r:?}");
        assert!(r.detail().starts_with(prefix), "{body}: {}", r.detail());
    }
    // Names are unique per tenant, system role names included.
    for name in ["admin", "Clerk"] {
        if name == "Clerk" {
            app.post("/api/v1/roles/", json!({"name": name}), &admin.token)
                .await
                .expect(200);
        }
        let r = app
            .post("/api/v1/roles/", json!({"name": name}), &admin.token)
            .await
            .expect(409);
        assert_eq!(r.detail(), "Role name already exists");
    }
    let other = app
        .post("/api/v1/roles/", json!({"name": "Other"}), &admin.token)
        .await
        .expect(200);
    let path = format!("/api/v1/roles/{}", other.body["id"]);
    let r = app
        .put(&path, json!({"name": "Clerk"}), &admin.token)
        .await
        .expect(409);
    assert_eq!(r.detail(), "Role name already exists");
    let r = app
        .put(&path, json!({"permission_ids": [999999]}), &admin.token)
        .await
        .expect(422);
    assert!(r.detail().starts_with("permission_ids:"), "{}", r.detail());
    app.put(&path, json!({"name": ""}), &admin.token)
        .await
        .expect(422);
    app.get("/api/v1/roles/zero", &admin.token)
        .await
        .expect(422);
    // The same name is free in another tenant.
    let b = app.signup("Check B", "checkb").await;
    app.post("/api/v1/roles/", json!({"name": "Clerk"}), &b.token)
        .await
        .expect(200);
}

#[tokio::test]
async fn changing_roles_needs_roles_manage() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Gate Co", "gateadmin").await;
    let manager = app.user_with_role(&admin, "gatemanager", "manager").await;
    let staff = app.user_with_role(&admin, "gatestaff", "staff").await;
    let custom = app
        .post("/api/v1/roles/", json!({"name": "Custom"}), &admin.token)
        .await
        .expect(200);
    let path = format!("/api/v1/roles/{}", custom.body["id"]);
    for s in [&manager, &staff] {
        app.get("/api/v1/roles/", &s.token).await.expect(200);
        app.get(&path, &s.token).await.expect(200);
        let r = app
            .post("/api/v1/roles/", json!({"name": "Mine"}), &s.token)
            .await
            .expect(403);
        assert!(r.detail().contains("roles:manage"), "{}", r.detail());
        app.put(&path, json!({"name": "Mine"}), &s.token)
            .await
            .expect(403);
        app.delete(&path, &s.token).await.expect(403);
    }
    app.get(&path, &admin.token).await.expect(200);
}

#[tokio::test]
async fn another_tenants_roles_are_invisible() {
    let app = TestApp::spawn().await;
    let a = app.signup("Roles A", "rolesa").await;
    let b = app.signup("Roles B", "rolesb").await;
    let b_custom = app
        .post("/api/v1/roles/", json!({"name": "B Only"}), &b.token)
        .await
        .expect(200);
    let b_roles = app.get("/api/v1/roles/", &b.token).await.expect(200);

    let a_roles = app.get("/api/v1/roles/", &a.token).await.expect(200);
    assert_eq!(names(&a_roles.body), ["admin", "manager", "staff"]);
    assert!(
        a_roles
            .body
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["tenant_id"] == a.tenant_id)
    );

    for role in b_roles.body.as_array().unwrap() {
        let id = role["id"].as_i64().unwrap();
        let path = format!("/api/v1/roles/{id}");
        let r = app.get(&path, &a.token).await.expect(404);
        assert_eq!(r.detail(), format!("Role with id {id} not found"));
        app.put(&path, json!({"name": "Taken over"}), &a.token)
            .await
            .expect(404);
        app.delete(&path, &a.token).await.expect(404);
    }
    // B's custom role is untouched.
    let r = app
        .get(&format!("/api/v1/roles/{}", b_custom.body["id"]), &b.token)
        .await
        .expect(200);
    assert_eq!(r.body["name"], "B Only");
}

#[tokio::test]
async fn permissions_wins_over_a_role_id() {
    // `/roles/permissions` is a literal route; it must not be read as `/roles/{role_id}`.
    let found = functions::routes::find("GET", "/api/v1/roles/permissions").unwrap();
    assert_eq!(found.0.id, "roles_permissions");
    let found = functions::routes::find("GET", "/api/v1/roles/7").unwrap();
    assert_eq!(found.0.id, "roles_get");
}
