//! The metal reconciliation report on a month of activity built through the API: every gram
//! accounted for, exact buckets, an unrecorded flow that shows, the CSV byte for byte, another
//! tenant's metal invisible.

use serde_json::{Value, json};

use crate::crm_fixtures::{company, contact, department};
use crate::helpers::{Body, Session, TestApp, arr};
use crate::metal_accounting::{assert_safe_matches_the_trail, metal};

const RECONCILIATION: &str = "/api/v1/reports/metal-reconciliation";
const LEDGER: &str = "/api/v1/department-ledger/";

async fn entry(app: &TestApp, s: &Session, e: (&str, i64, i64, i64, &str, f64, f64)) -> i64 {
    let (date, department, order, metal, direction, quantity, weight) = e;
    app.post(
        LEDGER,
        json!({"date": date, "department_id": department, "order_id": order, "metal_id": metal,
               "direction": direction, "quantity": quantity, "weight": weight}),
        &s.token,
    )
    .await
    .expect(201)
    .body["id"]
        .as_i64()
        .unwrap()
}

async fn order(app: &TestApp, s: &Session, contact: i64, metal: i64, deposit: Option<f64>) -> i64 {
    let mut body = json!({"contact_id": contact,
                          "line_items": [{"product_description": "Piece", "metal_id": metal}]});
    if let Some(grams) = deposit {
        body["metal_deposit"] = json!({"metal_id": metal, "quantity_grams": grams});
    }
    app.post("/api/v1/orders/", body, &s.token)
        .await
        .expect(201)
        .body["id"]
        .as_i64()
        .unwrap()
}

async fn report(app: &TestApp, s: &Session) -> Value {
    app.get(RECONCILIATION, &s.token).await.expect(200).body
}

/// One metal of the report, by code.
fn metal_of<'a>(r: &'a Value, code: &str) -> &'a Value {
    arr(&r["metals"])
        .iter()
        .find(|m| m["metal_code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {r}"))
}

/// Asserts the named buckets (`<name>_fine_grams`) of one metal, and that it has no others.
fn assert_buckets(r: &Value, code: &str, expected: &[(&str, f64)]) {
    let m = metal_of(r, code);
    let got: Vec<(String, f64)> = expected
        .iter()
        .map(|(k, _)| {
            let key = format!("{k}_fine_grams");
            let v = m[&key]
                .as_f64()
                .unwrap_or_else(|| panic!("{code}: no {key} in {m}"));
            (key, v)
        })
        .collect();
    let want: Vec<(String, f64)> = expected
        .iter()
        .map(|(k, v)| (format!("{k}_fine_grams"), *v))
        .collect();
    assert_eq!(got, want, "{code}");
}

/// Every bucket the report has, in its documented order.
const BUCKETS: [&str; 12] = [
    "purchased",
    "deposited",
    "issued",
    "safe",
    "in_departments",
    "lost",
    "shipped",
    "unexplained_at_safe",
    "unexplained_on_floor",
    "unexplained",
    "consumed",
    "customer_balances",
];

fn all_buckets(values: [f64; 12]) -> Vec<(&'static str, f64)> {
    BUCKETS.into_iter().zip(values).collect()
}

struct Month {
    admin: Session,
    silver_order: i64,
    inventory: i64,
    silver: i64,
}

/// March: 200 g of 18K and 500 g of silver bought; Acme deposits 100 g of 18K, Beta 20 g with its
/// order. Acme's order A: 100 g of 18K through Casting (97.5 g out) and Polishing (97 g out),
/// shipped at 97 g. Order B: 50 g into Casting, corrected to 52 g, 4 of 10 pieces (19.6 g) out to
/// Polishing. Beta's silver order C: 200 g through Casting (196 g out) into Inventory. A casting
/// entry recorded twice and deleted, and the first week archived.
async fn month(app: &TestApp) -> Month {
    let admin = app.signup("Reconcile Co", "reconadmin").await;
    let (acme, beta) = (
        company(app, &admin, "Acme").await,
        company(app, &admin, "Beta").await,
    );
    let (ann, bob) = (
        contact(app, &admin, acme, "Ann").await,
        contact(app, &admin, beta, "Bob").await,
    );
    let gold18 = metal(app, &admin, "GOLD_18K").await;
    let silver = metal(app, &admin, "SILVER_925").await;
    let (casting, polishing) = (
        department(app, &admin, "Casting").await,
        department(app, &admin, "Polishing").await,
    );
    let departments = app
        .get("/api/v1/departments/", &admin.token)
        .await
        .expect(200)
        .body;
    let inventory = arr(&departments)
        .iter()
        .find(|d| d["name"] == "Inventory")
        .and_then(|d| d["id"].as_i64())
        .expect("every tenant has an Inventory department");
    for (metal, grams, cost) in [(gold18, 200, 60), (silver, 500, 1)] {
        app.post(
            "/api/v1/safe/purchases",
            json!({"metal_id": metal, "supply_type": "FINE_METAL", "quantity_grams": grams,
                   "cost_per_gram": cost}),
            &admin.token,
        )
        .await
        .expect(201);
    }
    app.post(
        &format!("/api/v1/companies/{acme}/metal-deposits"),
        json!({"metal_id": gold18, "quantity_grams": 100}),
        &admin.token,
    )
    .await
    .expect(201);
    let a = order(app, &admin, ann, gold18, None).await;
    let b = order(app, &admin, ann, gold18, None).await;
    let c = order(app, &admin, bob, silver, Some(20.0)).await;
    // Beta's inline deposit is of silver here: 20 g.
    for e in [
        ("2026-03-03", casting, a, gold18, "IN", 10.0, 100.0),
        ("2026-03-04", casting, a, gold18, "OUT", 10.0, 97.5),
        ("2026-03-04", polishing, a, gold18, "IN", 10.0, 97.5),
        ("2026-03-06", polishing, a, gold18, "OUT", 10.0, 97.0),
        ("2026-03-12", casting, b, gold18, "OUT", 4.0, 19.6),
        ("2026-03-12", polishing, b, gold18, "IN", 4.0, 19.6),
        ("2026-03-15", casting, c, silver, "IN", 5.0, 200.0),
        ("2026-03-16", casting, c, silver, "OUT", 5.0, 196.0),
        ("2026-03-16", inventory, c, silver, "IN", 5.0, 196.0),
    ] {
        entry(app, &admin, e).await;
    }
    let b_in = entry(
        app,
        &admin,
        ("2026-03-10", casting, b, gold18, "IN", 10.0, 50.0),
    )
    .await;
    app.put(
        &format!("{LEDGER}{b_in}"),
        json!({"weight": 52}),
        &admin.token,
    )
    .await
    .expect(200);
    let twice = entry(
        app,
        &admin,
        ("2026-03-10", casting, b, gold18, "IN", 10.0, 52.0),
    )
    .await;
    app.delete(&format!("{LEDGER}{twice}"), &admin.token)
        .await
        .expect(200);
    app.post(
        "/api/v1/shipments/",
        json!({"order_id": a, "shipping_address": "1 Main St", "weight": 97}),
        &admin.token,
    )
    .await
    .expect(200);
    app.post(
        "/api/v1/department-ledger/archive",
        json!({"date_from": "2026-03-01", "date_to": "2026-03-07"}),
        &admin.token,
    )
    .await
    .expect(200);
    Month {
        admin,
        silver_order: c,
        inventory,
        silver,
    }
}

#[tokio::test]
async fn a_month_of_recorded_activity_accounts_for_every_gram() {
    let app = TestApp::spawn().await;
    let m = month(&app).await;
    let r = report(&app, &m.admin).await;
    let codes: Vec<&str> = arr(&r["metals"])
        .iter()
        .map(|m| m["metal_code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["GOLD_18K", "SILVER_925"],
        "only metals with records"
    );
    // 18K: issued 100 × 0.75 + 52 × 0.75 = 114. Lost: 2.5 g (Casting, A) + 0.5 g (Polishing, A)
    // + 4/10 of 52 g = 20.8 less 19.6 = 1.2 g (Casting, B): 4.2 g gross, 3.15 fine. In
    // departments: B's 6/10 of 52 g in Casting (23.4 fine) and its 19.6 g in Polishing (14.7).
    // Shipped: 97 × 0.75. Safe: 200 + 100 − 114. Acme's balance: 100 − 114.
    assert_buckets(
        &r,
        "GOLD_18K",
        &all_buckets([
            200.0, 100.0, 114.0, 186.0, 38.1, 3.15, 72.75, 0.0, 0.0, 0.0, 114.0, -14.0,
        ]),
    );
    // Silver: issued 200 × 0.925 = 185; 4 g lost in Casting (3.7 fine); 196 g in Inventory
    // (181.3); Beta deposited 20 g with its order and its casting consumed 185.
    assert_buckets(
        &r,
        "SILVER_925",
        &all_buckets([
            500.0, 20.0, 185.0, 335.0, 181.3, 3.7, 0.0, 0.0, 0.0, 0.0, 185.0, -165.0,
        ]),
    );
    let fields = metal_of(&r, "GOLD_18K").as_object().unwrap().len();
    assert_eq!(fields, 3 + BUCKETS.len(), "id, code, name and the buckets");
    assert_safe_matches_the_trail(&app).await;
    // One metal only.
    let one = app
        .get(
            &format!("{RECONCILIATION}?metal_id={}", m.silver),
            &m.admin.token,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(arr(&one["metals"]).len(), 1);
    assert_eq!(one["metals"][0], r["metals"][1]);
}

#[tokio::test]
async fn an_unrecorded_flow_makes_the_difference_show() {
    let app = TestApp::spawn().await;
    let m = month(&app).await;
    // The silver pieces leave Inventory and are shipped, but the shipment carries no weight.
    entry(
        &app,
        &m.admin,
        (
            "2026-03-20",
            m.inventory,
            m.silver_order,
            m.silver,
            "OUT",
            5.0,
            196.0,
        ),
    )
    .await;
    let shipment = app
        .post(
            "/api/v1/shipments/",
            json!({"order_id": m.silver_order, "shipping_address": "2 High St"}),
            &m.admin.token,
        )
        .await
        .expect(200)
        .body["id"]
        .as_i64()
        .unwrap();
    let r = report(&app, &m.admin).await;
    let silver = &arr(&r["metals"])[1];
    // 196 × 0.925 left the floor unseen.
    assert_eq!(silver["in_departments_fine_grams"], json!(0.0));
    assert_eq!(silver["unexplained_on_floor_fine_grams"], json!(181.3));
    assert_eq!(silver["unexplained_fine_grams"], json!(181.3));
    assert_eq!(arr(&r["metals"])[0]["unexplained_fine_grams"], json!(0.0));
    // Its weight recorded (of the order's metal), the difference is gone; returned, it shows again
    // until the pieces are received back into a department.
    let put = |body: Value| {
        let (app, token) = (&app, m.admin.token.clone());
        async move {
            app.put(&format!("/api/v1/shipments/{shipment}"), body, &token)
                .await
                .expect(200)
        }
    };
    put(json!({"weight": 196})).await;
    let r = report(&app, &m.admin).await;
    assert_eq!(arr(&r["metals"])[1]["shipped_fine_grams"], json!(181.3));
    assert_eq!(arr(&r["metals"])[1]["unexplained_fine_grams"], json!(0.0));
    put(json!({"status": "RETURNED"})).await;
    let r = report(&app, &m.admin).await;
    assert_eq!(arr(&r["metals"])[1]["unexplained_fine_grams"], json!(181.3));
    entry(
        &app,
        &m.admin,
        (
            "2026-03-25",
            m.inventory,
            m.silver_order,
            m.silver,
            "IN",
            5.0,
            196.0,
        ),
    )
    .await;
    let r = report(&app, &m.admin).await;
    assert_eq!(arr(&r["metals"])[1]["unexplained_fine_grams"], json!(0.0));
    // Metal that turned up from nowhere: pieces received into Inventory that nobody sent.
    entry(
        &app,
        &m.admin,
        (
            "2026-03-26",
            m.inventory,
            m.silver_order,
            m.silver,
            "IN",
            1.0,
            10.0,
        ),
    )
    .await;
    let r = report(&app, &m.admin).await;
    assert_eq!(arr(&r["metals"])[1]["unexplained_fine_grams"], json!(-9.25));
}

#[tokio::test]
async fn the_reconciliation_as_csv_byte_for_byte() {
    let app = TestApp::spawn().await;
    let m = month(&app).await;
    let header = "metal_id,metal_code,metal_name,purchased_fine_grams,deposited_fine_grams,\
issued_fine_grams,safe_fine_grams,in_departments_fine_grams,lost_fine_grams,shipped_fine_grams,\
unexplained_at_safe_fine_grams,unexplained_on_floor_fine_grams,unexplained_fine_grams,\
consumed_fine_grams,customer_balances_fine_grams\r\n";
    let json = report(&app, &m.admin).await;
    let (gold, silver) = (
        &json["metals"][0]["metal_id"],
        &json["metals"][1]["metal_id"],
    );
    let expected = format!(
        "{header}{gold},GOLD_18K,Gold 18K,200,100,114,186,38.1,3.15,72.75,0,0,0,114,-14\r\n\
         {silver},SILVER_925,Silver 925,500,20,185,335,181.3,3.7,0,0,0,0,185,-165\r\n"
    );
    for (query, accept) in [("?format=csv", None), ("", Some("text/csv"))] {
        let headers: Vec<(&str, &str)> = accept.map(|a| ("accept", a)).into_iter().collect();
        let r = app
            .call_with_headers(
                "GET",
                &format!("{RECONCILIATION}{query}"),
                Body::None,
                Some(&m.admin.token),
                &headers,
            )
            .await
            .expect(200);
        assert_eq!(
            r.headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some("text/csv; charset=utf-8")
        );
        assert_eq!(r.body.as_str(), Some(expected.as_str()), "{query}");
    }
    app.get(&format!("{RECONCILIATION}?format=xml"), &m.admin.token)
        .await
        .expect(422);
}

#[tokio::test]
async fn the_reconciliation_is_for_managers_and_shows_only_the_tenants_metal() {
    let app = TestApp::spawn().await;
    let m = month(&app).await;
    let other = app.signup("Other Co", "otheradmin").await;
    let r = report(&app, &other).await;
    assert_eq!(r["metals"], json!([]), "nothing of Reconcile Co's: {r}");
    // Its own metal, and only that.
    let gold = metal(&app, &other, "GOLD_18K").await;
    app.post(
        "/api/v1/safe/purchases",
        json!({"metal_id": gold, "supply_type": "FINE_METAL", "quantity_grams": 5, "cost_per_gram": 1}),
        &other.token,
    )
    .await
    .expect(201);
    let r = report(&app, &other).await;
    assert_buckets(
        &r,
        "GOLD_18K",
        &all_buckets([5.0, 0.0, 0.0, 5.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
    );
    // Another tenant's metal id is an empty report, not its data.
    let theirs = app
        .get(
            &format!("{RECONCILIATION}?metal_id={}", m.silver),
            &other.token,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(theirs["metals"], json!([]));
}
