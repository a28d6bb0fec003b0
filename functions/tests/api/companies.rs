//! Companies (`/companies-v2/*` and the legacy `/companies/*` aliases): CRUD, search, contacts,
//! orders, the balance formula, statistics, 409 deletes, tenant isolation and permissions.

use serde_json::json;

use crate::crm_fixtures::{company, contact, order};
use crate::helpers::{Detail, TestApp, ids};

#[tokio::test]
async fn create_list_get_update_with_the_fields_the_app_reads() {
    let app = TestApp::spawn().await;
    let s = app.signup("Co Happy", "cohappy").await;

    let created = app
        .post(
            "/api/v1/companies-v2/",
            json!({"name": "  Acme Gold ", "email": "buy@acme.com", "phone": "555-1234", "address": "1 Main St"}),
            &s.token,
        )
        .await
        .expect(200);
    let b = &created.body;
    let id = b["id"].as_i64().expect("id is a number");
    assert_eq!(b["name"], "Acme Gold", "names are trimmed");
    assert_eq!(b["email"], "buy@acme.com");
    assert_eq!(b["phone"], "555-1234");
    assert_eq!(b["address"], "1 Main St");
    assert_eq!(b["tenant_id"], s.tenant_id);
    assert!(b["total_balance"].is_number());
    assert_eq!(b["total_balance"].as_f64(), Some(0.0));
    assert_eq!(b["contacts"], json!([]));
    assert!(b["created_at"].is_string() && b["updated_at"].is_string());

    let other = company(&app, &s, "Beta Rings").await;
    let ann = contact(&app, &s, id, "Ann Lee").await;

    // The list: id, name, email, phone, total_balance (a number) and contacts (an array).
    let list = app.get("/api/v1/companies-v2/", &s.token).await.expect(200);
    assert_eq!(ids(&list.body), vec![id, other], "ordered by name");
    let acme = &list.body[0];
    assert_eq!(acme["name"], "Acme Gold");
    assert_eq!(acme["email"], "buy@acme.com");
    assert_eq!(acme["phone"], "555-1234");
    assert!(acme["total_balance"].is_f64() || acme["total_balance"].is_i64());
    assert_eq!(acme["contacts"].as_array().unwrap().len(), 1);
    assert_eq!(
        acme["contacts"][0],
        json!({"id": ann, "name": "Ann Lee", "email": "ann.lee@example.com", "phone": null})
    );
    assert_eq!(list.body[1]["contacts"], json!([]));

    // Without a trailing slash too.
    app.get("/api/v1/companies-v2", &s.token).await.expect(200);

    // Get: contacts only when asked for; the balance by default.
    let got = app
        .get(&format!("/api/v1/companies-v2/{id}"), &s.token)
        .await
        .expect(200);
    assert_eq!(got.body["name"], "Acme Gold");
    assert_eq!(got.body["email"], "buy@acme.com");
    assert_eq!(got.body["phone"], "555-1234");
    assert_eq!(got.body["total_balance"].as_f64(), Some(0.0));
    assert!(got.body["contacts"].is_null());
    let with = app
        .get(
            &format!("/api/v1/companies-v2/{id}?include_contacts=true&include_balance=false"),
            &s.token,
        )
        .await
        .expect(200);
    assert_eq!(ids(&with.body["contacts"]), vec![ann]);
    assert!(with.body["total_balance"].is_null());

    // Update as the app sends it; fields not sent are kept, null clears.
    let upd = app
        .put(
            &format!("/api/v1/companies-v2/{id}"),
            json!({"name": "Acme Gold & Co", "email": "sales@acme.com", "phone": "555-9999"}),
            &s.token,
        )
        .await
        .expect(200);
    assert_eq!(upd.body["name"], "Acme Gold & Co");
    assert_eq!(upd.body["email"], "sales@acme.com");
    assert_eq!(upd.body["phone"], "555-9999");
    assert_eq!(upd.body["address"], "1 Main St", "not sent, so kept");
    assert!(upd.body["total_balance"].is_number());
    let upd = app
        .put(
            &format!("/api/v1/companies-v2/{id}"),
            json!({"phone": null, "address": ""}),
            &s.token,
        )
        .await
        .expect(200);
    assert_eq!(upd.body["name"], "Acme Gold & Co");
    assert!(upd.body["phone"].is_null() && upd.body["address"].is_null());
    assert_eq!(upd.body["email"], "sales@acme.com");

    // The contacts tab.
    let contacts = app
        .get(&format!("/api/v1/companies-v2/{id}/contacts"), &s.token)
        .await
        .expect(200);
    assert_eq!(contacts.body[0]["name"], "Ann Lee");
    assert_eq!(contacts.body[0]["email"], "ann.lee@example.com");
    assert!(contacts.body[0]["phone"].is_null());
}

#[tokio::test]
async fn search_is_a_case_insensitive_substring_and_paging_works() {
    let app = TestApp::spawn().await;
    let s = app.signup("Co Search", "cosearch").await;
    let acme = company(&app, &s, "ACME Gold").await;
    let beta = company(&app, &s, "Beta Acme").await;
    let pct = company(&app, &s, "100% Silver").await;
    let _gamma = company(&app, &s, "Gamma").await;

    let r = app
        .get("/api/v1/companies-v2/?search=acme", &s.token)
        .await
        .expect(200);
    assert_eq!(ids(&r.body), vec![acme, beta]);
    // `%` is a character, not a wildcard.
    let r = app
        .get("/api/v1/companies-v2/?search=0%25", &s.token)
        .await
        .expect(200);
    assert_eq!(ids(&r.body), vec![pct]);
    // An empty search (axios keeps empty strings) is no filter.
    let r = app
        .get("/api/v1/companies-v2/?search=&limit=50", &s.token)
        .await
        .expect(200);
    assert_eq!(r.body.as_array().unwrap().len(), 4);
    let r = app
        .get("/api/v1/companies-v2/?skip=1&limit=2", &s.token)
        .await
        .expect(200);
    assert_eq!(ids(&r.body), vec![acme, beta], "100% Silver sorts first");
}

#[tokio::test]
async fn legacy_aliases_serve_the_same_handlers() {
    let app = TestApp::spawn().await;
    let s = app.signup("Co Legacy", "colegacy").await;
    let created = app
        .post(
            "/api/v1/companies/",
            json!({"name": "Old Style", "email": "old@style.com"}),
            &s.token,
        )
        .await
        .expect(200);
    let id = created.body["id"].as_i64().unwrap();
    assert_eq!(created.body["total_balance"].as_f64(), Some(0.0));
    let list = app.get("/api/v1/companies/", &s.token).await.expect(200);
    assert_eq!(ids(&list.body), vec![id]);
    assert!(list.body[0]["contacts"].is_array());
    let got = app
        .get(&format!("/api/v1/companies/{id}"), &s.token)
        .await
        .expect(200);
    assert_eq!(got.body["name"], "Old Style");
    let upd = app
        .put(
            &format!("/api/v1/companies/{id}"),
            json!({"phone": "123"}),
            &s.token,
        )
        .await
        .expect(200);
    assert_eq!(upd.body["phone"], "123");
    let dup = app
        .post("/api/v1/companies/", json!({"name": "Old Style"}), &s.token)
        .await
        .expect(409);
    assert_eq!(dup.detail(), "Company with name 'Old Style' already exists");
    app.delete(&format!("/api/v1/companies/{id}"), &s.token)
        .await
        .expect(200);
    app.get(&format!("/api/v1/companies-v2/{id}"), &s.token)
        .await
        .expect(404);
}

#[tokio::test]
async fn invalid_input_is_a_422_with_a_string_detail() {
    let app = TestApp::spawn().await;
    let s = app.signup("Co Invalid", "coinvalid").await;
    let id = company(&app, &s, "Valid Co").await;
    let cases = [
        (json!({"name": "   "}), "name: must not be blank"),
        (json!({"email": "x@y.co"}), "name: Field required"),
        (
            json!({"name": "A", "email": "not-an-email"}),
            "email: value is not a valid email address",
        ),
        (
            json!({"name": "A", "phone": "1".repeat(51)}),
            "phone: must be at most 50 characters",
        ),
        (
            json!({"name": "x".repeat(256)}),
            "name: must be at most 255 characters",
        ),
    ];
    app.expect_422s("/api/v1/companies-v2/", &s.token, cases, Detail::Is)
        .await;
    let r = app
        .put(
            &format!("/api/v1/companies-v2/{id}"),
            json!({"name": ""}),
            &s.token,
        )
        .await
        .expect(422);
    assert_eq!(r.detail(), "name: must not be blank");
    let r = app
        .get("/api/v1/companies-v2/?limit=0", &s.token)
        .await
        .expect(422);
    assert_eq!(r.detail(), "limit: must be between 1 and 1000");
    let r = app
        .get("/api/v1/companies-v2/abc", &s.token)
        .await
        .expect(422);
    assert!(r.detail().starts_with("company_id:"), "{}", r.detail());
}

#[tokio::test]
async fn names_are_unique_per_tenant() {
    let app = TestApp::spawn().await;
    let a = app.signup("Co Dup A", "codupa").await;
    let b = app.signup("Co Dup B", "codupb").await;
    company(&app, &a, "Acme").await;
    let other = company(&app, &a, "Other").await;
    let r = app
        .post("/api/v1/companies-v2/", json!({"name": "Acme"}), &a.token)
        .await
        .expect(409);
    assert_eq!(r.detail(), "Company with name 'Acme' already exists");
    let r = app
        .put(
            &format!("/api/v1/companies-v2/{other}"),
            json!({"name": "Acme"}),
            &a.token,
        )
        .await
        .expect(409);
    assert_eq!(r.detail(), "Company with name 'Acme' already exists");
    // Another tenant may use the same name.
    company(&app, &b, "Acme").await;
}

#[tokio::test]
async fn deletes_are_blocked_by_contacts_and_orders() {
    let app = TestApp::spawn().await;
    let s = app.signup("Co Delete", "codelete").await;
    let id = company(&app, &s, "Busy Co").await;
    let c = contact(&app, &s, id, "Carl").await;
    let r = app
        .delete(&format!("/api/v1/companies-v2/{id}"), &s.token)
        .await
        .expect(409);
    assert_eq!(r.detail(), "Cannot delete company with existing contacts");
    order(&app, &s, id, c, "PENDING", &[Some(10.0)], 0).await;
    let r = app
        .delete(&format!("/api/v1/companies-v2/{id}"), &s.token)
        .await
        .expect(409);
    assert_eq!(
        r.detail(),
        "Cannot delete company with existing contacts and orders"
    );
    app.get(&format!("/api/v1/companies-v2/{id}"), &s.token)
        .await
        .expect(200);

    // A company with only addresses goes, and its addresses with it.
    let free = company(&app, &s, "Free Co").await;
    let addr = app
        .post(
            &format!("/api/v1/companies/{free}/addresses"),
            json!({"street_address": "1 Way", "city": "Town", "state": "TX", "zip_code": "75001", "company_id": free}),
            &s.token,
        )
        .await
        .expect(200)
        .body["id"]
        .as_i64()
        .unwrap();
    let r = app
        .delete(&format!("/api/v1/companies-v2/{free}"), &s.token)
        .await
        .expect(200);
    assert!(r.body["message"].is_string());
    app.get(&format!("/api/v1/companies-v2/{free}"), &s.token)
        .await
        .expect(404);
    app.get(&format!("/api/v1/addresses/{addr}"), &s.token)
        .await
        .expect(404);
    app.delete(&format!("/api/v1/companies-v2/{free}"), &s.token)
        .await
        .expect(404);
}

#[tokio::test]
async fn total_balance_sums_non_cancelled_order_totals() {
    let app = TestApp::spawn().await;
    let s = app.signup("Co Balance", "cobalance").await;
    let id = company(&app, &s, "Rich Co").await;
    let ann = contact(&app, &s, id, "Ann").await;
    let bob = contact(&app, &s, id, "Bob").await;
    // 100.5 + NULL (counts 0) + 49.25 = 149.75
    order(
        &app,
        &s,
        id,
        ann,
        "PENDING",
        &[Some(100.5), None, Some(49.25)],
        30,
    )
    .await;
    order(&app, &s, id, bob, "COMPLETED", &[Some(200.0)], 20).await;
    // Cancelled: excluded from the balance.
    order(&app, &s, id, ann, "CANCELLED", &[Some(1000.0)], 10).await;
    // No line items: total 0, but it is an order.
    order(&app, &s, id, bob, "IN_PROGRESS", &[], 5).await;
    // Another company's orders do not count.
    let other = company(&app, &s, "Other Co").await;
    let oc = contact(&app, &s, other, "Olga").await;
    order(&app, &s, other, oc, "PENDING", &[Some(7.0)], 1).await;

    let bal = app
        .get(&format!("/api/v1/companies-v2/{id}/balance"), &s.token)
        .await
        .expect(200);
    assert_eq!(bal.body, json!({"company_id": id, "total_balance": 349.75}));

    let list = app.get("/api/v1/companies-v2/", &s.token).await.expect(200);
    let rich = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap();
    assert_eq!(rich["total_balance"].as_f64(), Some(349.75));
    let got = app
        .get(&format!("/api/v1/companies-v2/{id}"), &s.token)
        .await
        .expect(200);
    assert_eq!(got.body["total_balance"].as_f64(), Some(349.75));

    let stats = app
        .get(&format!("/api/v1/companies-v2/{id}/statistics"), &s.token)
        .await
        .expect(200);
    assert_eq!(stats.body["company_id"], id);
    assert_eq!(stats.body["total_balance"].as_f64(), Some(349.75));
    assert_eq!(stats.body["contact_count"], 2);
    assert_eq!(stats.body["order_count"], 4, "every order is counted");
    // Averaged over the three orders that make up the balance.
    let avg = stats.body["average_order_value"].as_f64().unwrap();
    assert!((avg - 349.75 / 3.0).abs() < 1e-9, "{avg}");

    // A company without orders: zeros, as numbers.
    let empty = company(&app, &s, "Empty Co").await;
    let stats = app
        .get(
            &format!("/api/v1/companies-v2/{empty}/statistics"),
            &s.token,
        )
        .await
        .expect(200);
    assert_eq!(
        stats.body,
        json!({"company_id": empty, "total_balance": 0.0, "contact_count": 0, "order_count": 0, "average_order_value": 0.0})
    );
}

#[tokio::test]
async fn the_orders_tab_lists_orders_newest_first_with_totals() {
    let app = TestApp::spawn().await;
    let s = app.signup("Co Orders", "coorders").await;
    let id = company(&app, &s, "Order Co").await;
    let ann = contact(&app, &s, id, "Ann").await;
    let old = order(&app, &s, id, ann, "COMPLETED", &[Some(10.0), Some(5.5)], 60).await;
    let new = order(&app, &s, id, ann, "PENDING", &[Some(3.0)], 1).await;
    let r = app
        .get(&format!("/api/v1/companies-v2/{id}/orders"), &s.token)
        .await
        .expect(200);
    assert_eq!(ids(&r.body), vec![new, old]);
    let o = &r.body[1];
    assert!(o["order_number"].as_str().unwrap().starts_with("ORD-"));
    assert_eq!(o["contact"]["name"], "Ann");
    assert_eq!(o["company"]["name"], "Order Co");
    assert_eq!(o["product_description"], "Item 1 (+1 more)");
    assert_eq!(o["price"].as_f64(), Some(15.5));
    assert_eq!(o["status"], "COMPLETED");
    assert_eq!(o["line_items"], json!([]));
    assert_eq!(o["company_id"], id);
    assert_eq!(o["contact_id"], ann);
    let r = app
        .get(
            &format!("/api/v1/companies-v2/{id}/orders?skip=1&limit=1"),
            &s.token,
        )
        .await
        .expect(200);
    assert_eq!(ids(&r.body), vec![old]);
}

#[tokio::test]
async fn another_tenants_companies_are_invisible() {
    let app = TestApp::spawn().await;
    let a = app.signup("Co Iso A", "coisoa").await;
    let b = app.signup("Co Iso B", "coisob").await;
    let id = company(&app, &a, "Secret Co").await;
    let mine = company(&app, &b, "Mine").await;
    let list = app
        .get("/api/v1/companies-v2/?search=secret", &b.token)
        .await
        .expect(200);
    assert_eq!(list.body, json!([]));
    let list = app.get("/api/v1/companies/", &b.token).await.expect(200);
    assert_eq!(ids(&list.body), vec![mine]);
    for path in [
        format!("/api/v1/companies-v2/{id}"),
        format!("/api/v1/companies/{id}"),
        format!("/api/v1/companies-v2/{id}/contacts"),
        format!("/api/v1/companies-v2/{id}/orders"),
        format!("/api/v1/companies-v2/{id}/balance"),
        format!("/api/v1/companies-v2/{id}/statistics"),
    ] {
        let r = app.get(&path, &b.token).await.expect(404);
        assert_eq!(
            r.detail(),
            format!("Company with id {id} not found"),
            "{path}"
        );
    }
    app.put(
        &format!("/api/v1/companies-v2/{id}"),
        json!({"name": "Hijacked"}),
        &b.token,
    )
    .await
    .expect(404);
    app.delete(&format!("/api/v1/companies-v2/{id}"), &b.token)
        .await
        .expect(404);
    let still = app
        .get(&format!("/api/v1/companies-v2/{id}"), &a.token)
        .await
        .expect(200);
    assert_eq!(still.body["name"], "Secret Co");
}

#[tokio::test]
async fn permissions_are_enforced() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Co Perm", "coperm").await;
    let id = company(&app, &admin, "Perm Co").await;
    let reader = app
        .user_with_role(&admin, "coreader", &["companies:read"])
        .await;
    let nobody = app
        .user_with_role(&admin, "conobody", &["contacts:read"])
        .await;

    app.get("/api/v1/companies-v2/", &reader.token)
        .await
        .expect(200);
    app.get(&format!("/api/v1/companies-v2/{id}/balance"), &reader.token)
        .await
        .expect(200);
    let r = app
        .post("/api/v1/companies-v2/", json!({"name": "X"}), &reader.token)
        .await
        .expect(403);
    assert_eq!(r.detail(), "Permission 'companies:write' required");
    app.put(
        &format!("/api/v1/companies-v2/{id}"),
        json!({"name": "Y"}),
        &reader.token,
    )
    .await
    .expect(403);
    app.delete(&format!("/api/v1/companies-v2/{id}"), &reader.token)
        .await
        .expect(403);
    app.post("/api/v1/companies/", json!({"name": "X"}), &reader.token)
        .await
        .expect(403);
    // Orders are order data: companies:read alone is not enough.
    let r = app
        .get(&format!("/api/v1/companies-v2/{id}/orders"), &reader.token)
        .await
        .expect(403);
    assert_eq!(r.detail(), "Permission 'orders:read' required");

    let r = app
        .get("/api/v1/companies-v2/", &nobody.token)
        .await
        .expect(403);
    assert_eq!(r.detail(), "Permission 'companies:read' required");
    app.get(&format!("/api/v1/companies/{id}"), &nobody.token)
        .await
        .expect(403);
    app.get(
        &format!("/api/v1/companies-v2/{id}/statistics"),
        &nobody.token,
    )
    .await
    .expect(403);
    // Without a token at all: 401.
    app.call(
        "GET",
        "/api/v1/companies-v2/",
        crate::helpers::Body::None,
        None,
    )
    .await
    .expect(401);
}

#[tokio::test]
async fn balances_and_averages_are_exact_decimals() {
    let app = TestApp::spawn().await;
    let s = app.signup("Co Exact", "coexact").await;
    // Ten orders of 0.1: as floats the total is 0.9999999999999999.
    let ten = company(&app, &s, "Ten Tenths").await;
    let ann = contact(&app, &s, ten, "Ann").await;
    for _ in 0..10 {
        order(&app, &s, ten, ann, "PENDING", &[Some(0.1)], 5).await;
    }
    let bal = app
        .get(&format!("/api/v1/companies-v2/{ten}/balance"), &s.token)
        .await
        .expect(200);
    assert_eq!(bal.body["total_balance"].to_string(), "1.0");
    let stats = app
        .get(&format!("/api/v1/companies-v2/{ten}/statistics"), &s.token)
        .await
        .expect(200);
    assert_eq!(stats.body["total_balance"].to_string(), "1.0");
    assert_eq!(stats.body["average_order_value"].to_string(), "0.1");

    // Three line items of 0.1 in one order, plus one of 0.2 in another: 0.3 and 0.5, never
    // 0.30000000000000004; the average of 0.5 over two orders is 0.25.
    let three = company(&app, &s, "Three Tenths").await;
    let bob = contact(&app, &s, three, "Bob").await;
    order(
        &app,
        &s,
        three,
        bob,
        "PENDING",
        &[Some(0.1), Some(0.1), Some(0.1)],
        10,
    )
    .await;
    let orders = app
        .get(&format!("/api/v1/companies-v2/{three}/orders"), &s.token)
        .await
        .expect(200);
    assert_eq!(orders.body[0]["price"].to_string(), "0.3");
    let got = app
        .get(&format!("/api/v1/companies-v2/{three}"), &s.token)
        .await
        .expect(200);
    assert_eq!(got.body["total_balance"].to_string(), "0.3");
    order(&app, &s, three, bob, "COMPLETED", &[Some(0.2)], 5).await;
    let stats = app
        .get(
            &format!("/api/v1/companies-v2/{three}/statistics"),
            &s.token,
        )
        .await
        .expect(200);
    assert_eq!(stats.body["total_balance"].to_string(), "0.5");
    assert_eq!(stats.body["average_order_value"].to_string(), "0.25");

    // Three orders of 0.1: the float average 0.30000000000000004 / 3 was 0.10000000000000002.
    let avg = company(&app, &s, "Avg Tenths").await;
    let cy = contact(&app, &s, avg, "Cy").await;
    for _ in 0..3 {
        order(&app, &s, avg, cy, "PENDING", &[Some(0.1)], 5).await;
    }
    let stats = app
        .get(&format!("/api/v1/companies-v2/{avg}/statistics"), &s.token)
        .await
        .expect(200);
    assert_eq!(stats.body["total_balance"].to_string(), "0.3");
    assert_eq!(stats.body["average_order_value"].to_string(), "0.1");
}
