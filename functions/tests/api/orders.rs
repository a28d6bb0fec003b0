//! `/api/v1/orders/*`: the order form and the order pages as the app calls them, order numbers
//! (never reused, no duplicates under concurrency), all-or-nothing creation, deletes blocked by
//! what refers to an order, the timeline from ledger entries, tenant isolation.

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::crm_fixtures::{company, contact, department};
use crate::helpers::{Detail, Session, TestApp, arr, connect, ids};

const BASE: &str = "/api/v1/orders/";

pub async fn metal_id(app: &TestApp, s: &Session, code: &str) -> i64 {
    arr(&app.get("/api/v1/metals/", &s.token).await.expect(200).body)
        .iter()
        .find(|m| m["code"] == code)
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

/// An order of `contact_id` with one line item of the given price, made through the API.
pub async fn create_order(app: &TestApp, s: &Session, contact_id: i64, price: f64) -> Value {
    app.post(
        BASE,
        json!({"contact_id": contact_id,
               "line_items": [{"product_description": "Ring", "quantity": 1, "price": price}]}),
        &s.token,
    )
    .await
    .expect(201)
    .body
}

fn number(tenant: i64, n: i64) -> String {
    format!("ORD-{tenant}-{n:06}")
}

#[tokio::test]
async fn the_order_form_creates_and_the_pages_read_what_they_need() {
    let app = TestApp::spawn().await;
    let s = app.signup("Or Happy", "orhappy").await;
    let acme = company(&app, &s, "Acme").await;
    let ann = contact(&app, &s, acme, "Ann Lee").await;
    let gold = metal_id(&app, &s, "GOLD_18K").await;

    // The order form as the app sends it: datetime-local due date, no status.
    let created = app
        .post(
            BASE,
            json!({
                "contact_id": ann,
                "due_date": "2026-12-24T15:30",
                "line_items": [
                    {"product_description": "Wedding ring", "specifications": "size 54", "metal_id": gold,
                     "quantity": 2, "target_weight_per_piece": 4.25, "initial_total_weight": 9.1,
                     "price": 1250.5, "labor_cost": 80},
                    {"product_description": "Pendant", "quantity": 1, "price": 0.1}
                ]
            }),
            &s.token,
        )
        .await
        .expect(201);
    let b = &created.body;
    let id = b["id"].as_i64().unwrap();
    assert_eq!(b["order_number"], number(s.tenant_id, 1));
    assert_eq!(b["status"], "PENDING");
    assert_eq!(b["due_date"], "2026-12-24T15:30:00Z");
    assert_eq!(b["tenant_id"], s.tenant_id);
    assert_eq!(b["contact_id"], ann);
    assert_eq!(b["company_id"], acme, "the contact's company");
    assert_eq!(b["contact"]["name"], "Ann Lee");
    assert_eq!(b["company"]["name"], "Acme");
    assert_eq!(b["price"], json!(1250.6), "the total of the line items");
    // The legacy single-line fields, from the line items.
    assert_eq!(b["product_description"], "Wedding ring (+1 more)");
    assert_eq!(b["quantity"], 3);
    assert_eq!(b["metal_id"], gold);
    assert_eq!(b["metal_name"], "Gold 18K");
    let items = arr(&b["line_items"]);
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["product_description"], "Wedding ring");
    assert_eq!(items[0]["specifications"], "size 54");
    assert_eq!(items[0]["metal_id"], gold);
    assert_eq!(items[0]["metal_name"], "Gold 18K");
    assert_eq!(items[0]["quantity"], 2);
    assert_eq!(items[0]["target_weight_per_piece"], json!(4.25));
    assert_eq!(items[0]["initial_total_weight"], json!(9.1));
    assert_eq!(items[0]["price"], json!(1250.5));
    assert_eq!(items[0]["labor_cost"], json!(80.0));
    assert_eq!(items[0]["order_id"], id);
    assert!(items[0]["id"].is_i64() && items[0]["created_at"].is_string());
    assert_eq!(items[1]["product_description"], "Pendant");
    assert!(items[1]["metal_id"].is_null() && items[1]["metal_name"].is_null());
    assert!(items[1]["specifications"].is_null() && items[1]["labor_cost"].is_null());
    assert_eq!(items[1]["price"], json!(0.1));

    // RFC 3339 is accepted too, and a given status is kept.
    let second = app
        .post(
            BASE,
            json!({"contact_id": ann, "status": "IN_PROGRESS", "due_date": "2027-01-05T10:00:00+02:00",
                   "line_items": [{"product_description": "Chain"}]}),
            &s.token,
        )
        .await
        .expect(201);
    assert_eq!(second.body["order_number"], number(s.tenant_id, 2));
    assert_eq!(second.body["status"], "IN_PROGRESS");
    assert_eq!(second.body["due_date"], "2027-01-05T08:00:00Z");
    assert_eq!(second.body["price"], json!(0.0), "no prices: a total of 0");
    assert_eq!(second.body["quantity"], 1);
    assert!(second.body["metal_id"].is_null());
    let second = second.body["id"].as_i64().unwrap();

    // The orders page, the dashboard and the ledger form: newest first, everything in one call.
    let list = app.get(BASE, &s.token).await.expect(200);
    assert_eq!(ids(&list.body), vec![second, id]);
    let first = &list.body[1];
    for field in [
        "order_number",
        "status",
        "due_date",
        "price",
        "contact_id",
        "company_id",
        "product_description",
        "quantity",
        "metal_id",
        "metal_name",
    ] {
        assert_eq!(first[field], b[field], "{field}");
    }
    assert_eq!(first["contact"]["name"], "Ann Lee");
    assert_eq!(first["company"]["name"], "Acme");
    assert_eq!(first["line_items"], b["line_items"]);
    let newest = arr(&list.body[0]["line_items"]);
    assert_eq!(newest.len(), 1, "each order has its own items");
    assert_eq!(newest[0]["product_description"], "Chain");
    let r = app
        .get(&format!("{BASE}?skip=1&limit=1"), &s.token)
        .await
        .expect(200);
    assert_eq!(ids(&r.body), vec![id]);

    // The order page.
    let got = app.get(&format!("{BASE}{id}"), &s.token).await.expect(200);
    assert_eq!(got.body, created.body);

    // The company's and the contact's order tabs see the same total.
    let tab = app
        .get(&format!("/api/v1/contacts/{ann}/orders"), &s.token)
        .await
        .expect(200);
    assert_eq!(tab.body[1]["price"], json!(1250.6));
}

#[tokio::test]
async fn the_dashboard_reads_orders_and_shipments() {
    let app = TestApp::spawn().await;
    let s = app.signup("Or Dash", "ordash").await;
    let acme = company(&app, &s, "Acme").await;
    let ann = contact(&app, &s, acme, "Ann").await;
    let pending = create_order(&app, &s, ann, 10.0).await["id"]
        .as_i64()
        .unwrap();
    let done = create_order(&app, &s, ann, 20.0).await["id"]
        .as_i64()
        .unwrap();
    app.put(
        &format!("{BASE}{done}"),
        json!({"status": "COMPLETED"}),
        &s.token,
    )
    .await
    .expect(200);
    app.post(
        "/api/v1/shipments/",
        json!({"order_id": done, "tracking_number": "1Z1", "carrier": "UPS", "shipping_address": "1 Main St"}),
        &s.token,
    )
    .await
    .expect(200);

    let orders = app.get(BASE, &s.token).await.expect(200);
    let seen: Vec<(i64, &str, &str)> = arr(&orders.body)
        .iter()
        .map(|o| {
            (
                o["id"].as_i64().unwrap(),
                o["status"].as_str().unwrap(),
                o["contact"]["name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![(done, "COMPLETED", "Ann"), (pending, "PENDING", "Ann")]
    );
    let shipments = app.get("/api/v1/shipments/", &s.token).await.expect(200);
    assert_eq!(arr(&shipments.body).len(), 1);
}

#[tokio::test]
async fn the_edit_form_echoes_every_field_of_the_order_back() {
    let app = TestApp::spawn().await;
    let s = app.signup("Or Edit", "oredit").await;
    let acme = company(&app, &s, "Acme").await;
    let beta = company(&app, &s, "Beta").await;
    let ann = contact(&app, &s, acme, "Ann").await;
    let bob = contact(&app, &s, beta, "Bob").await;
    let gold = metal_id(&app, &s, "GOLD_14K").await;
    let created = app
        .post(
            BASE,
            json!({"contact_id": ann, "due_date": "2026-12-24T15:30",
                   "line_items": [{"product_description": "Ring", "metal_id": gold, "quantity": 2, "price": 100},
                                  {"product_description": "Chain", "price": 50.25}]}),
            &s.token,
        )
        .await
        .expect(201);
    let id = created.body["id"].as_i64().unwrap();
    let old_items = ids(&created.body["line_items"]);

    // What the edit page sends: everything GET answered, with its changes; each line item as GET
    // answered it minus id and metal_name (order_id and the timestamps stay in).
    let got = app.get(&format!("{BASE}{id}"), &s.token).await.expect(200);
    let mut body = got.body.clone();
    body["contact_id"] = json!(bob);
    body["status"] = json!("IN_PROGRESS");
    body["due_date"] = json!(got.body["due_date"].as_str().unwrap()[..16]);
    let mut items: Vec<Value> = arr(&got.body["line_items"]).clone();
    for item in &mut items {
        let obj = item.as_object_mut().unwrap();
        obj.remove("id");
        obj.remove("metal_name");
    }
    items[1]["quantity"] = json!(3);
    items[1]["metal_id"] = json!(gold);
    body["line_items"] = json!(items);
    let upd = app
        .put(&format!("{BASE}{id}"), body, &s.token)
        .await
        .expect(200);
    let b = &upd.body;
    assert_eq!(b["order_number"], created.body["order_number"], "kept");
    assert_eq!(b["contact_id"], bob);
    assert_eq!(b["company_id"], beta, "the new contact's company");
    assert_eq!(b["company"]["name"], "Beta");
    assert_eq!(b["status"], "IN_PROGRESS");
    assert_eq!(b["due_date"], "2026-12-24T15:30:00Z");
    assert_eq!(b["price"], json!(150.25));
    let new_items = arr(&b["line_items"]);
    assert_eq!(new_items.len(), 2);
    assert_eq!(new_items[1]["product_description"], "Chain");
    assert_eq!(new_items[1]["quantity"], 3);
    assert_eq!(new_items[1]["metal_name"], "Gold 14K");
    assert!(
        ids(&b["line_items"]).iter().all(|i| !old_items.contains(i)),
        "the line items were replaced"
    );
    let owner = connect(&app.owner_url()).await;
    let count: i64 = owner
        .query_one(
            "select count(*) from order_line_items where order_id = $1",
            &[&id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 2, "no old item left behind");

    // Partial updates keep what is not sent; a blank due date clears it.
    let upd = app
        .put(
            &format!("{BASE}{id}"),
            json!({"status": "COMPLETED", "due_date": ""}),
            &s.token,
        )
        .await
        .expect(200);
    assert_eq!(upd.body["status"], "COMPLETED");
    assert!(upd.body["due_date"].is_null());
    assert_eq!(upd.body["contact_id"], bob);
    assert_eq!(upd.body["line_items"], b["line_items"]);

    // An empty item list, a bad status: refused, nothing changed.
    let r = app
        .put(&format!("{BASE}{id}"), json!({"line_items": []}), &s.token)
        .await
        .expect(422);
    assert_eq!(
        r.detail(),
        "line_items: must contain at least one line item"
    );
    let r = app
        .put(&format!("{BASE}{id}"), json!({"status": "DONE"}), &s.token)
        .await
        .expect(422);
    assert_eq!(
        r.detail(),
        "status: must be one of PENDING, IN_PROGRESS, COMPLETED, SHIPPED, CANCELLED"
    );
    let after = app.get(&format!("{BASE}{id}"), &s.token).await.expect(200);
    assert_eq!(after.body, upd.body);
}

#[tokio::test]
async fn invalid_orders_are_a_422_with_a_string_detail() {
    let app = TestApp::spawn().await;
    let a = app.signup("Or Invalid", "orinvalid").await;
    let b = app.signup("Or Invalid B", "orinvalidb").await;
    let acme = company(&app, &a, "Acme").await;
    let ann = contact(&app, &a, acme, "Ann").await;
    let foreign_company = company(&app, &b, "Foreign").await;
    let foreign_contact = contact(&app, &b, foreign_company, "Zed").await;
    let foreign_metal = metal_id(&app, &b, "GOLD_24K").await;
    let item = json!({"product_description": "Ring"});
    let cases = [
        (
            json!({"line_items": [item]}),
            "contact_id: Field required".to_string(),
        ),
        (
            json!({"contact_id": ann}),
            "line_items: Field required".to_string(),
        ),
        (
            json!({"contact_id": ann, "line_items": []}),
            "line_items: must contain at least one line item".to_string(),
        ),
        (
            json!({"contact_id": foreign_contact, "line_items": [item]}),
            format!("contact_id: Contact with id {foreign_contact} not found"),
        ),
        (
            json!({"contact_id": 999999, "line_items": [item]}),
            "contact_id: Contact with id 999999 not found".to_string(),
        ),
        (
            json!({"contact_id": 0, "line_items": [item]}),
            "contact_id: must be a positive integer".to_string(),
        ),
        (
            json!({"contact_id": ann, "line_items": [item, {"product_description": "X", "metal_id": foreign_metal}]}),
            format!("line_items.1.metal_id: Metal with id {foreign_metal} not found"),
        ),
        (
            json!({"contact_id": ann, "line_items": [{"product_description": " "}]}),
            "line_items.0.product_description: must not be blank".to_string(),
        ),
        (
            json!({"contact_id": ann, "line_items": [{"product_description": "X", "quantity": 0}]}),
            "line_items.0.quantity: must be a whole number of at least 1".to_string(),
        ),
        (
            json!({"contact_id": ann, "line_items": [{"product_description": "X", "price": -1}]}),
            "line_items.0.price: must be a number of at least 0".to_string(),
        ),
        (
            json!({"contact_id": ann, "due_date": "24.12.2026", "line_items": [item]}),
            "due_date: must be a date and time (YYYY-MM-DDTHH:mm, RFC 3339 or YYYY-MM-DD)"
                .to_string(),
        ),
        (
            json!({"contact_id": ann, "status": "pending", "line_items": [item]}),
            "status: must be one of PENDING, IN_PROGRESS, COMPLETED, SHIPPED, CANCELLED"
                .to_string(),
        ),
    ];
    app.expect_422s(BASE, &a.token, cases, Detail::Is).await;
    let list = app.get(BASE, &a.token).await.expect(200);
    assert_eq!(list.body, json!([]), "nothing was created");
}

#[tokio::test]
async fn an_invalid_second_line_item_leaves_no_order_and_no_items() {
    let app = TestApp::spawn().await;
    let a = app.signup("Or Atomic", "oratomic").await;
    let b = app.signup("Or Atomic B", "oratomicb").await;
    let acme = company(&app, &a, "Acme").await;
    let ann = contact(&app, &a, acme, "Ann").await;
    // Valid in shape, refused by the database: the order and the first item were already written.
    let foreign_metal = metal_id(&app, &b, "SILVER_925").await;
    let r = app
        .post(
            BASE,
            json!({"contact_id": ann, "line_items": [
                {"product_description": "Ring", "price": 10},
                {"product_description": "Chain", "metal_id": foreign_metal}
            ]}),
            &a.token,
        )
        .await
        .expect(422);
    assert_eq!(
        r.detail(),
        format!("line_items.1.metal_id: Metal with id {foreign_metal} not found")
    );
    let owner = connect(&app.owner_url()).await;
    let counts = owner
        .query_one(
            "select (select count(*) from orders where tenant_id = $1),
                    (select count(*) from order_line_items where tenant_id = $1)",
            &[&a.tenant_id],
        )
        .await
        .unwrap();
    assert_eq!((counts.get::<_, i64>(0), counts.get::<_, i64>(1)), (0, 0));
    // The counter went back with the rest: the next order is the first.
    let next = create_order(&app, &a, ann, 1.0).await;
    assert_eq!(next["order_number"], number(a.tenant_id, 1));
}

#[tokio::test]
async fn order_numbers_are_never_reused_after_a_delete() {
    let app = TestApp::spawn().await;
    let s = app.signup("Or Numbers", "ornumbers").await;
    let acme = company(&app, &s, "Acme").await;
    let ann = contact(&app, &s, acme, "Ann").await;
    let mut made = Vec::new();
    for _ in 0..3 {
        made.push(create_order(&app, &s, ann, 1.0).await);
    }
    let second = made[1]["id"].as_i64().unwrap();
    app.delete(&format!("{BASE}{second}"), &s.token)
        .await
        .expect(200);
    made.push(create_order(&app, &s, ann, 1.0).await);
    let numbers: Vec<&str> = made
        .iter()
        .map(|o| o["order_number"].as_str().unwrap())
        .collect();
    let t = s.tenant_id;
    assert_eq!(
        numbers,
        vec![number(t, 1), number(t, 2), number(t, 3), number(t, 4)]
    );
    let list = app.get(BASE, &s.token).await.expect(200);
    let listed: Vec<&str> = arr(&list.body)
        .iter()
        .map(|o| o["order_number"].as_str().unwrap())
        .collect();
    assert_eq!(listed.len(), 3);
    assert!(!listed.contains(&number(t, 2).as_str()), "{listed:?}");

    // Each tenant counts on its own.
    let other = app.signup("Or Numbers B", "ornumbersb").await;
    let beta = company(&app, &other, "Beta").await;
    let bob = contact(&app, &other, beta, "Bob").await;
    let first = create_order(&app, &other, bob, 1.0).await;
    assert_eq!(first["order_number"], number(other.tenant_id, 1));
}

#[tokio::test]
async fn concurrent_creations_get_distinct_consecutive_numbers() {
    let app = TestApp::spawn().await;
    let s = app.signup("Or Race", "orrace").await;
    let acme = company(&app, &s, "Acme").await;
    let ann = contact(&app, &s, acme, "Ann").await;
    let answers = join_all((0..20).map(|i| {
        app.post(
            BASE,
            json!({"contact_id": ann, "line_items": [{"product_description": format!("Item {i}")}]}),
            &s.token,
        )
    }))
    .await;
    let mut numbers: Vec<String> = answers
        .into_iter()
        .map(|r| {
            r.expect(201).body["order_number"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    numbers.sort();
    let expected: Vec<String> = (1..=20).map(|n| number(s.tenant_id, n)).collect();
    assert_eq!(numbers, expected);
}

#[tokio::test]
async fn another_tenants_order_is_not_found() {
    let app = TestApp::spawn().await;
    let a = app.signup("Or Iso", "oriso").await;
    let b = app.signup("Or Iso B", "orisob").await;
    let acme = company(&app, &a, "Acme").await;
    let ann = contact(&app, &a, acme, "Ann").await;
    let beta = company(&app, &b, "Beta").await;
    let bob = contact(&app, &b, beta, "Bob").await;
    let mine = create_order(&app, &a, ann, 5.0).await["id"]
        .as_i64()
        .unwrap();
    let theirs = create_order(&app, &b, bob, 7.0).await["id"]
        .as_i64()
        .unwrap();

    let not_found = format!("Order with id {theirs} not found");
    let path = format!("{BASE}{theirs}");
    assert_eq!(
        app.get(&path, &a.token).await.expect(404).detail(),
        not_found
    );
    assert_eq!(
        app.get(&format!("{path}/timeline"), &a.token)
            .await
            .expect(404)
            .detail(),
        not_found
    );
    assert_eq!(
        app.put(&path, json!({"status": "CANCELLED"}), &a.token)
            .await
            .expect(404)
            .detail(),
        not_found
    );
    assert_eq!(
        app.delete(&path, &a.token).await.expect(404).detail(),
        not_found
    );
    assert_eq!(
        ids(&app.get(BASE, &a.token).await.expect(200).body),
        vec![mine]
    );
    // Untouched.
    let still = app.get(&path, &b.token).await.expect(200);
    assert_eq!(still.body["status"], "PENDING");

    // Another tenant's contact or metal in an update's body is a 422 naming the field.
    let r = app
        .put(
            &format!("{BASE}{mine}"),
            json!({"contact_id": bob}),
            &a.token,
        )
        .await
        .expect(422);
    assert_eq!(
        r.detail(),
        format!("contact_id: Contact with id {bob} not found")
    );
    let foreign_metal = metal_id(&app, &b, "PLATINUM").await;
    let r = app
        .put(
            &format!("{BASE}{mine}"),
            json!({"line_items": [{"product_description": "X", "metal_id": foreign_metal}]}),
            &a.token,
        )
        .await
        .expect(422);
    assert_eq!(
        r.detail(),
        format!("line_items.0.metal_id: Metal with id {foreign_metal} not found")
    );
    let got = app
        .get(&format!("{BASE}{mine}"), &a.token)
        .await
        .expect(200);
    assert_eq!(got.body["contact_id"], ann);
    assert_eq!(arr(&got.body["line_items"]).len(), 1);
    assert_eq!(got.body["line_items"][0]["product_description"], "Ring");
}

/// Ledger entries of one order in one metal, put in place as the owner: no department balance and no
/// casting consumption, so each test controls exactly what refers to the order (the ledger's own
/// effects are tested in `ledger.rs`).
struct Ledger<'a> {
    app: &'a TestApp,
    s: &'a Session,
    order: i64,
    metal: i64,
}

impl Ledger<'_> {
    async fn entry(&self, department: i64, direction: &str, date: &str, archived: bool) {
        connect(&self.app.owner_url())
            .await
            .execute(
                "insert into department_ledger_entries
                     (tenant_id, date, department_id, order_id, metal_id, direction, quantity, weight,
                      fine_weight, created_by, is_archived)
                 values ($1, $2::text::date, $3, $4, $5, $6, 1, 10, 7.5, $7, $8)",
                &[
                    &self.s.tenant_id,
                    &date,
                    &department,
                    &self.order,
                    &self.metal,
                    &direction,
                    &self.s.user_id,
                    &archived,
                ],
            )
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn the_timeline_follows_the_ledger_and_hides_archived_entries() {
    let app = TestApp::spawn().await;
    let s = app.signup("Or Timeline", "ortimeline").await;
    let acme = company(&app, &s, "Acme").await;
    let ann = contact(&app, &s, acme, "Ann Lee").await;
    let gold = metal_id(&app, &s, "GOLD_18K").await;
    let casting = department(&app, &s, "Casting").await;
    let polishing = department(&app, &s, "Polishing").await;
    let setting = department(&app, &s, "Setting").await;
    let engraving = department(&app, &s, "Engraving").await;
    let order = app
        .post(
            BASE,
            json!({"contact_id": ann, "line_items": [
                {"product_description": "Ring"}, {"product_description": "Chain"}, {"product_description": "Clasp"}
            ]}),
            &s.token,
        )
        .await
        .expect(201);
    let id = order.body["id"].as_i64().unwrap();

    // No entries yet: no steps, and `steps` is an array.
    let t = app
        .get(&format!("{BASE}{id}/timeline"), &s.token)
        .await
        .expect(200);
    assert_eq!(
        t.body,
        json!({"order_id": id, "order_number": order.body["order_number"], "contact_name": "Ann Lee",
               "product_description": "Ring (+2 more)", "steps": [], "total_steps": 0})
    );

    let ledger = Ledger {
        app: &app,
        s: &s,
        order: id,
        metal: gold,
    };
    // Casting IN then OUT (completed), Polishing IN (in progress; its OUT is archived), Setting
    // OUT only (pending), Engraving only archived (hidden).
    ledger.entry(casting, "IN", "2026-03-01", false).await;
    ledger.entry(polishing, "IN", "2026-03-02", false).await;
    ledger.entry(casting, "OUT", "2026-03-02", false).await;
    ledger.entry(polishing, "OUT", "2026-03-03", true).await;
    ledger.entry(engraving, "IN", "2026-02-01", true).await;
    ledger.entry(setting, "OUT", "2026-03-04", false).await;
    let t = app
        .get(&format!("{BASE}{id}/timeline"), &s.token)
        .await
        .expect(200);
    let step = |dept: i64, name: &str, status: &str| {
        json!({"id": dept, "step_type": name, "status": status, "department": name,
               "duration_hours": null, "sequence_order": dept})
    };
    assert_eq!(
        t.body["steps"],
        json!([
            step(casting, "Casting", "completed"),
            step(polishing, "Polishing", "in_progress"),
            step(setting, "Setting", "pending"),
        ])
    );
    assert_eq!(t.body["total_steps"], 3);
    assert_eq!(t.body["product_description"], "Ring (+2 more)");
}

#[tokio::test]
async fn deleting_an_order_is_blocked_while_something_refers_to_it() {
    let app = TestApp::spawn().await;
    let s = app.signup("Or Delete", "ordelete").await;
    let acme = company(&app, &s, "Acme").await;
    let ann = contact(&app, &s, acme, "Ann").await;
    let gold = metal_id(&app, &s, "GOLD_22K").await;
    let casting = department(&app, &s, "Casting").await;
    let id = create_order(&app, &s, ann, 3.0).await["id"]
        .as_i64()
        .unwrap();
    let path = format!("{BASE}{id}");

    let shipment = app
        .post(
            "/api/v1/shipments/",
            json!({"order_id": id, "shipping_address": "1 Main St"}),
            &s.token,
        )
        .await
        .expect(200)
        .body["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        app.delete(&path, &s.token).await.expect(409).detail(),
        "Cannot delete order with existing shipments"
    );
    let ledger = Ledger {
        app: &app,
        s: &s,
        order: id,
        metal: gold,
    };
    ledger.entry(casting, "IN", "2026-03-01", true).await;
    assert_eq!(
        app.delete(&path, &s.token).await.expect(409).detail(),
        "Cannot delete order with existing ledger entries and shipments"
    );
    let owner = connect(&app.owner_url()).await;
    owner
        .execute(
            "insert into metal_transactions (tenant_id, transaction_type, metal_id, company_id, order_id,
                                             quantity_grams, created_by)
             values ($1, 'COMPANY_DEPOSIT', $2, $3, $4, 5, $5)",
            &[&s.tenant_id, &gold, &acme, &id, &s.user_id],
        )
        .await
        .unwrap();
    assert_eq!(
        app.delete(&path, &s.token).await.expect(409).detail(),
        "Cannot delete order with existing ledger entries, metal transactions and shipments"
    );
    app.get(&path, &s.token).await.expect(200);

    owner
        .batch_execute(&format!(
            "delete from metal_transactions where order_id = {id};
             delete from department_ledger_entries where order_id = {id};"
        ))
        .await
        .unwrap();
    app.delete(&format!("/api/v1/shipments/{shipment}"), &s.token)
        .await
        .expect(200);
    let r = app.delete(&path, &s.token).await.expect(200);
    assert_eq!(r.body, json!({"message": "Order deleted successfully"}));
    app.get(&path, &s.token).await.expect(404);
    let items: i64 = owner
        .query_one(
            "select count(*) from order_line_items where order_id = $1",
            &[&id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(items, 0, "the line items went with the order");
}

#[tokio::test]
async fn single_line_orders_of_the_old_service_keep_their_header_fields() {
    let app = TestApp::spawn().await;
    let s = app.signup("Or Legacy", "orlegacy").await;
    let acme = company(&app, &s, "Acme").await;
    let ann = contact(&app, &s, acme, "Ann").await;
    let gold = metal_id(&app, &s, "GOLD_24K").await;
    let old = crate::crm_fixtures::order(&app, &s, acme, ann, "COMPLETED", &[], 60).await;
    connect(&app.owner_url())
        .await
        .execute(
            "update orders set product_description = 'Old ring', quantity = 3, metal_id = $2
              where id = $1",
            &[&old, &gold],
        )
        .await
        .unwrap();
    let got = app.get(&format!("{BASE}{old}"), &s.token).await.expect(200);
    assert_eq!(got.body["product_description"], "Old ring");
    assert_eq!(got.body["quantity"], 3);
    assert_eq!(got.body["metal_id"], gold);
    assert_eq!(got.body["metal_name"], "Gold 24K");
    assert_eq!(got.body["line_items"], json!([]));
    assert_eq!(got.body["price"], json!(0.0));
    let t = app
        .get(&format!("{BASE}{old}/timeline"), &s.token)
        .await
        .expect(200);
    assert_eq!(t.body["product_description"], "Old ring");
    // Numbered from the same counter: the next order follows it.
    let next = create_order(&app, &s, ann, 1.0).await;
    assert_eq!(next["order_number"], number(s.tenant_id, 2));
    assert_eq!(got.body["order_number"], number(s.tenant_id, 1));
}

/// The company's balance of `metal` and the number of orders, items and transactions of the tenant.
async fn deposit_state(
    app: &TestApp,
    tenant: i64,
    company: i64,
    metal: i64,
) -> (String, i64, i64, i64) {
    let owner = connect(&app.owner_url()).await;
    let r = owner
        .query_one(
            "select coalesce((select balance_grams::text from company_metal_balances
                               where tenant_id = $1 and company_id = $2 and metal_id = $3), 'none') as balance,
                    (select count(*) from orders where tenant_id = $1) as orders,
                    (select count(*) from order_line_items where tenant_id = $1) as items,
                    (select count(*) from metal_transactions where tenant_id = $1) as transactions",
            &[&tenant, &company, &metal],
        )
        .await
        .unwrap();
    (
        r.get("balance"),
        r.get("orders"),
        r.get("items"),
        r.get("transactions"),
    )
}

#[tokio::test]
async fn an_inline_deposit_is_booked_with_its_order_or_nothing_is() {
    let app = TestApp::spawn().await;
    let s = app.signup("Or Deposit", "ordeposit").await;
    let acme = company(&app, &s, "Acme").await;
    let ann = contact(&app, &s, acme, "Ann").await;
    let gold = metal_id(&app, &s, "GOLD_24K").await;
    let items =
        json!([{"product_description": "Ring", "price": 10}, {"product_description": "Chain"}]);

    // An unknown metal: 422 naming the nested field, and no order, no items, no transaction, no
    // number used.
    let r = app
        .post(
            BASE,
            json!({"contact_id": ann, "line_items": items,
                   "metal_deposit": {"metal_id": 999_999, "quantity_grams": 1.5}}),
            &s.token,
        )
        .await
        .expect(422);
    assert!(
        r.detail().starts_with("metal_deposit.metal_id: "),
        "{}",
        r.detail()
    );
    assert_eq!(
        deposit_state(&app, s.tenant_id, acme, gold).await,
        ("none".into(), 0, 0, 0)
    );
    // A missing amount is refused before anything is written, too.
    let r = app
        .post(
            BASE,
            json!({"contact_id": ann, "line_items": items, "metal_deposit": {"metal_id": gold}}),
            &s.token,
        )
        .await
        .expect(422);
    assert_eq!(r.detail(), "metal_deposit.quantity_grams: Field required");

    // As the app sends it: the order, both items and the deposit, with exact grams.
    let created = app
        .post(
            BASE,
            json!({"contact_id": ann, "line_items": items,
                   "metal_deposit": {"metal_id": gold, "quantity_grams": 0.1, "notes": "with the order"}}),
            &s.token,
        )
        .await
        .expect(201);
    assert_eq!(created.body["order_number"], number(s.tenant_id, 1));
    assert_eq!(
        deposit_state(&app, s.tenant_id, acme, gold).await,
        ("0.1000".into(), 1, 2, 1)
    );
    let balances = app
        .get(
            &format!("/api/v1/companies/{acme}/metal-balances"),
            &s.token,
        )
        .await
        .expect(200);
    let row = arr(&balances.body)
        .iter()
        .find(|b| b["metal_id"] == gold)
        .cloned()
        .unwrap();
    assert_eq!(row["balance_grams"], json!(0.1));

    // An empty object or null is no deposit.
    for none in [json!({}), Value::Null] {
        app.post(
            BASE,
            json!({"contact_id": ann, "line_items": items, "metal_deposit": none}),
            &s.token,
        )
        .await
        .expect(201);
    }
    assert_eq!(
        deposit_state(&app, s.tenant_id, acme, gold).await,
        ("0.1000".into(), 3, 6, 1)
    );
}

#[tokio::test]
async fn an_inline_deposit_needs_the_deposit_permissions() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Or Dep Perm", "ordepperm").await;
    let acme = company(&app, &admin, "Acme").await;
    let ann = contact(&app, &admin, acme, "Ann").await;
    let gold = metal_id(&app, &admin, "GOLD_24K").await;
    let clerk = app
        .user_with_role(
            &admin,
            "orderclerk",
            &["orders:write", "orders:read", "companies:write"],
        )
        .await;
    let body = |deposit: Value| json!({"contact_id": ann, "line_items": [{"product_description": "Ring"}], "metal_deposit": deposit});
    let r = app
        .post(
            BASE,
            body(json!({"metal_id": gold, "quantity_grams": 2})),
            &clerk.token,
        )
        .await
        .expect(403);
    assert_eq!(r.detail(), "Permission 'safe:write' required");
    assert_eq!(
        deposit_state(&app, admin.tenant_id, acme, gold).await,
        ("none".into(), 0, 0, 0)
    );
    // Positive controls: the clerk's order without a deposit, and the admin's with one.
    app.post(BASE, body(Value::Null), &clerk.token)
        .await
        .expect(201);
    app.post(
        BASE,
        body(json!({"metal_id": gold, "quantity_grams": 2})),
        &admin.token,
    )
    .await
    .expect(201);
    assert_eq!(
        deposit_state(&app, admin.tenant_id, acme, gold).await,
        ("2.0000".into(), 2, 2, 1)
    );
}
