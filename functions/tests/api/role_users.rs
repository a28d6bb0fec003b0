//! Users with a chosen role, made without the users/roles endpoints: the role is looked up (or
//! created with exactly the given permissions) as the owner, and the tenant's admin registers the
//! user into it through `/auth/register`.

use serde_json::json;

use crate::helpers::{Body, Session, TestApp, connect};

/// A user with the tenant's system role `role` (`admin`, `manager` or `staff`).
pub async fn user_in_system_role(
    app: &TestApp,
    admin: &Session,
    username: &str,
    role: &str,
) -> Session {
    let owner = connect(&app.owner_url()).await;
    let role_id: i64 = owner
        .query_one(
            "select id from roles where tenant_id = $1 and name = $2",
            &[&admin.tenant_id, &role],
        )
        .await
        .unwrap()
        .get(0);
    register(app, admin, username, role_id).await
}

/// A user whose (new, custom) role has exactly `permissions`.
pub async fn user_with_permissions(
    app: &TestApp,
    admin: &Session,
    username: &str,
    permissions: &[&str],
) -> Session {
    let owner = connect(&app.owner_url()).await;
    let role_id: i64 = owner
        .query_one(
            "insert into roles (tenant_id, name, description) values ($1, $2, 'test role') returning id",
            &[&admin.tenant_id, &format!("role-of-{username}")],
        )
        .await
        .unwrap()
        .get(0);
    let perms: Vec<String> = permissions.iter().map(|p| p.to_string()).collect();
    let granted = owner
        .execute(
            "insert into role_permissions (tenant_id, role_id, permission_id)
             select $1, $2, id from permissions where name = any($3)",
            &[&admin.tenant_id, &role_id, &perms],
        )
        .await
        .unwrap();
    assert_eq!(
        granted as usize,
        permissions.len(),
        "unknown permission name"
    );
    register(app, admin, username, role_id).await
}

async fn register(app: &TestApp, admin: &Session, username: &str, role_id: i64) -> Session {
    app.call(
        "POST",
        "/api/v1/auth/register",
        Body::Json(json!({
            "username": username, "password": "password123", "full_name": username,
            "tenant_id": admin.tenant_id, "role_id": role_id
        })),
        Some(&admin.token),
    )
    .await
    .expect(200);
    app.login(username, "password123").await
}
