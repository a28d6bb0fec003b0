//! The department ledger (reference rules §6–7, decisions §3): entries as the ledger page sends
//! them, department balances, casting consumption and its exact reversal, archive and summary,
//! bad input, other tenants' ids, and the mixed sequence after which the safe still equals its
//! transactions.

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::crm_fixtures::{company, contact, department};
use crate::helpers::{Body, Detail, Session, TestApp, arr, connect, ids, whole_database};
use crate::metal_accounting::{assert_safe_matches_the_trail, metal};

const LEDGER: &str = "/api/v1/department-ledger/";
const SUMMARY: &str = "/api/v1/department-ledger/summary";
const ARCHIVE: &str = "/api/v1/department-ledger/archive";

fn entry_path(id: i64) -> String {
    format!("/api/v1/department-ledger/{id}")
}

fn balances(company: i64) -> String {
    format!("/api/v1/companies/{company}/metal-balances")
}

/// An order of a new contact of `company`, made through the API; its id and number.
async fn order(app: &TestApp, s: &Session, company: i64) -> (i64, String) {
    let person = contact(app, s, company, "Buyer").await;
    let o = app
        .post(
            "/api/v1/orders/",
            json!({"contact_id": person,
                   "line_items": [{"product_description": "Ring", "quantity": 2, "price": 100}]}),
            &s.token,
        )
        .await
        .expect(201)
        .body;
    (
        o["id"].as_i64().unwrap(),
        o["order_number"].as_str().unwrap().to_string(),
    )
}

/// The body the ledger entry form sends.
fn form(
    date: &str,
    department: i64,
    order: i64,
    metal: i64,
    direction: &str,
    qty: f64,
    grams: f64,
) -> Value {
    json!({"date": date, "department_id": department, "order_id": order, "metal_id": metal,
           "direction": direction, "quantity": qty, "weight": grams})
}

async fn create(app: &TestApp, s: &Session, body: Value) -> Value {
    app.post(LEDGER, body, &s.token).await.expect(201).body
}

/// `(metal_id, balance_grams)` of one department, as `GET /departments/` shows it.
async fn department_balances(app: &TestApp, s: &Session, department: i64) -> Vec<(i64, f64)> {
    let list = app
        .get("/api/v1/departments/", &s.token)
        .await
        .expect(200)
        .body;
    let d = arr(&list)
        .iter()
        .find(|d| d["id"] == department)
        .unwrap_or_else(|| panic!("no department {department}"));
    let mut out: Vec<(i64, f64)> = arr(&d["balances"])
        .iter()
        .map(|b| {
            (
                b["metal_id"].as_i64().unwrap(),
                b["balance_grams"].as_f64().unwrap(),
            )
        })
        .collect();
    out.sort_by_key(|b| b.0);
    out
}

/// The company's balance of one metal as the companies page reads it (0 without a row).
async fn company_balance(app: &TestApp, s: &Session, company: i64, metal: i64) -> f64 {
    let list = app.get(&balances(company), &s.token).await.expect(200).body;
    arr(&list)
        .iter()
        .find(|b| b["metal_id"] == metal)
        .map_or(0.0, |b| b["balance_grams"].as_f64().unwrap())
}

/// The casting consumption transactions of a company, oldest first: `(grams, notes)`.
async fn consumptions(app: &TestApp, s: &Session, company: i64) -> Vec<(f64, String)> {
    let list = app
        .get(
            &format!(
                "/api/v1/metal-transactions?company_id={company}&transaction_type=MANUFACTURING_CONSUMPTION"
            ),
            &s.token,
        )
        .await
        .expect(200)
        .body;
    let mut out: Vec<(f64, String)> = arr(&list)
        .iter()
        .map(|t| {
            (
                t["quantity_grams"].as_f64().unwrap(),
                t["notes"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    out.reverse();
    out
}

#[tokio::test]
async fn the_ledger_page_records_edits_archives_and_deletes_as_the_app_sends_them() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Ledger Co", "ledgeradmin").await;
    let acme = company(&app, &admin, "Acme").await;
    let (ord, number) = order(&app, &admin, acme).await;
    let polishing = department(&app, &admin, "Polishing").await;
    let setting = department(&app, &admin, "Setting").await;
    let gold18 = metal(&app, &admin, "GOLD_18K").await;
    let silver = metal(&app, &admin, "SILVER_925").await;

    // What the form sends, notes included; the answer carries what the page shows.
    let mut body = form("2026-03-02", polishing, ord, gold18, "IN", 3.0, 12.5);
    body["notes"] = json!("Batch 7");
    let e = create(&app, &admin, body).await;
    assert_eq!(e["date"], "2026-03-02");
    assert_eq!(e["department_id"], polishing);
    assert_eq!(e["department_name"], "Polishing");
    assert_eq!(e["order_id"], ord);
    assert_eq!(e["order_number"], number.as_str());
    assert_eq!(e["metal_id"], gold18);
    assert_eq!(e["metal_code"], "GOLD_18K");
    assert_eq!(e["metal_name"], "Gold 18K");
    assert_eq!(e["direction"], "IN");
    assert_eq!(e["qty_in"].as_f64(), Some(3.0));
    assert_eq!(e["weight_in"].as_f64(), Some(12.5));
    assert_eq!(e["qty_out"], Value::Null);
    assert_eq!(e["weight_out"], Value::Null);
    // 12.5 × 0.75 = 9.375, a JSON number.
    assert_eq!(e["fine_weight"].to_string(), "9.375");
    assert_eq!(e["notes"], "Batch 7");
    assert_eq!(e["is_archived"], false);
    assert_eq!(e["created_by"], admin.user_id);
    assert_eq!(e["tenant_id"], admin.tenant_id);
    assert!(e["created_at"].is_string() && e["updated_at"].is_string());
    let first = e["id"].as_i64().unwrap();

    // OUT: negative fine weight, the out columns; no date means today (UTC).
    let mut body = form("", polishing, ord, gold18, "OUT", 1.0, 4.0);
    body.as_object_mut().unwrap().remove("date");
    let out = create(&app, &admin, body).await;
    assert_eq!(out["fine_weight"].as_f64(), Some(-3.0));
    assert_eq!(out["qty_out"].as_f64(), Some(1.0));
    assert_eq!(out["weight_out"].as_f64(), Some(4.0));
    assert_eq!(out["qty_in"], Value::Null);
    let today = chrono::Utc::now().date_naive().to_string();
    assert_eq!(out["date"], today.as_str());
    let second = out["id"].as_i64().unwrap();
    let third = create(
        &app,
        &admin,
        form("2026-02-10", setting, ord, silver, "IN", 5.0, 20.0),
    )
    .await["id"]
        .as_i64()
        .unwrap();

    // The department keeps the running gross balance per metal: 12.5 − 4.
    assert_eq!(
        department_balances(&app, &admin, polishing).await,
        [(gold18, 8.5)]
    );
    assert_eq!(
        department_balances(&app, &admin, setting).await,
        [(silver, 20.0)]
    );

    // The list: newest date first, filters as the page sends them (empty ones are no filter).
    let list = |q: String| {
        let app = &app;
        let token = admin.token.clone();
        async move {
            app.get(&format!("{LEDGER}{q}"), &token)
                .await
                .expect(200)
                .body
        }
    };
    assert_eq!(ids(&list(String::new()).await), [second, first, third]);
    assert_eq!(
        ids(&list(format!("?department_id={polishing}")).await),
        [second, first]
    );
    assert_eq!(
        ids(&list(format!(
            "?order_id={ord}&department_id=&date_from=&date_to="
        ))
        .await),
        [second, first, third]
    );
    assert_eq!(
        ids(&list("?date_from=2026-02-10&date_to=2026-03-02".into()).await),
        [first, third]
    );
    assert_eq!(
        ids(&list("?date_from=2026-02-11".into()).await),
        [second, first]
    );
    assert_eq!(ids(&list("?skip=1&limit=1".into()).await), [first]);

    // The edit form sends every field again: here a new date, department, metal, quantity and
    // weight, and no notes (a cleared note).
    let edited = app
        .put(
            &entry_path(first),
            form("2026-03-05", setting, ord, silver, "IN", 4.0, 10.0),
            &admin.token,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(edited["date"], "2026-03-05");
    assert_eq!(edited["department_id"], setting);
    assert_eq!(edited["metal_code"], "SILVER_925");
    assert_eq!(edited["qty_in"].as_f64(), Some(4.0));
    assert_eq!(edited["weight_in"].as_f64(), Some(10.0));
    assert_eq!(edited["fine_weight"].as_f64(), Some(9.25));
    assert_eq!(edited["notes"], Value::Null);
    assert_eq!(edited["created_by"], admin.user_id);
    // The 12.5 g left Polishing's gold and entered Setting's silver.
    assert_eq!(
        department_balances(&app, &admin, polishing).await,
        [(gold18, -4.0)]
    );
    assert_eq!(
        department_balances(&app, &admin, setting).await,
        [(silver, 30.0)]
    );

    // Summary: pieces held (IN − OUT) and sent out, fine weight per metal, over all entries.
    let s = app.get(SUMMARY, &admin.token).await.expect(200).body;
    assert_eq!(s["total_qty_held"].as_f64(), Some(8.0)); // (4 + 5) − 1
    assert_eq!(s["total_qty_out"].as_f64(), Some(1.0));
    let by_metal: Vec<(i64, f64)> = arr(&s["balances"])
        .iter()
        .map(|b| {
            (
                b["metal_id"].as_i64().unwrap(),
                b["fine_weight_balance"].as_f64().unwrap(),
            )
        })
        .collect();
    // Metal codes in order: GOLD_18K −3, SILVER_925 9.25 + 18.5.
    assert_eq!(by_metal, [(gold18, -3.0), (silver, 27.75)]);
    assert_eq!(s["balances"][1]["metal_name"], "Silver 925");
    let s = app
        .get(
            &format!("{SUMMARY}?department_id={polishing}"),
            &admin.token,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(s["total_qty_held"].as_f64(), Some(-1.0));
    assert_eq!(arr(&s["balances"]).len(), 1);

    // Archive: the count, hidden from the list unless asked for, kept in the summary; unarchive.
    let r = app
        .post(
            ARCHIVE,
            json!({"date_from": "2026-01-01", "date_to": "2026-03-31"}),
            &admin.token,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(r["count"], 2);
    assert!(r["message"].is_string());
    let again = app
        .post(
            ARCHIVE,
            json!({"date_from": "2026-01-01", "date_to": "2026-03-31"}),
            &admin.token,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(
        again["count"], 0,
        "already archived entries are not counted again"
    );
    assert_eq!(ids(&list(String::new()).await), [second]);
    let all = list("?include_archived=true".into()).await;
    assert_eq!(ids(&all), [second, first, third]);
    assert_eq!(all[1]["is_archived"], true);
    let s2 = app.get(SUMMARY, &admin.token).await.expect(200).body;
    assert_eq!(s2["total_qty_held"].as_f64(), Some(8.0));
    let back = app
        .post_empty(&format!("{}/unarchive", entry_path(third)), &admin.token)
        .await
        .expect(200)
        .body;
    assert_eq!(back["is_archived"], false);
    assert_eq!(back["id"], third);
    assert_eq!(ids(&list(String::new()).await), [second, third]);
    assert_eq!(
        department_balances(&app, &admin, setting).await,
        [(silver, 30.0)],
        "archiving moves no balance"
    );

    // Delete: the balance is taken back.
    let r = app
        .delete(&entry_path(first), &admin.token)
        .await
        .expect(200);
    assert!(r.body["message"].is_string());
    assert_eq!(
        department_balances(&app, &admin, setting).await,
        [(silver, 20.0)]
    );
    app.delete(&entry_path(first), &admin.token)
        .await
        .expect(404);
    assert_eq!(
        ids(&list("?include_archived=true".into()).await),
        [second, third]
    );
}

#[tokio::test]
async fn casting_consumption_follows_its_entry_exactly() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Foundry Co", "foundryadmin").await;
    let acme = company(&app, &admin, "Acme").await;
    let (ord, number) = order(&app, &admin, acme).await;
    let casting = department(&app, &admin, "Casting").await;
    let polishing = department(&app, &admin, "Polishing").await;
    let gold18 = metal(&app, &admin, "GOLD_18K").await;
    let gold14 = metal(&app, &admin, "GOLD_14K").await;
    app.post(
        &format!("/api/v1/companies/{acme}/metal-deposits"),
        json!({"metal_id": gold18, "quantity_grams": 100}),
        &admin.token,
    )
    .await
    .expect(201);
    let safe = |metal: i64| {
        let (app, token) = (&app, admin.token.clone());
        async move {
            let body = app
                .get("/api/v1/safe/supplies", &token)
                .await
                .expect(200)
                .body;
            arr(&body)
                .iter()
                .find(|r| r["metal_id"] == metal && r["supply_type"] == "FINE_METAL")
                .map(|r| r["quantity_grams"].as_f64().unwrap())
        }
    };
    assert_eq!(safe(gold18).await, Some(100.0));

    // 60 g of 18K (0.75) cast for Acme's order: 45 g fine leave Acme's balance, and the safe
    // for the floor.
    let e = create(
        &app,
        &admin,
        form("2026-03-01", casting, ord, gold18, "IN", 10.0, 60.0),
    )
    .await;
    let id = e["id"].as_i64().unwrap();
    assert_eq!(e["fine_weight"].as_f64(), Some(45.0));
    assert_eq!(company_balance(&app, &admin, acme, gold18).await, 55.0);
    assert_eq!(safe(gold18).await, Some(55.0));
    assert_eq!(
        consumptions(&app, &admin, acme).await,
        [(
            -45.0,
            format!(
                "Casting consumption from ledger entry {id}: 45.0000g pure metal for order {number}"
            )
        )]
    );

    // Edited to 64 g: the debit is 48 in total, not 45 + 48.
    let put = |body: Value| {
        let app = &app;
        let token = admin.token.clone();
        async move {
            app.put(&entry_path(id), body, &token)
                .await
                .expect(200)
                .body
        }
    };
    put(form("2026-03-01", casting, ord, gold18, "IN", 10.0, 64.0)).await;
    assert_eq!(company_balance(&app, &admin, acme, gold18).await, 52.0);
    assert_eq!(safe(gold18).await, Some(52.0));
    let trail = consumptions(&app, &admin, acme).await;
    assert_eq!(trail.len(), 3);
    assert_eq!((trail[1].0, trail[2].0), (45.0, -48.0));
    assert_eq!(
        trail[1].1,
        format!("Reversal of casting consumption from edited ledger entry {id}")
    );

    // An edit of the notes or the date books nothing.
    let mut body = form("2026-03-04", casting, ord, gold18, "IN", 11.0, 64.0);
    body["notes"] = json!("re-weighed");
    put(body).await;
    assert_eq!(consumptions(&app, &admin, acme).await.len(), 3);
    assert_eq!(company_balance(&app, &admin, acme, gold18).await, 52.0);

    // Moved to another department: nothing is consumed any more.
    put(form("2026-03-04", polishing, ord, gold18, "IN", 11.0, 64.0)).await;
    assert_eq!(company_balance(&app, &admin, acme, gold18).await, 100.0);
    // Back to casting, in 14K (0.585): 64 × 0.585 = 37.44 of 14K, gold 18K untouched.
    put(form("2026-03-04", casting, ord, gold14, "IN", 11.0, 64.0)).await;
    assert_eq!(company_balance(&app, &admin, acme, gold18).await, 100.0);
    assert_eq!(company_balance(&app, &admin, acme, gold14).await, -37.44);
    assert_eq!(safe(gold14).await, Some(-37.44));
    assert_eq!(safe(gold18).await, Some(100.0));
    // Turned into an OUT entry: casting consumption is for IN entries only.
    put(form("2026-03-04", casting, ord, gold14, "OUT", 11.0, 64.0)).await;
    assert_eq!(company_balance(&app, &admin, acme, gold14).await, 0.0);
    put(form("2026-03-04", casting, ord, gold18, "IN", 11.0, 60.0)).await;
    assert_eq!(company_balance(&app, &admin, acme, gold18).await, 55.0);

    // Deleted: the balance is restored exactly, and the consumptions sum to zero.
    app.delete(&entry_path(id), &admin.token).await.expect(200);
    assert_eq!(company_balance(&app, &admin, acme, gold18).await, 100.0);
    assert_eq!(company_balance(&app, &admin, acme, gold14).await, 0.0);
    let trail = consumptions(&app, &admin, acme).await;
    assert_eq!(trail.iter().map(|t| t.0).sum::<f64>(), 0.0);
    assert_eq!(
        trail.last().unwrap().1,
        format!("Reversal of casting consumption from deleted ledger entry {id}")
    );
    // The safe has its metal back, exactly, and agrees with its trail.
    assert_eq!(safe(gold18).await, Some(100.0));
    assert_eq!(safe(gold14).await, Some(0.0));
    assert_safe_matches_the_trail(&app).await;
    // Casting departments are named `casting` or `cast`, in any case.
    let cast = department(&app, &admin, "CAST").await;
    create(
        &app,
        &admin,
        form("2026-03-06", cast, ord, gold18, "IN", 1.0, 4.0),
    )
    .await;
    assert_eq!(company_balance(&app, &admin, acme, gold18).await, 97.0);
}

#[tokio::test]
async fn twenty_concurrent_casting_entries_debit_exactly() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Busy Foundry", "busyfoundry").await;
    let acme = company(&app, &admin, "Acme").await;
    let (ord, _) = order(&app, &admin, acme).await;
    let casting = department(&app, &admin, "Casting").await;
    let gold18 = metal(&app, &admin, "GOLD_18K").await;
    let body = form("2026-03-01", casting, ord, gold18, "IN", 1.0, 2.5);
    let answers = join_all(
        (0..20).map(|_| app.call("POST", LEDGER, Body::Json(body.clone()), Some(&admin.token))),
    )
    .await;
    for r in answers {
        r.expect(201);
    }
    // 20 × 2.5 × 0.75 = 37.5 fine; 20 × 2.5 = 50 gross in the department.
    assert_eq!(company_balance(&app, &admin, acme, gold18).await, -37.5);
    assert_eq!(
        department_balances(&app, &admin, casting).await,
        [(gold18, 50.0)]
    );
}

#[tokio::test]
async fn bad_ledger_input_is_a_422_naming_the_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Strict Ledger", "strictledger").await;
    let other = app.signup("Other Ledger", "otherledger").await;
    let acme = company(&app, &admin, "Acme").await;
    let (ord, _) = order(&app, &admin, acme).await;
    let casting = department(&app, &admin, "Casting").await;
    let gold18 = metal(&app, &admin, "GOLD_18K").await;
    let silver = metal(&app, &admin, "SILVER_925").await;
    let theirs_co = company(&app, &other, "Theirs").await;
    let (their_order, _) = order(&app, &other, theirs_co).await;
    let their_dept = department(&app, &other, "Casting").await;
    let their_metal = metal(&app, &other, "GOLD_18K").await;
    let their_entry = create(
        &app,
        &other,
        form(
            "2026-03-01",
            their_dept,
            their_order,
            their_metal,
            "IN",
            1.0,
            1.0,
        ),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    // Positive control: the same body with the tenant's own ids is accepted (and rolled back below
    // by deleting it, so the snapshot starts from a known state).
    let good = form("2026-03-01", casting, ord, gold18, "IN", 2.0, 8.0);
    let mine = create(&app, &admin, good.clone()).await["id"]
        .as_i64()
        .unwrap();
    let on_silver = form("2026-03-01", casting, ord, silver, "IN", 1.0, 3.0);
    let silver_entry = create(&app, &admin, on_silver.clone()).await["id"]
        .as_i64()
        .unwrap();
    app.post(
        "/api/v1/metals/",
        json!({"code": "GOLD_10K", "name": "Gold 10K", "metal_type": "GOLD",
                                         "fine_percentage": 0.417}),
        &admin.token,
    )
    .await
    .expect(201);
    let gold10 = metal(&app, &admin, "GOLD_10K").await;
    app.delete(&format!("/api/v1/metals/{gold10}"), &admin.token)
        .await
        .expect(200);
    let before = whole_database(&app, &[]).await;

    let with = |field: &str, value: Value| {
        let mut b = good.clone();
        b[field] = value;
        b
    };
    app.expect_422s(
        LEDGER,
        &admin.token,
        [
            (
                with("department_id", json!(their_dept)),
                format!("department_id: Department with id {their_dept} not found"),
            ),
            (
                with("order_id", json!(their_order)),
                format!("order_id: Order with id {their_order} not found"),
            ),
            (
                with("metal_id", json!(their_metal)),
                format!("metal_id: Metal with id {their_metal} not found"),
            ),
            (
                with("metal_id", json!(gold10)),
                format!("metal_id: Metal with id {gold10} is inactive"),
            ),
            (
                with("department_id", json!(0)),
                "department_id: must be a positive integer".into(),
            ),
            (
                with("direction", json!("SIDEWAYS")),
                "direction: must be IN or OUT".into(),
            ),
            (
                with("quantity", json!(0)),
                "quantity: must be greater than 0".into(),
            ),
            (
                with("weight", json!(-1)),
                "weight: must be greater than 0".into(),
            ),
            (
                with("date", json!("03/01/2026")),
                "date: must be a date (YYYY-MM-DD)".into(),
            ),
        ],
        Detail::Is,
    )
    .await;
    app.expect_422s(
        LEDGER,
        &admin.token,
        [
            (with("weight", json!("8")), "weight: "),
            (json!({"department_id": casting}), "order_id"),
        ],
        Detail::StartsWith,
    )
    .await;
    // Every foreign id of one body is named.
    let r = app
        .post(
            LEDGER,
            form(
                "2026-03-01",
                their_dept,
                their_order,
                their_metal,
                "IN",
                1.0,
                1.0,
            ),
            &admin.token,
        )
        .await
        .expect(422);
    assert_eq!(arr(&r.body["errors"]).len(), 3, "{}", r.body);

    // The same on an edit; another tenant's entry is not found.
    for (body, detail) in [
        (
            with("order_id", json!(their_order)),
            format!("order_id: Order with id {their_order} not found"),
        ),
        (
            with("metal_id", json!(gold10)),
            format!("metal_id: Metal with id {gold10} is inactive"),
        ),
        (
            with("quantity", json!(-2)),
            "quantity: must be greater than 0".to_string(),
        ),
    ] {
        let r = app
            .put(&entry_path(mine), body.clone(), &admin.token)
            .await
            .expect(422);
        assert_eq!(r.detail(), detail, "{body}");
    }
    app.put(&entry_path(their_entry), good.clone(), &admin.token)
        .await
        .expect(404);
    app.delete(&entry_path(their_entry), &admin.token)
        .await
        .expect(404);
    app.post_empty(
        &format!("{}/unarchive", entry_path(their_entry)),
        &admin.token,
    )
    .await
    .expect(404);
    let r = app
        .post(
            ARCHIVE,
            json!({"date_from": "2026-03-02", "date_to": "2026-03-01"}),
            &admin.token,
        )
        .await
        .expect(422);
    assert_eq!(r.detail(), "date_to: must not be before date_from");
    for q in ["?date_from=yesterday", "?department_id=abc"] {
        let r = app
            .get(&format!("{LEDGER}{q}"), &admin.token)
            .await
            .expect(422);
        assert_eq!(r.body["errors"][0]["loc"][0], "query", "{q}");
    }
    assert_eq!(
        whole_database(&app, &[]).await,
        before,
        "nothing was written"
    );
    assert_eq!(
        ids(&app.get(LEDGER, &other.token).await.expect(200).body),
        [their_entry]
    );

    // An entry keeps a metal deactivated after it was recorded: it can still be edited.
    app.delete(&format!("/api/v1/metals/{silver}"), &admin.token)
        .await
        .expect(200);
    let mut body = on_silver.clone();
    body["quantity"] = json!(2);
    let edited = app
        .put(&entry_path(silver_entry), body, &admin.token)
        .await
        .expect(200)
        .body;
    assert_eq!(
        (edited["metal_id"].as_i64(), edited["qty_in"].as_f64()),
        (Some(silver), Some(2.0))
    );

    // Permissions: reading needs ledger:read, writing ledger:write.
    let reader = app
        .user_with_role(&admin, "ledgerreader", &["ledger:read"])
        .await;
    app.get(LEDGER, &reader.token).await.expect(200);
    app.get(SUMMARY, &reader.token).await.expect(200);
    let r = app
        .post(LEDGER, good.clone(), &reader.token)
        .await
        .expect(403);
    assert_eq!(r.detail(), "Permission 'ledger:write' required");
    let staff = app.user_with_role(&admin, "ledgerstaff", "staff").await;
    create(&app, &staff, good).await;
}

#[tokio::test]
async fn after_a_mixed_sequence_the_safe_equals_its_transactions_and_gets_change_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Mixed Co", "mixedadmin").await;
    let acme = company(&app, &admin, "Acme").await;
    let beta = company(&app, &admin, "Beta").await;
    let casting = department(&app, &admin, "Casting").await;
    let polishing = department(&app, &admin, "Polishing").await;
    let gold18 = metal(&app, &admin, "GOLD_18K").await;
    let gold24 = metal(&app, &admin, "GOLD_24K").await;
    let silver = metal(&app, &admin, "SILVER_925").await;
    let ok = |status: u16| move |r: crate::helpers::Resp| r.expect(status).body;

    // Purchases and deposits.
    for (m, q, c) in [
        (gold24, 10.0, 50.0),
        (gold24, 30.0, 70.0),
        (silver, 500.0, 0.9),
    ] {
        ok(201)(app
            .post("/api/v1/safe/purchases",
                  json!({"metal_id": m, "supply_type": "FINE_METAL", "quantity_grams": q, "cost_per_gram": c}),
                  &admin.token)
            .await);
    }
    for (co, m, q) in [
        (acme, gold18, 100.0),
        (beta, silver, 12.3456),
        (acme, gold24, 0.5),
    ] {
        ok(201)(
            app.post(
                &format!("/api/v1/companies/{co}/metal-deposits"),
                json!({"metal_id": m, "quantity_grams": q}),
                &admin.token,
            )
            .await,
        );
    }
    // Orders, one with an inline deposit.
    let buyer = contact(&app, &admin, beta, "Bea").await;
    let with_deposit = ok(201)(app
        .post("/api/v1/orders/",
              json!({"contact_id": buyer, "due_date": "2026-12-24T15:30",
                     "line_items": [{"product_description": "Chain", "quantity": 1, "metal_id": gold18, "price": 900}],
                     "metal_deposit": {"metal_id": gold18, "quantity_grams": 20, "notes": "with order"}}),
              &admin.token)
        .await)["id"]
        .as_i64()
        .unwrap();
    let (plain, _) = order(&app, &admin, acme).await;
    // Ledger entries: casting IN of both orders, a polishing move, an edit and a delete.
    let a = create(
        &app,
        &admin,
        form("2026-04-01", casting, plain, gold18, "IN", 5.0, 40.0),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let b = create(
        &app,
        &admin,
        form("2026-04-01", casting, with_deposit, gold18, "IN", 1.0, 24.0),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    create(
        &app,
        &admin,
        form("2026-04-02", casting, plain, gold18, "OUT", 5.0, 39.0),
    )
    .await;
    create(
        &app,
        &admin,
        form("2026-04-02", polishing, plain, gold18, "IN", 5.0, 39.0),
    )
    .await;
    ok(200)(
        app.put(
            &entry_path(a),
            form("2026-04-01", casting, plain, gold18, "IN", 5.0, 41.0),
            &admin.token,
        )
        .await,
    );
    ok(200)(app.delete(&entry_path(b), &admin.token).await);
    ok(201)(
        app.post(
            &format!("/api/v1/companies/{acme}/metal-deposits"),
            json!({"metal_id": gold18, "quantity_grams": 1.25}),
            &admin.token,
        )
        .await,
    );

    // The running totals the summary reads equal the ledger, row by row, after edits and deletes.
    let drift: i64 = connect(&app.owner_url())
        .await
        .query_one(
            "select count(*) from department_balances b
               full join (select tenant_id, department_id, metal_id,
                                 sum(case direction when 'IN' then weight else -weight end) as g,
                                 coalesce(sum(quantity) filter (where direction = 'IN'), 0) as qi,
                                 coalesce(sum(quantity) filter (where direction = 'OUT'), 0) as qo,
                                 sum(fine_weight) as f
                            from department_ledger_entries group by 1, 2, 3) e
                 using (tenant_id, department_id, metal_id)
              where (b.balance_grams, b.qty_in, b.qty_out, b.fine_weight)
                    is distinct from (coalesce(e.g, 0), coalesce(e.qi, 0), coalesce(e.qo, 0),
                                      coalesce(e.f, 0))",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(drift, 0, "department totals differ from the ledger");
    // And so do the per-unit totals the reconciliation reads (a unit whose entries all went keeps
    // a row of zeros).
    let drift: i64 = connect(&app.owner_url())
        .await
        .query_one(
            "select count(*) from ledger_unit_totals u
               full join (select tenant_id, order_id, department_id, metal_id,
                                 coalesce(sum(quantity) filter (where direction = 'IN'), 0) as pi,
                                 coalesce(sum(quantity) filter (where direction = 'OUT'), 0) as po,
                                 coalesce(sum(weight) filter (where direction = 'IN'), 0) as gi,
                                 coalesce(sum(weight) filter (where direction = 'OUT'), 0) as go,
                                 coalesce(sum(fine_weight) filter (where direction = 'IN'), 0) as fi,
                                 coalesce(-sum(fine_weight) filter (where direction = 'OUT'), 0) as fo
                            from department_ledger_entries group by 1, 2, 3, 4) e
                 using (tenant_id, order_id, department_id, metal_id)
              where (u.pieces_in, u.pieces_out, u.gross_in, u.gross_out, u.fine_in, u.fine_out)
                    is distinct from (coalesce(e.pi, 0), coalesce(e.po, 0), coalesce(e.gi, 0),
                                      coalesce(e.go, 0), coalesce(e.fi, 0), coalesce(e.fo, 0))",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(drift, 0, "unit totals differ from the ledger");
    // Acme: 100 + 1.25 deposited, 41 × 0.75 = 30.75 cast. Beta: 20 deposited with its order, its
    // casting entry deleted.
    assert_eq!(company_balance(&app, &admin, acme, gold18).await, 70.5);
    assert_eq!(company_balance(&app, &admin, beta, gold18).await, 20.0);
    assert_safe_matches_the_trail(&app).await;
    let safe = app
        .get("/api/v1/safe/supplies", &admin.token)
        .await
        .expect(200)
        .body;
    let fine = |m: i64| {
        arr(&safe)
            .iter()
            .find(|r| r["metal_id"] == m && r["supply_type"] == "FINE_METAL")
            .map(|r| r["quantity_grams"].as_f64().unwrap())
    };
    assert_eq!(
        fine(gold18),
        Some(90.5),
        "the deposits, less the 30.75 g issued to casting"
    );
    assert_eq!(fine(gold24), Some(40.5));
    assert_eq!(fine(silver), Some(512.3456));

    // Every read of these pages changes nothing at all.
    let before = whole_database(&app, &[]).await;
    for path in [
        "/api/v1/orders/".to_string(),
        format!("/api/v1/orders/{plain}"),
        format!("/api/v1/orders/{plain}/timeline"),
        "/api/v1/shipments/".into(),
        "/api/v1/supplies/".into(),
        "/api/v1/safe/supplies".into(),
        "/api/v1/metal-transactions".into(),
        balances(acme),
        balances(beta),
        "/api/v1/companies-v2/".into(),
        format!("/api/v1/companies-v2/{acme}/balance"),
        LEDGER.into(),
        format!("{LEDGER}?include_archived=true"),
        SUMMARY.into(),
        "/api/v1/departments/".into(),
        "/api/v1/departments/balances/summary".into(),
        "/api/v1/metals".into(),
    ] {
        app.get(&path, &admin.token).await.expect(200);
    }
    assert_eq!(
        whole_database(&app, &[]).await,
        before,
        "GETs changed nothing"
    );
}
