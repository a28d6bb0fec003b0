//! `/api/v1/supplies/*`: the generic inventory, with `type` checked against the tenant's active
//! `supply_type` lookup values.

use serde_json::{Value, json};

use crate::helpers::{Detail, Session, TestApp, arr, connect};

const BASE: &str = "/api/v1/supplies/";

/// What the app's form sends.
fn ruby() -> Value {
    json!({"name": "Ruby 3mm", "type": "GEMSTONE", "quantity": 12.5, "unit": "ct",
           "cost_per_unit": 0, "supplier": "", "notes": ""})
}

async fn create(app: &TestApp, s: &Session, body: Value) -> i64 {
    app.post(BASE, body, &s.token).await.expect(200).body["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn create_list_get_update_delete() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Supply Co", "supplyadmin").await;
    let r = app.post(BASE, ruby(), &admin.token).await.expect(200);
    let b = &r.body;
    assert_eq!(b["name"], "Ruby 3mm");
    assert_eq!(b["type"], "GEMSTONE");
    assert_eq!(b["quantity"].as_f64(), Some(12.5));
    assert_eq!(b["unit"], "ct");
    assert_eq!(b["cost_per_unit"].as_f64(), Some(0.0));
    assert_eq!(b["supplier"], Value::Null, "blank text is stored as null");
    assert_eq!(b["notes"], Value::Null);
    assert_eq!(b["tenant_id"], admin.tenant_id);
    assert!(b["created_at"].is_string() && b["updated_at"].is_string());
    let id = b["id"].as_i64().unwrap();

    let second = create(
        &app,
        &admin,
        json!({"name": "Boxes", "type": "PACKAGING", "quantity": 40, "unit": "pcs",
               "cost_per_unit": 1.25, "supplier": "Pack Ltd", "notes": "Small, velvet"}),
    )
    .await;
    let list = app.get(BASE, &admin.token).await.expect(200).body;
    assert_eq!(arr(&list).len(), 2);
    assert_eq!(list[0]["id"], id);
    assert_eq!(list[1]["cost_per_unit"].as_f64(), Some(1.25));
    assert_eq!(list[1]["supplier"], "Pack Ltd");
    assert_eq!(list[1]["notes"], "Small, velvet");
    let page = app
        .get(&format!("{BASE}?skip=1&limit=5"), &admin.token)
        .await
        .expect(200)
        .body;
    assert_eq!(arr(&page).len(), 1);
    assert_eq!(page[0]["id"], second);
    app.get("/api/v1/supplies", &admin.token).await.expect(200);

    let path = format!("{BASE}{id}");
    let got = app.get(&path, &admin.token).await.expect(200);
    assert_eq!(got.body["name"], "Ruby 3mm");

    // The edit form sends everything again.
    let r = app
        .put(
            &path,
            json!({"name": "Ruby 4mm", "type": "GEMSTONE", "quantity": 10, "unit": "ct",
                   "cost_per_unit": 85.5, "supplier": "Gem House", "notes": "AAA"}),
            &admin.token,
        )
        .await
        .expect(200);
    assert_eq!(r.body["name"], "Ruby 4mm");
    assert_eq!(r.body["quantity"].as_f64(), Some(10.0));
    assert_eq!(r.body["cost_per_unit"].as_f64(), Some(85.5));
    assert_eq!(r.body["supplier"], "Gem House");
    // A partial update keeps the rest; null clears an optional field.
    let r = app
        .put(
            &path,
            json!({"quantity": 7.25, "cost_per_unit": null, "notes": ""}),
            &admin.token,
        )
        .await
        .expect(200);
    assert_eq!(r.body["quantity"].as_f64(), Some(7.25));
    assert_eq!(r.body["cost_per_unit"], Value::Null);
    assert_eq!(r.body["notes"], Value::Null);
    assert_eq!(r.body["name"], "Ruby 4mm");
    assert_eq!(r.body["supplier"], "Gem House");

    let d = app.delete(&path, &admin.token).await.expect(200);
    assert!(d.body["message"].is_string());
    let r = app.get(&path, &admin.token).await.expect(404);
    assert_eq!(r.detail(), format!("Supply with id {id} not found"));
    app.delete(&path, &admin.token).await.expect(404);
    app.put(&path, json!({"quantity": 1}), &admin.token)
        .await
        .expect(404);
}

#[tokio::test]
async fn type_must_be_an_active_supply_type_code() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Type Co", "typeadmin").await;
    let mut body = ruby();
    body["type"] = json!("gemstone");
    let r = app.post(BASE, body, &admin.token).await.expect(422);
    assert_eq!(
        r.detail(),
        "type: Invalid supply_type value 'gemstone'. Valid options: METAL, GEMSTONE, TOOL, PACKAGING, OTHER"
    );

    // A deactivated code is no longer accepted (nor offered).
    let values = app
        .get("/api/v1/lookup-values/?category=supply_type", &admin.token)
        .await
        .body;
    let tool = arr(&values).iter().find(|v| v["code"] == "TOOL").unwrap()["id"].clone();
    app.delete(&format!("/api/v1/lookup-values/{tool}"), &admin.token)
        .await
        .expect(200);
    let mut body = ruby();
    body["type"] = json!("TOOL");
    let r = app.post(BASE, body.clone(), &admin.token).await.expect(422);
    assert_eq!(
        r.detail(),
        "type: Invalid supply_type value 'TOOL'. Valid options: METAL, GEMSTONE, PACKAGING, OTHER"
    );
    // Updates are checked the same way.
    let id = create(&app, &admin, ruby()).await;
    let r = app
        .put(
            &format!("{BASE}{id}"),
            json!({"type": "TOOL"}),
            &admin.token,
        )
        .await
        .expect(422);
    assert!(
        r.detail()
            .starts_with("type: Invalid supply_type value 'TOOL'")
    );
    // A tenant-defined code is accepted.
    app.post(
        "/api/v1/lookup-values/",
        json!({"category": "supply_type", "code": "CHAIN", "display_label": "Chain"}),
        &admin.token,
    )
    .await
    .expect(201);
    body["type"] = json!("CHAIN");
    app.post(BASE, body, &admin.token).await.expect(200);

    // With no active supply_type at all, anything non-blank goes (backward compatibility).
    let owner = connect(&app.owner_url()).await;
    owner
        .execute(
            "update lookup_values set is_active = false where tenant_id = $1 and category = 'supply_type'",
            &[&admin.tenant_id],
        )
        .await
        .unwrap();
    let mut body = ruby();
    body["type"] = json!("whatever");
    let r = app.post(BASE, body, &admin.token).await.expect(200);
    assert_eq!(r.body["type"], "whatever");
    let mut body = ruby();
    body["type"] = json!("  ");
    let r = app.post(BASE, body, &admin.token).await.expect(422);
    assert!(r.detail().starts_with("type: "), "{}", r.detail());
}

#[tokio::test]
async fn create_validates_with_string_details() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Bad Supply", "badsupply").await;
    let with = |k: &str, v: Value| {
        let mut b = ruby();
        b[k] = v;
        b
    };
    let cases = [
        (with("name", json!("")), "name: "),
        (with("unit", json!(" ")), "unit: "),
        (with("quantity", json!(-1)), "quantity: "),
        (with("quantity", json!("lots")), "quantity"),
        (with("cost_per_unit", json!(-0.5)), "cost_per_unit: "),
    ];
    app.expect_422s(BASE, &admin.token, cases, Detail::StartsWith)
        .await;
    let mut missing = ruby();
    missing.as_object_mut().unwrap().remove("quantity");
    let r = app.post(BASE, missing, &admin.token).await.expect(422);
    assert!(r.detail().contains("quantity"), "{}", r.detail());
    let r = app
        .get(&format!("{BASE}?skip=-1"), &admin.token)
        .await
        .expect(422);
    assert!(r.detail().starts_with("skip: "), "{}", r.detail());
    let id = create(&app, &admin, ruby()).await;
    let r = app
        .put(&format!("{BASE}{id}"), json!({"name": "  "}), &admin.token)
        .await
        .expect(422);
    assert!(r.detail().starts_with("name: "), "{}", r.detail());
}

#[tokio::test]
async fn another_tenants_supplies_are_invisible_and_untouchable() {
    let app = TestApp::spawn().await;
    let a = app.signup("Supplies A", "suppliesa").await;
    let b = app.signup("Supplies B", "suppliesb").await;
    let id = create(&app, &a, ruby()).await;
    let path = format!("{BASE}{id}");
    app.get(&path, &b.token).await.expect(404);
    app.put(&path, json!({"name": "Mine"}), &b.token)
        .await
        .expect(404);
    app.delete(&path, &b.token).await.expect(404);
    assert_eq!(app.get(BASE, &b.token).await.expect(200).body, json!([]));
    assert_eq!(
        app.get(&path, &a.token).await.expect(200).body["name"],
        "Ruby 3mm"
    );
}

#[tokio::test]
async fn permissions_are_enforced() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Supply Perm", "supplyperm").await;
    let reader = app
        .user_with_role(&admin, "supreader", &["supplies:read"])
        .await;
    let nobody = app
        .user_with_role(&admin, "supnobody", &["metals:read"])
        .await;
    let id = create(&app, &admin, ruby()).await;
    let path = format!("{BASE}{id}");
    app.get(BASE, &reader.token).await.expect(200);
    app.get(&path, &reader.token).await.expect(200);
    let r = app.post(BASE, ruby(), &reader.token).await.expect(403);
    assert!(r.detail().contains("supplies:write"), "{}", r.detail());
    app.put(&path, json!({"quantity": 1}), &reader.token)
        .await
        .expect(403);
    app.delete(&path, &reader.token).await.expect(403);
    let r = app.get(BASE, &nobody.token).await.expect(403);
    assert!(r.detail().contains("supplies:read"), "{}", r.detail());
    app.get(&path, &nobody.token).await.expect(403);
}

#[tokio::test]
async fn quantities_and_costs_are_exact_decimals() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Supply Exact", "supplyexact").await;
    let mut body = ruby();
    body["quantity"] = json!(0.3);
    body["cost_per_unit"] = json!(0.1);
    let r = app.post(BASE, body, &admin.token).await.expect(200);
    assert_eq!(r.body["quantity"].to_string(), "0.3");
    assert_eq!(r.body["cost_per_unit"].to_string(), "0.1");
    let id = r.body["id"].as_i64().unwrap();
    let owner = connect(&app.owner_url()).await;
    let row = owner
        .query_one(
            "select quantity::text, cost_per_unit::text from supplies where id = $1",
            &[&id],
        )
        .await
        .unwrap();
    assert_eq!(
        (row.get::<_, String>(0), row.get::<_, String>(1)),
        ("0.3000".to_string(), "0.1000".to_string())
    );
    // More places than the column keeps are rounded half away from zero; a float artefact a
    // client computed (0.1 + 0.2) is gone.
    let r = app
        .put(
            &format!("{BASE}{id}"),
            json!({"quantity": 1.23455, "cost_per_unit": 0.30000000000000004}),
            &admin.token,
        )
        .await
        .expect(200);
    assert_eq!(r.body["quantity"].to_string(), "1.2346");
    assert_eq!(r.body["cost_per_unit"].to_string(), "0.3");
    // Too large for the column, or not a number: 422 naming the field.
    for (body, prefix) in [
        (json!({"quantity": 1e10}), "quantity: must be less than"),
        (
            json!({"cost_per_unit": 12345678901.5}),
            "cost_per_unit: must be less than",
        ),
        (json!({"quantity": "0.3"}), "quantity: invalid type"),
        (
            json!({"quantity": -0.1}),
            "quantity: must be a number of at least 0",
        ),
    ] {
        let r = app
            .put(&format!("{BASE}{id}"), body.clone(), &admin.token)
            .await
            .expect(422);
        assert!(r.detail().starts_with(prefix), "{body}: {}", r.detail());
    }
}
