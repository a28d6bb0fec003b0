//! `/api/v1/departments/*`: the provisioned Inventory department, CRUD, balances and the summary.

use serde_json::json;

use crate::helpers::{Session, TestApp, arr, connect};

const BASE: &str = "/api/v1/departments/";

async fn create(app: &TestApp, s: &Session, name: &str) -> i64 {
    app.post(BASE, json!({ "name": name }), &s.token)
        .await
        .expect(200)
        .body["id"]
        .as_i64()
        .unwrap()
}

async fn metal_id(app: &TestApp, s: &Session, code: &str) -> i64 {
    arr(&app.get("/api/v1/metals/", &s.token).await.expect(200).body)
        .iter()
        .find(|m| m["code"] == code)
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

/// Balances are written by the ledger; here they are put in place as the owner.
async fn set_balance(app: &TestApp, s: &Session, department: i64, metal: i64, grams: &str) {
    let owner = connect(&app.owner_url()).await;
    owner
        .execute(
            "insert into department_balances (tenant_id, department_id, metal_id, balance_grams)
             values ($1, $2, $3, $4::text::numeric)",
            &[&s.tenant_id, &department, &metal, &grams],
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn sign_up_provisions_the_inventory_department() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Dept Co", "deptadmin").await;
    let r = app.get(BASE, &admin.token).await.expect(200);
    let list = arr(&r.body);
    assert_eq!(list.len(), 1);
    let inv = &list[0];
    assert_eq!(inv["name"], "Inventory");
    assert_eq!(inv["is_active"], true);
    assert_eq!(inv["tenant_id"], admin.tenant_id);
    assert_eq!(inv["balances"], json!([]));
    assert!(inv["id"].is_i64() && inv["created_at"].is_string() && inv["updated_at"].is_string());
    app.get("/api/v1/departments", &admin.token)
        .await
        .expect(200);
}

#[tokio::test]
async fn create_get_update_with_case_insensitive_unique_names() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Dept CRUD", "deptcrud").await;
    let r = app
        .post(BASE, json!({"name": "  Casting "}), &admin.token)
        .await
        .expect(200);
    assert_eq!(r.body["name"], "Casting");
    assert_eq!(r.body["is_active"], true);
    assert_eq!(r.body["tenant_id"], admin.tenant_id);
    let id = r.body["id"].as_i64().unwrap();

    for dup in ["CASTING", "casting", "inventory"] {
        let r = app
            .post(BASE, json!({ "name": dup }), &admin.token)
            .await
            .expect(409);
        assert!(r.detail().contains("already exists"), "{}", r.detail());
    }
    for bad in [json!({"name": "  "}), json!({}), json!({"name": 5})] {
        let r = app.post(BASE, bad.clone(), &admin.token).await.expect(422);
        assert!(r.detail().contains("name"), "{bad}: {}", r.detail());
    }

    let path = format!("{BASE}{id}");
    let got = app.get(&path, &admin.token).await.expect(200);
    assert_eq!(got.body["name"], "Casting");
    assert_eq!(got.body["balances"], json!([]));

    let r = app
        .put(&path, json!({"name": "Casting Room"}), &admin.token)
        .await
        .expect(200);
    assert_eq!(r.body["name"], "Casting Room");
    assert_eq!(r.body["is_active"], true);
    let r = app
        .put(&path, json!({"is_active": false}), &admin.token)
        .await
        .expect(200);
    assert_eq!(r.body["is_active"], false);
    assert_eq!(r.body["name"], "Casting Room");
    let r = app
        .put(&path, json!({"name": "INVENTORY"}), &admin.token)
        .await
        .expect(409);
    assert!(r.detail().contains("already exists"), "{}", r.detail());
    let r = app
        .put(&path, json!({"name": ""}), &admin.token)
        .await
        .expect(422);
    assert!(r.detail().starts_with("name: "), "{}", r.detail());

    // The Inventory department keeps its name (it is recognised by it); re-casing is fine.
    let inv = arr(&app.get(BASE, &admin.token).await.body)[0]["id"]
        .as_i64()
        .unwrap();
    let r = app
        .put(
            &format!("{BASE}{inv}"),
            json!({"name": "Stock"}),
            &admin.token,
        )
        .await
        .expect(409);
    assert_eq!(r.detail(), "The Inventory department cannot be renamed");
    app.put(
        &format!("{BASE}{inv}"),
        json!({"name": "INVENTORY"}),
        &admin.token,
    )
    .await
    .expect(200);

    let r = app
        .get(&format!("{BASE}777777"), &admin.token)
        .await
        .expect(404);
    assert_eq!(r.detail(), "Department with id 777777 not found");
    app.put(&format!("{BASE}777777"), json!({"name": "X"}), &admin.token)
        .await
        .expect(404);
}

#[tokio::test]
async fn balances_are_numbers_with_the_metal_name() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Dept Bal", "deptbal").await;
    let casting = create(&app, &admin, "Casting").await;
    let polishing = create(&app, &admin, "Polishing").await;
    let g18 = metal_id(&app, &admin, "GOLD_18K").await;
    let s925 = metal_id(&app, &admin, "SILVER_925").await;
    set_balance(&app, &admin, casting, g18, "12.345").await;
    set_balance(&app, &admin, casting, s925, "-3.5").await;
    set_balance(&app, &admin, polishing, g18, "0.75").await;

    let r = app
        .get(&format!("{BASE}{casting}/balances"), &admin.token)
        .await
        .expect(200);
    let b = arr(&r.body);
    assert_eq!(b.len(), 2);
    assert_eq!(b[0]["metal_name"], "Gold 18K");
    assert_eq!(b[0]["metal_id"], g18);
    assert_eq!(b[0]["balance_grams"].as_f64(), Some(12.345));
    assert!(b[0]["id"].is_i64());
    assert_eq!(b[1]["metal_name"], "Silver 925");
    assert_eq!(b[1]["balance_grams"].as_f64(), Some(-3.5));

    let list = app.get(BASE, &admin.token).await.expect(200).body;
    let names: Vec<&str> = arr(&list)
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Inventory", "Casting", "Polishing"]);
    assert_eq!(list[0]["balances"], json!([]));
    assert_eq!(arr(&list[1]["balances"]).len(), 2);
    assert_eq!(list[2]["balances"][0]["balance_grams"].as_f64(), Some(0.75));
    assert_eq!(list[2]["balances"][0]["metal_name"], "Gold 18K");

    let one = app
        .get(&format!("{BASE}{casting}"), &admin.token)
        .await
        .expect(200)
        .body;
    assert_eq!(one["balances"], list[1]["balances"]);

    // The summary: active departments only, with balances (and not mistaken for /{department_id}).
    app.put(
        &format!("{BASE}{polishing}"),
        json!({"is_active": false}),
        &admin.token,
    )
    .await
    .expect(200);
    let r = app
        .get("/api/v1/departments/balances/summary", &admin.token)
        .await
        .expect(200);
    let names: Vec<&str> = arr(&r.body)
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Inventory", "Casting"]);
    assert_eq!(
        r.body[1]["balances"][0]["balance_grams"].as_f64(),
        Some(12.345)
    );
    assert_eq!(r.body[1]["is_active"], true);

    // Paging of the list.
    let page = app
        .get(&format!("{BASE}?skip=1&limit=1"), &admin.token)
        .await
        .expect(200);
    assert_eq!(arr(&page.body).len(), 1);
    assert_eq!(page.body[0]["name"], "Casting");
    let r = app
        .get(&format!("{BASE}?limit=0"), &admin.token)
        .await
        .expect(422);
    assert!(r.detail().starts_with("limit: "), "{}", r.detail());
    app.get(&format!("{BASE}777777/balances"), &admin.token)
        .await
        .expect(404);
}

#[tokio::test]
async fn delete_refuses_inventory_and_departments_with_ledger_entries() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Dept Del", "deptdel").await;
    let inv = arr(&app.get(BASE, &admin.token).await.body)[0]["id"]
        .as_i64()
        .unwrap();
    let r = app
        .delete(&format!("{BASE}{inv}"), &admin.token)
        .await
        .expect(409);
    assert_eq!(r.detail(), "The Inventory department cannot be deleted");

    // A department with balances but no ledger entries can go (its balances with it).
    let spare = create(&app, &admin, "Spare").await;
    let g24 = metal_id(&app, &admin, "GOLD_24K").await;
    set_balance(&app, &admin, spare, g24, "1").await;
    let r = app
        .delete(&format!("{BASE}{spare}"), &admin.token)
        .await
        .expect(200);
    assert!(r.body["message"].is_string());
    app.get(&format!("{BASE}{spare}"), &admin.token)
        .await
        .expect(404);
    app.delete(&format!("{BASE}{spare}"), &admin.token)
        .await
        .expect(404);

    // A department with a ledger entry stays.
    let busy = create(&app, &admin, "Busy").await;
    let owner = connect(&app.owner_url()).await;
    owner
        .execute(
            "with c as (insert into companies (tenant_id, name) values ($1, 'Acme') returning id),
                  k as (insert into contacts (tenant_id, company_id, name) select $1, id, 'Ann' from c returning id, company_id),
                  o as (insert into orders (tenant_id, order_number, contact_id, company_id)
                        select $1, 'ORD-T-000001', id, company_id from k returning id)
             insert into department_ledger_entries
                 (tenant_id, date, department_id, order_id, metal_id, direction, quantity, weight, fine_weight, created_by)
             select $1, current_date, $2, o.id, $3, 'IN', 1, 10, 9.99, $4 from o",
            &[&admin.tenant_id, &busy, &g24, &admin.user_id],
        )
        .await
        .unwrap();
    let r = app
        .delete(&format!("{BASE}{busy}"), &admin.token)
        .await
        .expect(409);
    assert_eq!(r.detail(), "Department has ledger entries");
    app.get(&format!("{BASE}{busy}"), &admin.token)
        .await
        .expect(200);
}

#[tokio::test]
async fn another_tenants_departments_are_invisible_and_untouchable() {
    let app = TestApp::spawn().await;
    let a = app.signup("Dept A", "depta").await;
    let b = app.signup("Dept B", "deptb").await;
    let id = create(&app, &a, "Setting").await;
    let g18 = metal_id(&app, &a, "GOLD_18K").await;
    set_balance(&app, &a, id, g18, "5").await;
    let path = format!("{BASE}{id}");
    app.get(&path, &b.token).await.expect(404);
    app.get(&format!("{path}/balances"), &b.token)
        .await
        .expect(404);
    app.put(&path, json!({"name": "Mine"}), &b.token)
        .await
        .expect(404);
    app.delete(&path, &b.token).await.expect(404);
    for list_path in [BASE, "/api/v1/departments/balances/summary"] {
        let theirs = app.get(list_path, &b.token).await.expect(200).body;
        assert_eq!(arr(&theirs).len(), 1, "{list_path}");
        assert_eq!(theirs[0]["tenant_id"], b.tenant_id);
        assert_eq!(theirs[0]["balances"], json!([]));
    }
    // Names are unique per tenant only.
    create(&app, &b, "Setting").await;
    assert_eq!(
        app.get(&path, &a.token).await.expect(200).body["name"],
        "Setting"
    );
}

#[tokio::test]
async fn permissions_are_enforced() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Dept Perm", "deptperm").await;
    let reader = app
        .user_with_role(&admin, "deptreader", &["departments:read"])
        .await;
    let nobody = app
        .user_with_role(&admin, "deptnobody", &["metals:read"])
        .await;
    let id = create(&app, &admin, "Engraving").await;
    let path = format!("{BASE}{id}");

    app.get(BASE, &reader.token).await.expect(200);
    app.get(&path, &reader.token).await.expect(200);
    let r = app
        .post(BASE, json!({"name": "New"}), &reader.token)
        .await
        .expect(403);
    assert!(r.detail().contains("departments:write"), "{}", r.detail());
    app.put(&path, json!({"name": "X"}), &reader.token)
        .await
        .expect(403);
    app.delete(&path, &reader.token).await.expect(403);

    for p in [
        BASE.to_string(),
        path.clone(),
        format!("{path}/balances"),
        "/api/v1/departments/balances/summary".to_string(),
    ] {
        let r = app.get(&p, &nobody.token).await.expect(403);
        assert!(
            r.detail().contains("departments:read"),
            "{p}: {}",
            r.detail()
        );
    }
}

#[tokio::test]
async fn balances_are_answered_exactly() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Dept Exact", "deptexact").await;
    let casting = create(&app, &admin, "Casting").await;
    let g18 = metal_id(&app, &admin, "GOLD_18K").await;
    let g24 = metal_id(&app, &admin, "GOLD_24K").await;
    set_balance(&app, &admin, casting, g18, "0.3").await;
    // Stored with the column's scale (numeric(14,4)), answered without trailing zeros.
    set_balance(&app, &admin, casting, g24, "1234567890.1234").await;
    let owner = connect(&app.owner_url()).await;
    // Ten increments of 0.1 g, as the ledger will book them.
    for _ in 0..10 {
        owner
            .execute(
                "update department_balances set balance_grams = balance_grams + 0.1
                  where tenant_id = $1 and department_id = $2 and metal_id = $3",
                &[&admin.tenant_id, &casting, &g18],
            )
            .await
            .unwrap();
    }
    let r = app
        .get(&format!("{BASE}{casting}/balances"), &admin.token)
        .await
        .expect(200);
    let b = arr(&r.body);
    assert_eq!(b[0]["metal_name"], "Gold 18K");
    assert_eq!(b[0]["balance_grams"].to_string(), "1.3");
    assert_eq!(b[1]["balance_grams"].to_string(), "1234567890.1234");
    let stored: String = owner
        .query_one(
            "select balance_grams::text from department_balances where metal_id = $1",
            &[&g18],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, "1.3000");
}
