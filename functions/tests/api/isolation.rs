//! Tenant isolation in depth: row-level security below the explicit tenant filters.

use crate::helpers::{TestApp, connect, pg};

#[tokio::test]
async fn without_tenant_context_the_runtime_role_sees_no_rows() {
    let app = TestApp::spawn().await;
    app.signup("Rls A", "rlsa").await;
    app.signup("Rls B", "rlsb").await;
    let rw = connect(&pg().server.url("app_rw", &app.db_name)).await;
    for table in [
        "users",
        "roles",
        "metals",
        "lookup_values",
        "departments",
        "tenants",
        "refresh_tokens",
        "login_history",
        "tenant_order_counters",
    ] {
        let n: i64 = rw
            .query_one(&format!("select count(*) from {table}"), &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(n, 0, "{table} leaked {n} rows without a tenant context");
    }
    // With tenant A's context only A's rows are visible, and B's cannot be written into.
    let owner = connect(&app.owner_url()).await;
    let a: i64 = owner
        .query_one("select id from tenants order by id limit 1", &[])
        .await
        .unwrap()
        .get(0);
    let b: i64 = owner
        .query_one("select id from tenants order by id desc limit 1", &[])
        .await
        .unwrap()
        .get(0);
    rw.batch_execute("begin").await.unwrap();
    rw.execute(
        "select set_config('app.tenant_id', $1, true)",
        &[&a.to_string()],
    )
    .await
    .unwrap();
    let tenants: Vec<i64> = rw
        .query("select distinct tenant_id from users", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(tenants, vec![a]);
    let err = rw
        .execute(
            "insert into departments (tenant_id, name) values ($1, 'Sneaky')",
            &[&b],
        )
        .await
        .unwrap_err();
    let msg = err
        .as_db_error()
        .map(|e| e.message().to_string())
        .unwrap_or_default();
    assert!(msg.contains("row-level security"), "{msg}");
    rw.batch_execute("rollback").await.unwrap();
    // The setting is transaction-local: it does not leak into the next transaction on the connection.
    let n: i64 = rw
        .query_one("select count(*) from users", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 0);
}

#[tokio::test]
async fn the_runtime_role_cannot_bypass_rls() {
    let app = TestApp::spawn().await;
    let rw = connect(&pg().server.url("app_rw", &app.db_name)).await;
    let row = rw
        .query_one(
            "select rolsuper, rolbypassrls from pg_roles where rolname = current_user",
            &[],
        )
        .await
        .unwrap();
    assert!(!row.get::<_, bool>(0) && !row.get::<_, bool>(1));
    let owned: i64 = rw
        .query_one("select count(*) from pg_tables where schemaname = 'public' and tableowner = current_user", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(owned, 0, "app_rw must not own tables");
    let no_rls: Vec<String> = rw
        .query(
            "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
              where n.nspname = 'public' and c.relkind = 'r' and not c.relrowsecurity
                and c.relname not in ('permissions', 'metal_prices', 'schema_migrations')",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(no_rls.is_empty(), "tables without RLS: {no_rls:?}");
}

#[tokio::test]
async fn auth_endpoints_show_only_the_callers_own_data() {
    let app = TestApp::spawn().await;
    let a = app.signup("Iso A", "isoa").await;
    let b = app.signup("Iso B", "isob").await;
    let me = app.get("/api/v1/auth/me", &b.token).await.expect(200);
    assert_eq!(me.body["tenant_id"], b.tenant_id);
    let hist = app
        .get("/api/v1/auth/login-history", &b.token)
        .await
        .expect(200);
    assert!(
        hist.body["history"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["email"] == "isob")
    );
    // B cannot revoke A's refresh token by presenting it.
    app.call(
        "POST",
        "/api/v1/auth/logout",
        crate::helpers::Body::Json(serde_json::json!({"refresh_token": a.refresh})),
        Some(&b.token),
    )
    .await
    .expect(200);
    app.refresh(&a.refresh).await.expect(200);
}

#[tokio::test]
async fn permission_catalogue_matches_the_code() {
    let app = TestApp::spawn().await;
    let owner = connect(&app.owner_url()).await;
    let mut db: Vec<String> = owner
        .query("select name from permissions order by name", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut code: Vec<String> = shared::domain::permissions::CATALOGUE
        .iter()
        .map(|s| s.to_string())
        .collect();
    db.sort();
    code.sort();
    assert_eq!(db, code);
}
