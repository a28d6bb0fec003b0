//! Fixtures for the company/contact/address tests: records made through the API, orders inserted
//! with plain SQL as the owner (the orders endpoints come later), and users of custom roles.

use serde_json::json;

use crate::helpers::{Session, TestApp, connect};

pub async fn company(app: &TestApp, s: &Session, name: &str) -> i64 {
    app.post(
        "/api/v1/companies-v2/",
        json!({"name": name, "email": format!("{}@example.com", name.to_lowercase().replace(' ', "")), "phone": "555-0100"}),
        &s.token,
    )
    .await
    .expect(200)
    .body["id"]
        .as_i64()
        .unwrap()
}

pub async fn contact(app: &TestApp, s: &Session, company_id: i64, name: &str) -> i64 {
    app.post(
        "/api/v1/contacts/",
        json!({"name": name, "company_id": company_id,
               "email": format!("{}@example.com", name.to_lowercase().replace(' ', "."))}),
        &s.token,
    )
    .await
    .expect(200)
    .body["id"]
        .as_i64()
        .unwrap()
}

/// Insert an order with line items of the given prices (as the owner, who bypasses RLS, so the
/// tenant is given explicitly). `minutes_ago` sets `created_at`.
pub async fn order(
    app: &TestApp,
    s: &Session,
    company_id: i64,
    contact_id: i64,
    status: &str,
    prices: &[Option<f64>],
    minutes_ago: i32,
) -> i64 {
    let owner = connect(&app.owner_url()).await;
    let id: i64 = owner
        .query_one(
            "insert into orders (tenant_id, order_number, contact_id, company_id, status, due_date, created_at)
             values ($1::int8,
                     'ORD-' || $1::int8 || '-'
                       || lpad((select count(*) + 1 from orders where tenant_id = $1::int8)::text, 6, '0'),
                     $2, $3, $4, now() + interval '7 days', now() - make_interval(mins => $5))
             returning id",
            &[&s.tenant_id, &contact_id, &company_id, &status, &minutes_ago],
        )
        .await
        .unwrap()
        .get(0);
    for (n, price) in prices.iter().enumerate() {
        owner
            .execute(
                "insert into order_line_items (tenant_id, order_id, product_description, quantity, price)
                 values ($1, $2, $3, 1, $4::float8)",
                &[&s.tenant_id, &id, &format!("Item {}", n + 1), price],
            )
            .await
            .unwrap();
    }
    id
}

/// A user of a custom role with exactly `permissions`, in `admin`'s tenant (password `password123`).
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
            &[&admin.tenant_id, &format!("role-{username}")],
        )
        .await
        .unwrap()
        .get(0);
    let perms: Vec<String> = permissions.iter().map(|p| p.to_string()).collect();
    owner
        .execute(
            "insert into role_permissions (tenant_id, role_id, permission_id)
             select $1, $2, id from permissions where name = any($3)",
            &[&admin.tenant_id, &role_id, &perms],
        )
        .await
        .unwrap();
    owner
        .execute(
            "insert into users (tenant_id, role_id, username, hashed_password, full_name)
             select $1, $2, $3::text, hashed_password, $3::text from users where id = $4",
            &[&admin.tenant_id, &role_id, &username, &admin.user_id],
        )
        .await
        .unwrap();
    app.login(username, "password123").await
}
