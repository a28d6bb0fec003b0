//! The metal loss report on a hand-computed fixture built through the API: every grouping, the
//! filters, tolerance flags, archived entries, another tenant's data, the CSV byte for byte.

use serde_json::{Value, json};

use crate::crm_fixtures::{company, contact, department};
use crate::helpers::{Body, Session, TestApp, arr};
use crate::metal_accounting::metal;

const LOSS: &str = "/api/v1/reports/metal-loss";
const LEDGER: &str = "/api/v1/department-ledger/";

struct Fixture {
    admin: Session,
    casting: i64,
    polishing: i64,
    gold18: i64,
    a: (i64, String),
    b: (i64, String),
    c: (i64, String),
}

async fn order(app: &TestApp, s: &Session, contact: i64) -> (i64, String) {
    let o = app
        .post(
            "/api/v1/orders/",
            json!({"contact_id": contact,
                   "line_items": [{"product_description": "Band", "quantity": 10}]}),
            &s.token,
        )
        .await
        .expect(201)
        .body;
    (
        o["id"].as_i64().unwrap(),
        o["order_number"].as_str().unwrap().into(),
    )
}

async fn entry(app: &TestApp, s: &Session, body: (&str, i64, i64, i64, &str, f64, f64)) {
    let (date, department, order, metal, direction, quantity, weight) = body;
    app.post(
        LEDGER,
        json!({"date": date, "department_id": department, "order_id": order, "metal_id": metal,
               "direction": direction, "quantity": quantity, "weight": weight}),
        &s.token,
    )
    .await
    .expect(201);
}

/// Order A: 100 g of 18K into Casting, 97.5 g out (2.5 g lost, 2.5 %, 1.875 fine grams), then
/// 97.5 g through Polishing, 97 g out (0.5 g). Order B: 50 g (10 pieces) into Casting, 4 pieces of
/// 19.6 g out (20 g of it done, 0.4 g lost, 30 g still in), and an archived February entry into
/// Polishing. Order C: April, 10 g in, 9.9 g out. GOLD_18K costs 60 a fine gram; Casting's tolerance
/// is 2 %.
async fn fixture(app: &TestApp) -> Fixture {
    let admin = app.signup("Loss Co", "lossadmin").await;
    let acme = company(app, &admin, "Acme").await;
    let buyer = contact(app, &admin, acme, "Ann").await;
    let gold18 = metal(app, &admin, "GOLD_18K").await;
    app.post(
        "/api/v1/safe/purchases",
        json!({"metal_id": gold18, "supply_type": "FINE_METAL", "quantity_grams": 10, "cost_per_gram": 60}),
        &admin.token,
    )
    .await
    .expect(201);
    let casting = department(app, &admin, "Casting").await;
    let polishing = department(app, &admin, "Polishing").await;
    let t = app
        .put(
            &format!("/api/v1/departments/{casting}"),
            json!({"loss_tolerance_percent": 2}),
            &admin.token,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(t["loss_tolerance_percent"].as_f64(), Some(2.0));
    let (a, b, c) = (
        order(app, &admin, buyer).await,
        order(app, &admin, buyer).await,
        order(app, &admin, buyer).await,
    );
    for e in [
        ("2026-03-02", casting, a.0, gold18, "IN", 10.0, 100.0),
        ("2026-03-03", casting, a.0, gold18, "OUT", 10.0, 97.5),
        ("2026-03-03", polishing, a.0, gold18, "IN", 10.0, 97.5),
        ("2026-03-05", polishing, a.0, gold18, "OUT", 10.0, 97.0),
        ("2026-03-10", casting, b.0, gold18, "IN", 10.0, 50.0),
        ("2026-03-12", casting, b.0, gold18, "OUT", 4.0, 19.6),
        ("2026-02-01", polishing, b.0, gold18, "IN", 4.0, 19.6),
        ("2026-04-01", casting, c.0, gold18, "IN", 1.0, 10.0),
        ("2026-04-02", casting, c.0, gold18, "OUT", 1.0, 9.9),
    ] {
        entry(app, &admin, e).await;
    }
    let r = app
        .post(
            "/api/v1/department-ledger/archive",
            json!({"date_from": "2026-02-01", "date_to": "2026-02-28"}),
            &admin.token,
        )
        .await
        .expect(200);
    assert_eq!(r.body["count"], 1);
    Fixture {
        admin,
        casting,
        polishing,
        gold18,
        a,
        b,
        c,
    }
}

async fn report(app: &TestApp, s: &Session, query: &str) -> Value {
    app.get(&format!("{LOSS}{query}"), &s.token)
        .await
        .expect(200)
        .body
}

/// The figures of a group or of the totals, as text (exact decimals, null as "null").
fn figures(g: &Value) -> Vec<String> {
    [
        "pieces_in",
        "pieces_out",
        "gross_in_grams",
        "gross_out_grams",
        "gross_in_done_grams",
        "loss_grams",
        "loss_percent",
        "fine_loss_grams",
        "loss_value",
        "wip_gross_grams",
        "wip_fine_grams",
    ]
    .iter()
    .map(|k| g[k].to_string())
    .collect()
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

#[tokio::test]
async fn the_loss_per_department_is_exact_and_flags_the_tolerance() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let r = report(&app, &f.admin, "?date_from=2026-03-01&date_to=2026-03-31").await;
    assert_eq!(r["group_by"], json!(["department"]));
    let groups = arr(&r["groups"]);
    assert_eq!(groups.len(), 2);
    let (casting, polishing) = (&groups[0], &groups[1]);
    assert_eq!(casting["department_id"], f.casting);
    assert_eq!(casting["department_name"], "Casting");
    // A: 100 in, 97.5 out; B: 10 pieces of 50 g in, 4 of them (19.6 g) out, so 20 g of it done.
    // Loss 2.5 + 0.4 = 2.9 of 120 → 2.42 %; fine 2.175; value 2.175 × 60; 30 g (22.5 fine) in
    // progress.
    assert_eq!(
        figures(casting),
        s(&[
            "20.0", "14.0", "150.0", "117.1", "120.0", "2.9", "2.42", "2.175", "130.5", "30.0",
            "22.5"
        ])
    );
    assert_eq!(casting["loss_tolerance_percent"].as_f64(), Some(2.0));
    assert_eq!(casting["over_tolerance"], true);
    assert!(casting.get("order_id").is_none(), "not grouped by order");
    // Polishing: 97.5 in, 97 out: 0.5 g, 0.51 %, no tolerance set. The archived entry is left out.
    assert_eq!(polishing["department_id"], f.polishing);
    assert_eq!(
        figures(polishing),
        s(&[
            "10.0", "10.0", "97.5", "97.0", "97.5", "0.5", "0.51", "0.375", "22.5", "0.0", "0.0"
        ])
    );
    assert_eq!(polishing["loss_tolerance_percent"], Value::Null);
    assert_eq!(polishing["over_tolerance"], Value::Null);
    assert_eq!(
        figures(&r["totals"]),
        s(&[
            "30.0", "24.0", "247.5", "214.1", "217.5", "3.4", "1.56", "2.55", "153.0", "30.0",
            "22.5"
        ])
    );

    // With April: Casting adds C (0.1 of 10 g): 3.0 of 130 → 2.31 %, still over 2 %.
    let all = report(&app, &f.admin, "").await;
    assert_eq!(all["groups"][0]["loss_grams"].as_f64(), Some(3.0));
    assert_eq!(all["groups"][0]["loss_percent"].as_f64(), Some(2.31));
    // Raising the tolerance clears the flag; null removes it.
    let put = |v: Value| {
        let app = &app;
        let token = f.admin.token.clone();
        let path = format!("/api/v1/departments/{}", f.casting);
        async move {
            app.put(&path, json!({ "loss_tolerance_percent": v }), &token)
                .await
        }
    };
    put(json!(2.5)).await.expect(200);
    assert_eq!(
        report(&app, &f.admin, "").await["groups"][0]["over_tolerance"],
        false
    );
    put(Value::Null).await.expect(200);
    assert_eq!(
        report(&app, &f.admin, "").await["groups"][0]["over_tolerance"],
        Value::Null
    );
    for bad in [json!(100.01), json!(-1)] {
        let r = put(bad.clone()).await.expect(422);
        assert_eq!(
            r.detail(),
            "loss_tolerance_percent: must be a percentage from 0 to 100",
            "{bad}"
        );
    }
    put(json!(100)).await.expect(200);
}

#[tokio::test]
async fn every_grouping_and_filter_of_the_loss_report() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let (a, b, c) = (&f.a, &f.b, &f.c);

    // By order and metal: A lost 2.5 + 0.5 = 3 of 197.5 (1.52 %); B 0.4 of 20 (2 %); C 0.1 of 10.
    let r = report(&app, &f.admin, "?group_by=order,metal").await;
    let rows: Vec<(String, String, f64, Option<f64>)> = arr(&r["groups"])
        .iter()
        .map(|g| {
            assert_eq!(g["metal_id"], f.gold18);
            assert_eq!(g["metal_name"], "Gold 18K");
            (
                g["order_number"].as_str().unwrap().to_string(),
                g["metal_code"].as_str().unwrap().to_string(),
                g["loss_grams"].as_f64().unwrap(),
                g["loss_percent"].as_f64(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (a.1.clone(), "GOLD_18K".into(), 3.0, Some(1.52)),
            (b.1.clone(), "GOLD_18K".into(), 0.4, Some(2.0)),
            (c.1.clone(), "GOLD_18K".into(), 0.1, Some(1.0)),
        ]
    );
    assert!(
        arr(&r["groups"])
            .iter()
            .all(|g| g.get("over_tolerance").is_none())
    );

    // By day: each unit on the day of its latest OUT entry.
    let r = report(&app, &f.admin, "?group_by=day").await;
    let days: Vec<(&str, f64)> = arr(&r["groups"])
        .iter()
        .map(|g| {
            (
                g["day"].as_str().unwrap(),
                g["loss_grams"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        days,
        [
            ("2026-03-03", 2.5),
            ("2026-03-05", 0.5),
            ("2026-03-12", 0.4),
            ("2026-04-02", 0.1)
        ]
    );
    // By month, then department.
    let r = report(&app, &f.admin, "?group_by=month,department").await;
    let months: Vec<(&str, &str, f64)> = arr(&r["groups"])
        .iter()
        .map(|g| {
            (
                g["month"].as_str().unwrap(),
                g["department_name"].as_str().unwrap(),
                g["loss_grams"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        months,
        [
            ("2026-03", "Casting", 2.9),
            ("2026-03", "Polishing", 0.5),
            ("2026-04", "Casting", 0.1)
        ]
    );

    // Filters: one order, one department, one metal; another metal has nothing.
    let one = |q: String| {
        let app = &app;
        let token = f.admin.token.clone();
        async move {
            app.get(&format!("{LOSS}{q}"), &token)
                .await
                .expect(200)
                .body
        }
    };
    let r = one(format!("?order_id={}&department_id={}", b.0, f.casting)).await;
    assert_eq!(
        figures(&r["totals"]),
        s(&[
            "10.0", "4.0", "50.0", "19.6", "20.0", "0.4", "2.0", "0.3", "18.0", "30.0", "22.5"
        ])
    );
    let silver = metal(&app, &f.admin, "SILVER_925").await;
    let r = one(format!("?metal_id={silver}")).await;
    assert_eq!(arr(&r["groups"]).len(), 0);
    assert_eq!(r["totals"]["loss_grams"].as_f64(), Some(0.0));
    assert_eq!(r["totals"]["loss_percent"], Value::Null);
    assert_eq!(
        one(format!("?metal_id={}", f.gold18)).await["totals"]["loss_grams"].as_f64(),
        Some(3.5)
    );

    // Archived entries only when asked for: B's February Polishing entry is work in progress.
    let r = one(format!("?order_id={}&department_id={}", b.0, f.polishing)).await;
    assert_eq!(arr(&r["groups"]).len(), 0);
    let r = one(format!(
        "?order_id={}&department_id={}&include_archived=true&group_by=day",
        b.0, f.polishing
    ))
    .await;
    assert_eq!(r["groups"][0]["day"], "2026-02-01");
    assert_eq!(r["groups"][0]["wip_gross_grams"].as_f64(), Some(19.6));
    assert_eq!(r["groups"][0]["wip_fine_grams"].as_f64(), Some(14.7));
    assert_eq!(r["groups"][0]["loss_percent"], Value::Null);

    // Day with month groups by day, each group labelled with its month too.
    let r = one("?group_by=day,month&date_from=2026-03-01&date_to=2026-03-31".into()).await;
    assert!(!arr(&r["groups"]).is_empty());
    for g in arr(&r["groups"]) {
        assert_eq!(g["month"], "2026-03", "{g}");
        assert!(g["day"].as_str().unwrap().starts_with("2026-03-"));
    }

    // Bad input is a 422 naming the parameter; a positive control first.
    one("?group_by=metal&format=json".into()).await;
    for (q, detail) in [
        ("?group_by=colour", "group_by: 'colour' is not a grouping"),
        ("?date_from=March", "date_from: must be a date (YYYY-MM-DD)"),
        (
            "?date_from=2026-03-02&date_to=2026-03-01",
            "date_to: must not be before date_from",
        ),
        ("?format=xml", "format: must be json or csv"),
        ("?metal_id=x", "metal_id: must be a positive integer"),
    ] {
        let r = app
            .get(&format!("{LOSS}{q}"), &f.admin.token)
            .await
            .expect(422);
        assert!(r.detail().starts_with(detail), "{q}: {}", r.detail());
    }
}

#[tokio::test]
async fn the_loss_report_as_csv_byte_for_byte() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let expected = format!(
        "department_id,department_name,loss_tolerance_percent,over_tolerance,metal_id,metal_code,metal_name,\
         pieces_in,pieces_out,gross_in_grams,gross_out_grams,gross_in_done_grams,loss_grams,loss_percent,\
         fine_loss_grams,loss_value,wip_gross_grams,wip_fine_grams,unmatched_out_grams\r\n\
         {c},Casting,2,true,{m},GOLD_18K,Gold 18K,20,14,150,117.1,120,2.9,2.42,2.175,130.5,30,22.5,0\r\n\
         {p},Polishing,,,{m},GOLD_18K,Gold 18K,10,10,97.5,97,97.5,0.5,0.51,0.375,22.5,0,0,0\r\n",
        c = f.casting,
        p = f.polishing,
        m = f.gold18,
    );
    let query = "?group_by=department,metal&date_from=2026-03-01&date_to=2026-03-31";
    for (path, accept) in [
        (format!("{LOSS}{query}&format=csv"), None),
        (format!("{LOSS}{query}"), Some("text/csv")),
    ] {
        let headers: Vec<(&str, &str)> = accept.map(|a| ("accept", a)).into_iter().collect();
        let r = app
            .call_with_headers("GET", &path, Body::None, Some(&f.admin.token), &headers)
            .await
            .expect(200);
        assert_eq!(
            r.headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some("text/csv; charset=utf-8")
        );
        assert_eq!(r.body.as_str(), Some(expected.as_str()), "{path}");
    }
}

#[tokio::test]
async fn the_loss_report_is_for_managers_and_shows_only_the_tenants_ledger() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let other = app.signup("Other Loss", "otherloss").await;
    let r = report(&app, &other, "").await;
    assert_eq!(
        arr(&r["groups"]).len(),
        0,
        "another tenant sees nothing of Loss Co"
    );
    assert_eq!(r["totals"]["gross_in_grams"].as_f64(), Some(0.0));
    // Another tenant's ids filter to nothing, never to Loss Co's data.
    let r = report(&app, &other, &format!("?department_id={}", f.casting)).await;
    assert_eq!(arr(&r["groups"]).len(), 0);

    let manager = app.user_with_role(&f.admin, "lossmanager", "manager").await;
    assert_eq!(arr(&report(&app, &manager, "").await["groups"]).len(), 2);
    let staff = app.user_with_role(&f.admin, "lossstaff", "staff").await;
    let r = app.get(LOSS, &staff.token).await.expect(403);
    assert_eq!(r.detail(), "Permission 'reports:read' required");
}
