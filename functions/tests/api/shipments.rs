//! `/api/v1/shipments/*`: the shipments page as the app calls it (create, list with the order
//! number, status changes that stamp shipped_at / delivered_at, delete), invalid input, tracking
//! numbers unique per tenant, tenant isolation.

use serde_json::json;

use crate::crm_fixtures::{company, contact};
use crate::helpers::{Detail, Session, TestApp, arr, ids};
use crate::orders::create_order;

const BASE: &str = "/api/v1/shipments/";

/// A contact's order in a fresh tenant: (session, order id, order number).
async fn tenant_with_order(app: &TestApp, tenant: &str, user: &str) -> (Session, i64, String) {
    let s = app.signup(tenant, user).await;
    let acme = company(app, &s, "Acme").await;
    let ann = contact(app, &s, acme, "Ann").await;
    let order = create_order(app, &s, ann, 100.0).await;
    (
        s,
        order["id"].as_i64().unwrap(),
        order["order_number"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn the_shipments_page_creates_lists_and_changes_status() {
    let app = TestApp::spawn().await;
    let (s, order, order_number) = tenant_with_order(&app, "Sh Happy", "shhappy").await;

    // The create form as the app sends it.
    let created = app
        .post(
            BASE,
            json!({"order_id": order, "tracking_number": " 1Z999 ", "carrier": "UPS",
                   "shipping_address": "1 Main St, Springfield, IL 62701, USA",
                   "shipping_cost": 12.5, "notes": "Fragile"}),
            &s.token,
        )
        .await
        .expect(200);
    let b = &created.body;
    let id = b["id"].as_i64().unwrap();
    assert_eq!(b["order_id"], order);
    assert_eq!(b["order_number"], order_number);
    assert_eq!(b["tenant_id"], s.tenant_id);
    assert_eq!(b["tracking_number"], "1Z999", "kept on create");
    assert_eq!(b["notes"], "Fragile", "kept on create");
    assert_eq!(b["carrier"], "UPS");
    assert_eq!(
        b["shipping_address"],
        "1 Main St, Springfield, IL 62701, USA"
    );
    assert_eq!(b["shipping_cost"], json!(12.5));
    assert_eq!(b["status"], "PREPARING");
    assert!(b["shipped_at"].is_null() && b["delivered_at"].is_null());
    assert!(b["created_at"].is_string() && b["updated_at"].is_string());

    // Optional fields left out or blank: null (two shipments without tracking do not clash).
    let bare = app
        .post(
            BASE,
            json!({"order_id": order, "tracking_number": "", "carrier": "", "shipping_address": "2 Elm St"}),
            &s.token,
        )
        .await
        .expect(200);
    assert!(bare.body["tracking_number"].is_null() && bare.body["carrier"].is_null());
    assert!(bare.body["shipping_cost"].is_null() && bare.body["notes"].is_null());
    let bare2 = app
        .post(
            BASE,
            json!({"order_id": order, "tracking_number": "", "shipping_address": "3 Oak St"}),
            &s.token,
        )
        .await
        .expect(200);
    let (bare, bare2) = (
        bare.body["id"].as_i64().unwrap(),
        bare2.body["id"].as_i64().unwrap(),
    );

    // The list, newest first, with the fields the page reads.
    let list = app.get(BASE, &s.token).await.expect(200);
    assert_eq!(ids(&list.body), vec![bare2, bare, id]);
    assert_eq!(list.body[2], created.body);
    let r = app
        .get(&format!("{BASE}?order_id={order}&skip=2&limit=5"), &s.token)
        .await
        .expect(200);
    assert_eq!(ids(&r.body), vec![id]);
    let r = app
        .get(&format!("{BASE}?order_id="), &s.token)
        .await
        .expect(200);
    assert_eq!(arr(&r.body).len(), 3, "an empty filter is no filter");
    let got = app.get(&format!("{BASE}{id}"), &s.token).await.expect(200);
    assert_eq!(got.body, created.body);

    // The edit form sends every field again, with the new status.
    let edit = |status: &str| {
        json!({"order_id": order, "tracking_number": "1Z999", "carrier": "UPS",
               "shipping_address": "1 Main St, Springfield, IL 62701, USA", "status": status,
               "shipping_cost": 12.5, "notes": "Fragile"})
    };
    let shipped = app
        .put(&format!("{BASE}{id}"), edit("SHIPPED"), &s.token)
        .await
        .expect(200);
    assert_eq!(shipped.body["status"], "SHIPPED");
    let shipped_at = shipped.body["shipped_at"].as_str().unwrap().to_string();
    assert!(shipped.body["delivered_at"].is_null());
    let transit = app
        .put(&format!("{BASE}{id}"), edit("IN_TRANSIT"), &s.token)
        .await
        .expect(200);
    assert_eq!(transit.body["shipped_at"], shipped_at.as_str(), "kept");
    let delivered = app
        .put(&format!("{BASE}{id}"), edit("DELIVERED"), &s.token)
        .await
        .expect(200);
    assert_eq!(delivered.body["status"], "DELIVERED");
    assert_eq!(delivered.body["shipped_at"], shipped_at.as_str());
    let delivered_at = delivered.body["delivered_at"].as_str().unwrap().to_string();
    // Saving again does not move the timestamps.
    let again = app
        .put(&format!("{BASE}{id}"), edit("DELIVERED"), &s.token)
        .await
        .expect(200);
    assert_eq!(again.body["delivered_at"], delivered_at.as_str());
    // A shipment never changes its order.
    let o = app
        .get(&format!("/api/v1/orders/{order}"), &s.token)
        .await
        .expect(200);
    assert_eq!(o.body["status"], "PENDING");

    // Partial: what is not sent is kept, null clears.
    let upd = app
        .put(
            &format!("{BASE}{id}"),
            json!({"notes": null, "shipping_cost": 20}),
            &s.token,
        )
        .await
        .expect(200);
    assert!(upd.body["notes"].is_null());
    assert_eq!(upd.body["shipping_cost"], json!(20.0));
    assert_eq!(upd.body["tracking_number"], "1Z999");
    assert_eq!(upd.body["status"], "DELIVERED");

    // Delete.
    let r = app
        .delete(&format!("{BASE}{id}"), &s.token)
        .await
        .expect(200);
    assert_eq!(r.body, json!({"message": "Shipment deleted successfully"}));
    app.get(&format!("{BASE}{id}"), &s.token).await.expect(404);
    assert_eq!(
        ids(&app.get(BASE, &s.token).await.expect(200).body),
        vec![bare2, bare]
    );
}

#[tokio::test]
async fn invalid_shipments_are_a_422_and_tracking_numbers_are_unique() {
    let app = TestApp::spawn().await;
    let (a, order, _) = tenant_with_order(&app, "Sh Invalid", "shinvalid").await;
    let (_b, foreign, _) = tenant_with_order(&app, "Sh Invalid B", "shinvalidb").await;
    let cases = [
        (
            json!({"shipping_address": "1 Main St"}),
            "order_id: Field required".to_string(),
        ),
        (
            json!({"order_id": order}),
            "shipping_address: Field required".to_string(),
        ),
        (
            json!({"order_id": order, "shipping_address": "  "}),
            "shipping_address: must not be blank".to_string(),
        ),
        (
            json!({"order_id": foreign, "shipping_address": "1 Main St"}),
            format!("order_id: Order with id {foreign} not found"),
        ),
        (
            json!({"order_id": 999999, "shipping_address": "1 Main St"}),
            "order_id: Order with id 999999 not found".to_string(),
        ),
        (
            json!({"order_id": order, "shipping_address": "1 Main St", "shipping_cost": -5}),
            "shipping_cost: must be a number of at least 0".to_string(),
        ),
    ];
    app.expect_422s(BASE, &a.token, cases, Detail::Is).await;
    assert_eq!(app.get(BASE, &a.token).await.expect(200).body, json!([]));

    let first = app
        .post(
            BASE,
            json!({"order_id": order, "tracking_number": "TRK1", "shipping_address": "1 Main St"}),
            &a.token,
        )
        .await
        .expect(200)
        .body["id"]
        .as_i64()
        .unwrap();
    let r = app
        .post(
            BASE,
            json!({"order_id": order, "tracking_number": "TRK1", "shipping_address": "2 Main St"}),
            &a.token,
        )
        .await
        .expect(409);
    assert_eq!(
        r.detail(),
        "A shipment with tracking number 'TRK1' already exists"
    );
    let path = format!("{BASE}{first}");
    let r = app
        .put(&path, json!({"order_id": foreign}), &a.token)
        .await
        .expect(422);
    assert_eq!(
        r.detail(),
        format!("order_id: Order with id {foreign} not found")
    );
    let r = app
        .put(&path, json!({"status": "LOST"}), &a.token)
        .await
        .expect(422);
    assert_eq!(
        r.detail(),
        "status: must be one of PREPARING, SHIPPED, IN_TRANSIT, DELIVERED, RETURNED"
    );
    let got = app.get(&path, &a.token).await.expect(200);
    assert_eq!(got.body["order_id"], order);
    assert_eq!(got.body["status"], "PREPARING");
}

#[tokio::test]
async fn another_tenants_shipment_is_not_found() {
    let app = TestApp::spawn().await;
    let (a, order_a, _) = tenant_with_order(&app, "Sh Iso", "shiso").await;
    let (b, order_b, _) = tenant_with_order(&app, "Sh Iso B", "shisob").await;
    let theirs = app
        .post(
            BASE,
            json!({"order_id": order_b, "tracking_number": "B1", "shipping_address": "B St"}),
            &b.token,
        )
        .await
        .expect(200)
        .body["id"]
        .as_i64()
        .unwrap();
    let path = format!("{BASE}{theirs}");
    let not_found = format!("Shipment with id {theirs} not found");
    assert_eq!(
        app.get(&path, &a.token).await.expect(404).detail(),
        not_found
    );
    assert_eq!(
        app.put(&path, json!({"status": "SHIPPED"}), &a.token)
            .await
            .expect(404)
            .detail(),
        not_found
    );
    assert_eq!(
        app.delete(&path, &a.token).await.expect(404).detail(),
        not_found
    );
    assert_eq!(app.get(BASE, &a.token).await.expect(200).body, json!([]));
    let still = app.get(&path, &b.token).await.expect(200);
    assert_eq!(still.body["status"], "PREPARING");
    // A tracking number is unique within a tenant only.
    app.post(
        BASE,
        json!({"order_id": order_a, "tracking_number": "B1", "shipping_address": "A St"}),
        &a.token,
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn a_shipment_records_the_metal_that_leaves_with_it() {
    let app = TestApp::spawn().await;
    let s = app.signup("Sh Metal", "shmetal").await;
    let acme = company(&app, &s, "Acme").await;
    let ann = contact(&app, &s, acme, "Ann").await;
    let gold18 = crate::metal_accounting::metal(&app, &s, "GOLD_18K").await;
    let silver = crate::metal_accounting::metal(&app, &s, "SILVER_925").await;
    // An 18K order (its line item's metal) and one without a metal.
    let gold_order = app
        .post(
            "/api/v1/orders/",
            json!({"contact_id": ann,
                   "line_items": [{"product_description": "Band", "metal_id": gold18}]}),
            &s.token,
        )
        .await
        .expect(201)
        .body["id"]
        .as_i64()
        .unwrap();
    let plain = create_order(&app, &s, ann, 10.0).await["id"]
        .as_i64()
        .unwrap();
    let ship = |body: serde_json::Value| {
        let (app, token) = (&app, s.token.clone());
        async move { app.post(BASE, body, &token).await }
    };
    let address = "1 Main St";

    // The weight alone: of the order's metal, 97 g × 0.75 = 72.75 fine.
    let r = ship(json!({"order_id": gold_order, "shipping_address": address, "weight": 97}))
        .await
        .expect(200);
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(
        (&r.body["metal_id"], &r.body["metal_code"]),
        (&json!(gold18), &json!("GOLD_18K"))
    );
    assert_eq!(r.body["weight"], json!(97.0));
    assert_eq!(r.body["fine_weight"], json!(72.75));
    // Without a weight, as the app's form sends it: no metal recorded.
    let bare = ship(json!({"order_id": plain, "shipping_address": address}))
        .await
        .expect(200);
    assert!(bare.body["metal_id"].is_null() && bare.body["fine_weight"].is_null());

    // Refused, each naming its field, and nothing is written.
    for (body, detail) in [
        (
            json!({"order_id": plain, "shipping_address": address, "weight": 5}),
            format!("metal_id: is required with weight: order {plain} has no metal"),
        ),
        (
            json!({"order_id": plain, "shipping_address": address, "metal_id": silver}),
            "weight: is required with metal_id".to_string(),
        ),
        (
            json!({"order_id": plain, "shipping_address": address, "metal_id": 999999, "weight": 5}),
            "metal_id: Metal with id 999999 not found".to_string(),
        ),
        (
            json!({"order_id": plain, "shipping_address": address, "metal_id": silver, "weight": 0}),
            "weight: must be greater than 0".to_string(),
        ),
        (
            json!({"order_id": 999999, "shipping_address": address, "weight": 5}),
            "order_id: Order with id 999999 not found".to_string(),
        ),
    ] {
        assert_eq!(ship(body).await.expect(422).detail(), detail);
    }
    let list = app.get(BASE, &s.token).await.expect(200).body;
    assert_eq!(arr(&list).len(), 2);

    // Edits: another metal keeps the weight; a new weight keeps the metal; null clears both.
    let put = |body: serde_json::Value| {
        let (app, token) = (&app, s.token.clone());
        async move { app.put(&format!("{BASE}{id}"), body, &token).await }
    };
    let r = put(json!({"metal_id": silver})).await.expect(200);
    assert_eq!(r.body["fine_weight"], json!(89.725), "97 × 0.925");
    let r = put(json!({"weight": 100, "order_id": gold_order}))
        .await
        .expect(200);
    assert_eq!(
        (&r.body["metal_id"], &r.body["fine_weight"]),
        (&json!(silver), &json!(92.5))
    );
    assert_eq!(
        put(json!({"weight": null, "metal_id": silver}))
            .await
            .expect(422)
            .detail(),
        "weight: is required with metal_id"
    );
    let r = put(json!({"weight": null})).await.expect(200);
    assert!(r.body["metal_id"].is_null() && r.body["weight"].is_null());
    assert!(r.body["fine_weight"].is_null());
    // The app's own edit (no weight fields) changes none of it.
    let r = put(json!({"order_id": gold_order, "status": "SHIPPED"}))
        .await
        .expect(200);
    assert!(r.body["metal_id"].is_null());
    assert_eq!(r.body["status"], "SHIPPED");
}
