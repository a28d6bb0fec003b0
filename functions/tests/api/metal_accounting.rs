//! Metal accounting: safe purchases (weighted average cost), company deposits and balances, the
//! safe, and the transaction trail (reference rules §6, decisions §3).

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::crm_fixtures::company;
use crate::helpers::{Detail, Session, TestApp, arr, connect};

const PURCHASES: &str = "/api/v1/safe/purchases";
const SAFE: &str = "/api/v1/safe/supplies";
const TRANSACTIONS: &str = "/api/v1/metal-transactions";

fn deposits(company: i64) -> String {
    format!("/api/v1/companies/{company}/metal-deposits")
}

fn balances(company: i64) -> String {
    format!("/api/v1/companies/{company}/metal-balances")
}

/// The id of the tenant's metal `code` (every tenant is provisioned with the default metals).
pub async fn metal(app: &TestApp, s: &Session, code: &str) -> i64 {
    let list = app.get("/api/v1/metals/", &s.token).await.expect(200).body;
    arr(&list)
        .iter()
        .find(|m| m["code"] == code)
        .unwrap_or_else(|| panic!("no metal {code}"))["id"]
        .as_i64()
        .unwrap()
}

/// Everything metal accounting can change, as the owner sees it (all tenants, every column).
async fn snapshot(app: &TestApp) -> Vec<String> {
    let owner = connect(&app.owner_url()).await;
    let mut out = Vec::new();
    for table in [
        "safe_supplies",
        "company_metal_balances",
        "metal_transactions",
        "metals",
    ] {
        let row = owner
            .query_one(
                &format!(
                    "select coalesce(json_agg(t order by t.id)::text, '[]') as j from {table} t"
                ),
                &[],
            )
            .await
            .unwrap();
        out.push(row.get("j"));
    }
    out
}

/// Decisions §3: for every metal, the safe's fine metal equals the sum of the transactions booked
/// against the safe (purchases, deposits and casting's issues of that metal); casting consumption,
/// booked against the customer's balance, is not one of them.
pub async fn assert_safe_matches_the_trail(app: &TestApp) {
    let owner = connect(&app.owner_url()).await;
    let rows = owner
        .query(
            "select s.tenant_id, s.metal_id, s.quantity_grams::text as safe,
                    coalesce(sum(t.quantity_grams), 0)::numeric(14,4)::text as booked
               from safe_supplies s
               left join metal_transactions t
                 on t.tenant_id = s.tenant_id and t.metal_id = s.metal_id
                and t.transaction_type in ('SAFE_PURCHASE', 'COMPANY_DEPOSIT', 'SAFE_ISSUE')
              where s.supply_type = 'FINE_METAL'
              group by s.id",
            &[],
        )
        .await
        .unwrap();
    assert!(!rows.is_empty());
    for r in rows {
        let (safe, booked): (String, String) = (r.get("safe"), r.get("booked"));
        assert_eq!(safe, booked, "metal {}", r.get::<_, i64>("metal_id"));
    }
}

/// The safe's quantity of `supply_type` for `metal_id` (`None` for the alloy row), if it has a row.
fn safe_quantity(safe: &Value, metal_id: Option<i64>, supply_type: &str) -> Option<f64> {
    arr(safe)
        .iter()
        .find(|r| r["metal_id"].as_i64() == metal_id && r["supply_type"] == supply_type)
        .map(|r| r["quantity_grams"].as_f64().unwrap())
}

#[tokio::test]
async fn purchases_keep_the_weighted_average_cost_exact() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Vault Co", "vaultadmin").await;
    let gold = metal(&app, &admin, "GOLD_24K").await;

    let r = app
        .post(
            PURCHASES,
            json!({"metal_id": gold, "supply_type": "FINE_METAL", "quantity_grams": 10,
                   "cost_per_gram": 50, "notes": "First bar"}),
            &admin.token,
        )
        .await
        .expect(201);
    let b = &r.body;
    assert_eq!(b["transaction_type"], "SAFE_PURCHASE");
    assert_eq!(b["metal_id"], gold);
    assert_eq!(b["metal_code"], "GOLD_24K");
    assert_eq!(b["company_id"], Value::Null);
    assert_eq!(b["order_id"], Value::Null);
    assert_eq!(b["quantity_grams"].as_f64(), Some(10.0));
    assert_eq!(b["notes"], "First bar");
    assert_eq!(b["created_by"], admin.user_id);
    assert!(b["id"].as_i64().is_some() && b["created_at"].is_string());
    let first = b["id"].as_i64().unwrap();

    // Lower-case and padded supply types are read as the old service read them.
    let second = app
        .post(
            PURCHASES,
            json!({"metal_id": gold, "supply_type": " fine_metal ", "quantity_grams": 30,
                   "cost_per_gram": 70}),
            &admin.token,
        )
        .await
        .expect(201)
        .body["id"]
        .as_i64()
        .unwrap();

    // (10·50 + 30·70) / 40 = 65, exactly.
    let m = app
        .get(&format!("/api/v1/metals/{gold}"), &admin.token)
        .await
        .expect(200)
        .body;
    assert_eq!(m["average_cost_per_gram"].as_f64(), Some(65.0));
    assert_eq!(m["average_cost_per_gram"].to_string(), "65.0");

    let safe = app.get(SAFE, &admin.token).await.expect(200).body;
    assert_eq!(arr(&safe).len(), 1);
    let row = &safe[0];
    assert_eq!(row["metal_id"], gold);
    assert_eq!(row["supply_type"], "FINE_METAL");
    assert_eq!(row["metal_code"], "GOLD_24K");
    assert_eq!(row["metal_name"], "Gold 24K");
    assert_eq!(row["metal_type"], "GOLD");
    assert_eq!(row["quantity_grams"].as_f64(), Some(40.0));
    assert!(row["id"].as_i64().is_some());

    // Alloy has no metal and no cost; it does not touch the fine metal's average.
    let r = app
        .post(
            PURCHASES,
            json!({"supply_type": "ALLOY", "quantity_grams": 12.5, "cost_per_gram": 0.35}),
            &admin.token,
        )
        .await
        .expect(201);
    assert_eq!(r.body["metal_id"], Value::Null);
    assert_eq!(r.body["metal_code"], Value::Null);
    assert_eq!(r.body["notes"], Value::Null);
    app.post(
        PURCHASES,
        json!({"supply_type": "alloy", "quantity_grams": 0.1, "cost_per_gram": 0}),
        &admin.token,
    )
    .await
    .expect(201);
    let safe = app.get(SAFE, &admin.token).await.expect(200).body;
    assert_eq!(safe_quantity(&safe, None, "ALLOY"), Some(12.6));
    assert_eq!(safe_quantity(&safe, Some(gold), "FINE_METAL"), Some(40.0));
    let m = app
        .get(&format!("/api/v1/metals/{gold}"), &admin.token)
        .await
        .expect(200)
        .body;
    assert_eq!(m["average_cost_per_gram"].as_f64(), Some(65.0));

    let list = app
        .get(&format!("{TRANSACTIONS}?metal_id={gold}"), &admin.token)
        .await
        .expect(200)
        .body;
    let ids: Vec<i64> = arr(&list)
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [second, first], "newest first");
    assert_safe_matches_the_trail(&app).await;
}

#[tokio::test]
async fn purchase_refuses_bad_input_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Vault Two", "vault2admin").await;
    let other = app.signup("Elsewhere", "elseadmin").await;
    let gold = metal(&app, &admin, "GOLD_24K").await;
    let foreign = metal(&app, &other, "GOLD_24K").await;
    let before = snapshot(&app).await;

    let r = app
        .post(
            PURCHASES,
            json!({"supply_type": "FINE_METAL", "quantity_grams": 10, "cost_per_gram": 50}),
            &admin.token,
        )
        .await
        .expect(400);
    assert_eq!(r.detail(), "metal_id is required for FINE_METAL purchases");

    app.expect_422s(
        PURCHASES,
        &admin.token,
        [
            (
                json!({"metal_id": foreign, "supply_type": "FINE_METAL", "quantity_grams": 10, "cost_per_gram": 50}),
                format!("metal_id: Metal with id {foreign} not found"),
            ),
            (
                json!({"metal_id": 999999, "supply_type": "FINE_METAL", "quantity_grams": 10, "cost_per_gram": 50}),
                "metal_id: Metal with id 999999 not found".to_string(),
            ),
            (
                json!({"metal_id": gold, "supply_type": "ALLOY", "quantity_grams": 10, "cost_per_gram": 50}),
                "metal_id: must be absent for ALLOY purchases (the safe keeps one alloy row)"
                    .to_string(),
            ),
            (
                json!({"metal_id": gold, "supply_type": "FINE_METAL", "quantity_grams": 0, "cost_per_gram": 50}),
                "quantity_grams: must be greater than 0".to_string(),
            ),
            (
                json!({"metal_id": gold, "supply_type": "FINE_METAL", "quantity_grams": -1, "cost_per_gram": 50}),
                "quantity_grams: must be greater than 0".to_string(),
            ),
            (
                json!({"metal_id": gold, "supply_type": "FINE_METAL", "quantity_grams": 1, "cost_per_gram": -0.01}),
                "cost_per_gram: must be a number of at least 0".to_string(),
            ),
            (
                json!({"metal_id": gold, "supply_type": "SILVERWARE", "quantity_grams": 1, "cost_per_gram": 1}),
                "supply_type: 'SILVERWARE' is not a supply type (one of FINE_METAL, ALLOY)"
                    .to_string(),
            ),
            (
                json!({"metal_id": 0, "supply_type": "FINE_METAL", "quantity_grams": 1, "cost_per_gram": 1}),
                "metal_id: must be a positive integer".to_string(),
            ),
        ],
        Detail::Is,
    )
    .await;
    app.expect_422s(
        PURCHASES,
        &admin.token,
        [
            (
                json!({"metal_id": gold, "supply_type": "FINE_METAL", "quantity_grams": "10", "cost_per_gram": 1}),
                "quantity_grams: ",
            ),
            (
                json!({"metal_id": gold, "quantity_grams": 10, "cost_per_gram": 1}),
                "supply_type",
            ),
        ],
        Detail::StartsWith,
    )
    .await;

    // An inactive metal cannot be bought.
    app.delete(&format!("/api/v1/metals/{gold}"), &admin.token)
        .await
        .expect(200);
    let before = {
        let after_delete = snapshot(&app).await;
        assert_eq!(after_delete[..3], before[..3], "nothing booked so far");
        after_delete
    };
    let r = app
        .post(
            PURCHASES,
            json!({"metal_id": gold, "supply_type": "FINE_METAL", "quantity_grams": 1, "cost_per_gram": 1}),
            &admin.token,
        )
        .await
        .expect(422);
    assert_eq!(
        r.detail(),
        format!("metal_id: Metal with id {gold} is inactive")
    );
    assert_eq!(snapshot(&app).await, before);

    // Staff may look at the safe but not buy into it.
    let staff = app.user_with_role(&admin, "vaultstaff", "staff").await;
    app.get(SAFE, &staff.token).await.expect(200);
    let r = app
        .post(
            PURCHASES,
            json!({"supply_type": "ALLOY", "quantity_grams": 1, "cost_per_gram": 1}),
            &staff.token,
        )
        .await
        .expect(403);
    assert_eq!(r.detail(), "Permission 'safe:write' required");
}

#[tokio::test]
async fn deposits_credit_the_company_and_the_safe() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Deposit Co", "depadmin").await;
    let acme = company(&app, &admin, "Acme").await;
    let gold18 = metal(&app, &admin, "GOLD_18K").await;
    let gold24 = metal(&app, &admin, "GOLD_24K").await;
    let silver = metal(&app, &admin, "SILVER_925").await;

    // What the app sends: metal_id, quantity_grams, notes.
    let r = app
        .post(
            &deposits(acme),
            json!({"metal_id": gold18, "quantity_grams": 100, "notes": "Scrap"}),
            &admin.token,
        )
        .await
        .expect(201);
    let b = &r.body;
    assert_eq!(b["transaction_type"], "COMPANY_DEPOSIT");
    assert_eq!(b["metal_id"], gold18);
    assert_eq!(b["metal_code"], "GOLD_18K");
    assert_eq!(b["company_id"], acme);
    assert_eq!(b["order_id"], Value::Null);
    assert_eq!(b["quantity_grams"].as_f64(), Some(100.0));
    assert_eq!(b["notes"], "Scrap");
    assert_eq!(b["created_by"], admin.user_id);

    // The old API's metal_type lands on the purest active metal of that type (GOLD → GOLD_24K).
    let r = app
        .post(
            &deposits(acme),
            json!({"metal_type": "GOLD", "quantity_grams": 0.3}),
            &admin.token,
        )
        .await
        .expect(201);
    assert_eq!(r.body["metal_id"], gold24);
    assert_eq!(r.body["quantity_grams"].as_f64(), Some(0.3));
    // Both given and consistent: metal_id decides.
    app.post(
        &deposits(acme),
        json!({"metal_id": silver, "metal_type": "SILVER", "quantity_grams": 2.25}),
        &admin.token,
    )
    .await
    .expect(201);
    app.post(
        &deposits(acme),
        json!({"metal_id": gold18, "quantity_grams": 0.1}),
        &admin.token,
    )
    .await
    .expect(201);

    // One row per metal, by code; balance_grams is a JSON number.
    let list = app
        .get(&balances(acme), &admin.token)
        .await
        .expect(200)
        .body;
    let rows: Vec<(i64, &str, &str, String)> = arr(&list)
        .iter()
        .map(|r| {
            assert!(r["id"].as_i64().is_some());
            assert!(r["balance_grams"].is_number());
            (
                r["metal_id"].as_i64().unwrap(),
                r["metal_code"].as_str().unwrap(),
                r["metal_name"].as_str().unwrap(),
                r["balance_grams"].to_string(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (gold18, "GOLD_18K", "Gold 18K", "100.1".to_string()),
            (gold24, "GOLD_24K", "Gold 24K", "0.3".to_string()),
            (silver, "SILVER_925", "Silver 925", "2.25".to_string()),
        ]
    );
    assert_eq!(list[0]["metal_type"], "GOLD");

    // Deposits are in the safe too.
    let safe = app.get(SAFE, &admin.token).await.expect(200).body;
    assert_eq!(
        safe_quantity(&safe, Some(gold18), "FINE_METAL"),
        Some(100.1)
    );
    assert_eq!(safe_quantity(&safe, Some(gold24), "FINE_METAL"), Some(0.3));
    assert_eq!(safe_quantity(&safe, Some(silver), "FINE_METAL"), Some(2.25));
    assert_safe_matches_the_trail(&app).await;

    // A company with nothing on deposit has an empty list; the trailing slash works too.
    let empty = company(&app, &admin, "Empty").await;
    let list = app
        .get(&format!("{}/", balances(empty)), &admin.token)
        .await
        .expect(200)
        .body;
    assert_eq!(arr(&list).len(), 0);

    // Staff sees balances (the company pages show them) but cannot record deposits.
    let staff = app.user_with_role(&admin, "depstaff", "staff").await;
    app.get(&balances(acme), &staff.token).await.expect(200);
    let r = app
        .post(
            &deposits(acme),
            json!({"metal_id": gold18, "quantity_grams": 1}),
            &staff.token,
        )
        .await
        .expect(403);
    assert_eq!(r.detail(), "Permission 'safe:write' required");
}

#[tokio::test]
async fn deposits_refuse_bad_input_and_foreign_ids_and_write_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Strict Co", "strictadmin").await;
    let other = app.signup("Rival Co", "rivaladmin").await;
    let acme = company(&app, &admin, "Acme").await;
    let rival = company(&app, &other, "Rival").await;
    let gold = metal(&app, &admin, "GOLD_18K").await;
    let foreign_metal = metal(&app, &other, "GOLD_18K").await;
    let before = snapshot(&app).await;

    // Another tenant's company in the path is not found, on both routes.
    let r = app
        .post(
            &deposits(rival),
            json!({"metal_id": gold, "quantity_grams": 1}),
            &admin.token,
        )
        .await
        .expect(404);
    assert_eq!(r.detail(), format!("Company with id {rival} not found"));
    let r = app.get(&balances(rival), &admin.token).await.expect(404);
    assert_eq!(r.detail(), format!("Company with id {rival} not found"));
    app.get(&balances(999999), &admin.token).await.expect(404);

    app.expect_422s(
        &deposits(acme),
        &admin.token,
        [
            (
                json!({"metal_id": foreign_metal, "quantity_grams": 1}),
                format!("metal_id: Metal with id {foreign_metal} not found"),
            ),
            (
                json!({"metal_id": gold, "quantity_grams": 0}),
                "quantity_grams: must be greater than 0".to_string(),
            ),
            (
                json!({"metal_id": gold, "quantity_grams": -5}),
                "quantity_grams: must be greater than 0".to_string(),
            ),
            (
                json!({"metal_id": gold, "quantity_grams": 0.00004}),
                "quantity_grams: must be greater than 0".to_string(),
            ),
            (
                json!({"quantity_grams": 1}),
                "metal_id: Field required (or give metal_type)".to_string(),
            ),
            (
                json!({"metal_type": "COPPER", "quantity_grams": 1}),
                "metal_type: 'COPPER' is not a metal type (one of GOLD, SILVER, PLATINUM, PALLADIUM, OTHER)"
                    .to_string(),
            ),
            (
                json!({"metal_id": gold, "metal_type": "SILVER", "quantity_grams": 1}),
                format!("metal_type: metal {gold} is GOLD, not SILVER"),
            ),
            (
                json!({"metal_id": -3, "quantity_grams": 1}),
                "metal_id: must be a positive integer".to_string(),
            ),
        ],
        Detail::Is,
    )
    .await;

    // No palladium in the catalogue: the old API's 400.
    let r = app
        .post(
            &deposits(acme),
            json!({"metal_type": "PALLADIUM", "quantity_grams": 5}),
            &admin.token,
        )
        .await
        .expect(400);
    assert_eq!(r.detail(), "No active metal found for type 'PALLADIUM'");
    assert_eq!(snapshot(&app).await, before, "nothing half-written");

    // An inactive metal cannot take deposits, by id or by type.
    app.delete(&format!("/api/v1/metals/{gold}"), &admin.token)
        .await
        .expect(200);
    let r = app
        .post(
            &deposits(acme),
            json!({"metal_id": gold, "quantity_grams": 1}),
            &admin.token,
        )
        .await
        .expect(422);
    assert_eq!(
        r.detail(),
        format!("metal_id: Metal with id {gold} is inactive")
    );
    let platinum = metal(&app, &admin, "PLATINUM").await;
    app.delete(&format!("/api/v1/metals/{platinum}"), &admin.token)
        .await
        .expect(200);
    let r = app
        .post(
            &deposits(acme),
            json!({"metal_type": "PLATINUM", "quantity_grams": 1}),
            &admin.token,
        )
        .await
        .expect(400);
    assert_eq!(r.detail(), "No active metal found for type 'PLATINUM'");
    let after = snapshot(&app).await;
    assert_eq!(after[..3], before[..3], "no balance, safe or transaction");
}

#[tokio::test]
async fn twenty_concurrent_deposits_lose_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Busy Co", "busyadmin").await;
    let acme = company(&app, &admin, "Acme").await;
    let gold = metal(&app, &admin, "GOLD_22K").await;
    let path = deposits(acme);
    let body = json!({"metal_id": gold, "quantity_grams": 1.5});
    let answers = join_all((0..20).map(|_| {
        app.call(
            "POST",
            &path,
            crate::helpers::Body::Json(body.clone()),
            Some(&admin.token),
        )
    }))
    .await;
    for r in answers {
        r.expect(201);
    }
    let list = app
        .get(&balances(acme), &admin.token)
        .await
        .expect(200)
        .body;
    assert_eq!(arr(&list).len(), 1);
    assert_eq!(list[0]["balance_grams"].as_f64(), Some(30.0));
    let safe = app.get(SAFE, &admin.token).await.expect(200).body;
    assert_eq!(safe_quantity(&safe, Some(gold), "FINE_METAL"), Some(30.0));
    let trail = app
        .get(&format!("{TRANSACTIONS}?company_id={acme}"), &admin.token)
        .await
        .expect(200)
        .body;
    assert_eq!(arr(&trail).len(), 20);
    assert!(
        arr(&trail)
            .iter()
            .all(|t| t["quantity_grams"].as_f64() == Some(1.5))
    );
    assert_safe_matches_the_trail(&app).await;
}

#[tokio::test]
async fn transactions_filter_and_reads_write_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Trail Co", "trailadmin").await;
    let other = app.signup("Other Trail", "othertrail").await;
    let acme = company(&app, &admin, "Acme").await;
    let beta = company(&app, &admin, "Beta").await;
    let gold = metal(&app, &admin, "GOLD_24K").await;
    let silver = metal(&app, &admin, "SILVER_925").await;

    let post = |path: String, body: Value| {
        let token = admin.token.clone();
        let app = &app;
        async move {
            app.post(&path, body, &token).await.expect(201).body["id"]
                .as_i64()
                .unwrap()
        }
    };
    let p1 = post(
        PURCHASES.to_string(),
        json!({"metal_id": gold, "supply_type": "FINE_METAL", "quantity_grams": 5, "cost_per_gram": 60}),
    )
    .await;
    let d1 = post(
        deposits(acme),
        json!({"metal_id": gold, "quantity_grams": 2}),
    )
    .await;
    let d2 = post(
        deposits(beta),
        json!({"metal_id": silver, "quantity_grams": 7}),
    )
    .await;
    let d3 = post(
        deposits(acme),
        json!({"metal_id": silver, "quantity_grams": 1}),
    )
    .await;
    // Another tenant's movements never show.
    let other_co = company(&app, &other, "Theirs").await;
    let other_gold = metal(&app, &other, "GOLD_24K").await;
    app.post(
        &deposits(other_co),
        json!({"metal_id": other_gold, "quantity_grams": 3}),
        &other.token,
    )
    .await
    .expect(201);

    let ids_of =
        |v: &Value| -> Vec<i64> { arr(v).iter().map(|t| t["id"].as_i64().unwrap()).collect() };
    let get = |q: String| {
        let token = admin.token.clone();
        let app = &app;
        async move {
            app.get(&format!("{TRANSACTIONS}{q}"), &token)
                .await
                .expect(200)
                .body
        }
    };
    assert_eq!(ids_of(&get(String::new()).await), [d3, d2, d1, p1]);
    assert_eq!(ids_of(&get(format!("?company_id={acme}")).await), [d3, d1]);
    assert_eq!(ids_of(&get(format!("?metal_id={silver}")).await), [d3, d2]);
    assert_eq!(
        ids_of(&get(format!("?company_id={acme}&metal_id={silver}")).await),
        [d3]
    );
    assert_eq!(
        ids_of(&get("?transaction_type=SAFE_PURCHASE".to_string()).await),
        [p1]
    );
    assert_eq!(
        ids_of(&get("?transaction_type=company_deposit&company_id=".to_string()).await),
        [d3, d2, d1]
    );
    assert_eq!(
        ids_of(&get(format!("?company_id={other_co}")).await),
        Vec::<i64>::new()
    );
    assert_eq!(ids_of(&get("?skip=1&limit=2".to_string()).await), [d2, d1]);
    // The trailing slash works too.
    app.get(&format!("{TRANSACTIONS}/"), &admin.token)
        .await
        .expect(200);
    let t = &get(format!("?company_id={beta}")).await[0];
    assert_eq!(t["transaction_type"], "COMPANY_DEPOSIT");
    assert_eq!(t["metal_code"], "SILVER_925");
    assert_eq!(t["company_id"], beta);
    assert_eq!(t["quantity_grams"].as_f64(), Some(7.0));

    for (q, detail) in [
        (
            "?transaction_type=GIFT",
            "transaction_type: 'GIFT' is not a transaction type",
        ),
        ("?company_id=abc", "company_id: must be a positive integer"),
        ("?metal_id=0", "metal_id: must be a positive integer"),
    ] {
        let r = app
            .get(&format!("{TRANSACTIONS}{q}"), &admin.token)
            .await
            .expect(422);
        assert!(r.detail().starts_with(detail), "{q}: {}", r.detail());
        assert_eq!(r.body["errors"][0]["loc"][0], "query", "{q}");
    }

    // Drift the safe away from the old service's formula: reading balances must not "recalculate" it.
    let owner = connect(&app.owner_url()).await;
    owner
        .execute(
            "update safe_supplies set quantity_grams = 1.2345 where metal_id = $1",
            &[&gold],
        )
        .await
        .unwrap();
    let before = snapshot(&app).await;
    app.get(&balances(acme), &admin.token).await.expect(200);
    app.get(&balances(beta), &admin.token).await.expect(200);
    app.get(SAFE, &admin.token).await.expect(200);
    get(String::new()).await;
    get(format!("?company_id={acme}")).await;
    assert_eq!(snapshot(&app).await, before, "GETs changed nothing");
    let safe = app.get(SAFE, &admin.token).await.expect(200).body;
    assert_eq!(safe_quantity(&safe, Some(gold), "FINE_METAL"), Some(1.2345));
}

#[tokio::test]
async fn a_balance_past_its_column_is_refused_and_nothing_is_booked() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Huge Co", "hugeadmin").await;
    let acme = company(&app, &admin, "Acme").await;
    let gold = metal(&app, &admin, "GOLD_24K").await;
    app.post(
        &deposits(acme),
        json!({"metal_id": gold, "quantity_grams": 9999999999.9999}),
        &admin.token,
    )
    .await
    .expect(201);
    let before = snapshot(&app).await;
    let r = app
        .post(
            &deposits(acme),
            json!({"metal_id": gold, "quantity_grams": 0.0001}),
            &admin.token,
        )
        .await
        .expect(422);
    assert_eq!(
        r.detail(),
        "quantity_grams: would take the company's balance past what it can hold (less than 10000000000)"
    );
    let r = app
        .post(
            PURCHASES,
            json!({"metal_id": gold, "supply_type": "FINE_METAL", "quantity_grams": 1, "cost_per_gram": 1}),
            &admin.token,
        )
        .await
        .expect(422);
    assert_eq!(
        r.detail(),
        "quantity_grams: would take the safe past what it can hold (less than 10000000000)"
    );
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn concurrent_purchases_average_one_after_another() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Rush Co", "rushadmin").await;
    let gold = metal(&app, &admin, "GOLD_14K").await;
    // 1 g each at 840, 1680, …, 6720: every running mean of k of them (k ≤ 8) is a whole number,
    // so in whatever order they run the average ends at exactly 3780, unless one purchase
    // averaged from a stale quantity or cost.
    let bodies: Vec<Value> = (1..=8)
        .map(|i| {
            json!({"metal_id": gold, "supply_type": "FINE_METAL", "quantity_grams": 1,
                   "cost_per_gram": 840 * i})
        })
        .collect();
    let answers = join_all(bodies.into_iter().map(|b| {
        app.call(
            "POST",
            PURCHASES,
            crate::helpers::Body::Json(b),
            Some(&admin.token),
        )
    }))
    .await;
    for r in answers {
        r.expect(201);
    }
    let m = app
        .get(&format!("/api/v1/metals/{gold}"), &admin.token)
        .await
        .expect(200)
        .body;
    assert_eq!(m["average_cost_per_gram"].as_f64(), Some(3780.0));
    let safe = app.get(SAFE, &admin.token).await.expect(200).body;
    assert_eq!(safe_quantity(&safe, Some(gold), "FINE_METAL"), Some(8.0));
    assert_safe_matches_the_trail(&app).await;
}
