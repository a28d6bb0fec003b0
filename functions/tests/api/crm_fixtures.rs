//! Fixtures for the company/contact/address tests: records made through the API, orders inserted
//! with plain SQL as the owner (to control their timestamps and legacy fields).

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
/// tenant is given explicitly), numbered from the tenant's counter as `POST /orders/` does, so the
/// two can be mixed. `minutes_ago` sets `created_at`.
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
            "with n as (update tenant_order_counters set last_number = last_number + 1
                         where tenant_id = $1::int8 returning last_number)
             insert into orders (tenant_id, order_number, contact_id, company_id, status, due_date, created_at)
             select $1::int8, 'ORD-' || $1::int8 || '-' || lpad(n.last_number::text, 6, '0'),
                    $2, $3, $4, now() + interval '7 days', now() - make_interval(mins => $5)
               from n
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

/// A production department made through the API.
pub async fn department(app: &TestApp, s: &Session, name: &str) -> i64 {
    app.post("/api/v1/departments/", json!({ "name": name }), &s.token)
        .await
        .expect(200)
        .body["id"]
        .as_i64()
        .unwrap()
}
