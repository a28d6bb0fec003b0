//! `/api/v1/lookup-values/*`: defaults, the flat list the app needs, create/update/soft delete, seed.

use serde_json::{Value, json};

use crate::helpers::{Body, Detail, TestApp, arr, connect};

const BASE: &str = "/api/v1/lookup-values/";

/// Reference rules §4, written out so a change to the defaults has to change this test too.
const DEFAULTS: &[(&str, &str, &str, i64)] = &[
    ("step_type", "DESIGN", "Design", 0),
    ("step_type", "CASTING", "Casting", 1),
    ("step_type", "STONE_SETTING", "Stone Setting", 2),
    ("step_type", "POLISHING", "Polishing", 3),
    ("step_type", "ENGRAVING", "Engraving", 4),
    ("step_type", "QUALITY_CHECK", "Quality Check", 5),
    ("step_type", "FINISHING", "Finishing", 6),
    ("step_type", "OTHER", "Other", 7),
    ("supply_type", "METAL", "Metal", 0),
    ("supply_type", "GEMSTONE", "Gemstone", 1),
    ("supply_type", "TOOL", "Tool", 2),
    ("supply_type", "PACKAGING", "Packaging", 3),
    ("supply_type", "OTHER", "Other", 4),
];

fn find<'a>(list: &'a Value, category: &str, code: &str) -> Option<&'a Value> {
    arr(list)
        .iter()
        .find(|v| v["category"] == category && v["code"] == code)
}

#[tokio::test]
async fn sign_up_provisions_the_defaults_as_a_flat_array() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Lookup Co", "lookadmin").await;
    let r = app.get(BASE, &admin.token).await.expect(200);
    let list = arr(&r.body);
    let got: Vec<(String, String, String, i64)> = list
        .iter()
        .map(|v| {
            (
                v["category"].as_str().unwrap().to_string(),
                v["code"].as_str().unwrap().to_string(),
                v["display_label"].as_str().unwrap().to_string(),
                v["sort_order"].as_i64().unwrap(),
            )
        })
        .collect();
    let want: Vec<(String, String, String, i64)> = DEFAULTS
        .iter()
        .map(|(c, k, l, o)| (c.to_string(), k.to_string(), l.to_string(), *o))
        .collect();
    assert_eq!(got, want, "ordered by category, then sort_order");
    for v in list {
        assert!(v["id"].is_i64());
        assert_eq!(v["tenant_id"], admin.tenant_id);
        assert_eq!(v["is_active"], true);
        assert!(v["created_at"].is_string() && v["updated_at"].is_string());
    }
    // Without the trailing slash too.
    let r = app
        .get("/api/v1/lookup-values", &admin.token)
        .await
        .expect(200);
    assert_eq!(arr(&r.body).len(), 13);
}

#[tokio::test]
async fn seed_is_idempotent_and_restores_missing_defaults() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Seed Co", "seedadmin").await;
    let r = app
        .post_empty("/api/v1/lookup-values/seed", &admin.token)
        .await
        .expect(200);
    assert_eq!(r.body["created"], 0, "sign-up already provisioned them");
    assert!(r.body["message"].is_string());
    // A deactivated default stays deactivated (it exists).
    let list = app.get(BASE, &admin.token).await.expect(200).body;
    let tool = find(&list, "supply_type", "TOOL").unwrap()["id"].clone();
    app.delete(&format!("{BASE}{tool}"), &admin.token)
        .await
        .expect(200);
    // A default removed behind the API's back is recreated.
    let owner = connect(&app.owner_url()).await;
    owner
        .execute(
            "delete from lookup_values where tenant_id = $1 and code = 'ENGRAVING'",
            &[&admin.tenant_id],
        )
        .await
        .unwrap();
    let r = app
        .post_empty("/api/v1/lookup-values/seed", &admin.token)
        .await
        .expect(200);
    assert_eq!(r.body["created"], 1);
    let list = app
        .get(&format!("{BASE}?include_inactive=true"), &admin.token)
        .await
        .expect(200)
        .body;
    assert_eq!(arr(&list).len(), 13);
    assert_eq!(
        find(&list, "supply_type", "TOOL").unwrap()["is_active"],
        false
    );
    let engraving = find(&list, "step_type", "ENGRAVING").unwrap();
    assert_eq!(engraving["display_label"], "Engraving");
    assert_eq!(engraving["sort_order"], 4);
    let again = app
        .call(
            "POST",
            "/api/v1/lookup-values/seed",
            Body::Json(json!({})),
            Some(&admin.token),
        )
        .await
        .expect(200);
    assert_eq!(again.body["created"], 0);
}

#[tokio::test]
async fn list_filters_by_category_groups_on_request_and_hides_inactive() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Filter Co", "filteradmin").await;
    let r = app
        .get(&format!("{BASE}?category=supply_type"), &admin.token)
        .await
        .expect(200);
    let codes: Vec<&str> = arr(&r.body)
        .iter()
        .map(|v| v["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["METAL", "GEMSTONE", "TOOL", "PACKAGING", "OTHER"]);

    let r = app
        .get(&format!("{BASE}?grouped=true"), &admin.token)
        .await
        .expect(200);
    let groups = r.body.as_object().expect("grouped answer is an object");
    assert_eq!(
        groups.keys().collect::<Vec<_>>(),
        ["step_type", "supply_type"]
    );
    assert_eq!(arr(&groups["step_type"]).len(), 8);
    assert_eq!(groups["supply_type"][0]["code"], "METAL");

    let metal = find(
        &app.get(BASE, &admin.token).await.body,
        "supply_type",
        "METAL",
    )
    .unwrap()["id"]
        .clone();
    app.delete(&format!("{BASE}{metal}"), &admin.token)
        .await
        .expect(200);
    let active = app
        .get(&format!("{BASE}?category=supply_type"), &admin.token)
        .await
        .body;
    assert_eq!(arr(&active).len(), 4);
    let all = app
        .get(
            &format!("{BASE}?category=supply_type&include_inactive=true"),
            &admin.token,
        )
        .await
        .body;
    assert_eq!(arr(&all).len(), 5);
    assert_eq!(all[0]["code"], "METAL");
    assert_eq!(all[0]["is_active"], false);
    let unknown = app
        .get(&format!("{BASE}?category=nothing_here"), &admin.token)
        .await
        .expect(200);
    assert_eq!(unknown.body, json!([]));
}

#[tokio::test]
async fn create_upper_cases_the_code_and_refuses_duplicates() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Create Co", "createadmin").await;
    let r = app
        .post(
            BASE,
            json!({"category": " step_type ", "code": " laser_cut ", "display_label": " Laser Cut ", "sort_order": 9}),
            &admin.token,
        )
        .await
        .expect(201);
    assert_eq!(r.body["category"], "step_type");
    assert_eq!(r.body["code"], "LASER_CUT");
    assert_eq!(r.body["display_label"], "Laser Cut");
    assert_eq!(r.body["sort_order"], 9);
    assert_eq!(r.body["is_active"], true);
    assert_eq!(r.body["tenant_id"], admin.tenant_id);
    assert!(r.body["id"].is_i64());

    // sort_order defaults to 0.
    let r = app
        .post(
            BASE,
            json!({"category": "finish", "code": "matte", "display_label": "Matte"}),
            &admin.token,
        )
        .await
        .expect(201);
    assert_eq!(r.body["sort_order"], 0);

    let dup = app
        .post(
            BASE,
            json!({"category": "step_type", "code": "Laser_Cut", "display_label": "Again"}),
            &admin.token,
        )
        .await
        .expect(409);
    assert_eq!(
        dup.detail(),
        "Lookup value with code 'LASER_CUT' already exists in category 'step_type'"
    );
    // The same code in another category is fine.
    app.post(
        BASE,
        json!({"category": "supply_type", "code": "LASER_CUT", "display_label": "Laser"}),
        &admin.token,
    )
    .await
    .expect(201);

    let list = app.get(BASE, &admin.token).await.body;
    assert!(find(&list, "step_type", "LASER_CUT").is_some());
}

#[tokio::test]
async fn create_validates_with_string_details() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Invalid Co", "invalidadmin").await;
    let cases = [
        (
            json!({"category": "  ", "code": "X", "display_label": "X"}),
            "category: ",
        ),
        (
            json!({"category": "c", "code": "  ", "display_label": "X"}),
            "code: ",
        ),
        (
            json!({"category": "c", "code": "X", "display_label": ""}),
            "display_label: ",
        ),
        (json!({"category": "c", "display_label": "X"}), "code"),
        (
            json!({"category": "c", "code": "X", "display_label": "X", "sort_order": "first"}),
            "sort_order",
        ),
    ];
    app.expect_422s(BASE, &admin.token, cases, Detail::StartsWith)
        .await;
}

#[tokio::test]
async fn update_changes_label_order_and_active_but_never_the_code() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Update Co", "updateadmin").await;
    let created = app
        .post(
            BASE,
            json!({"category": "step_type", "code": "PLATING", "display_label": "Plating", "sort_order": 8}),
            &admin.token,
        )
        .await
        .expect(201);
    let id = created.body["id"].as_i64().unwrap();
    let r = app
        .put(
            &format!("{BASE}{id}"),
            json!({"display_label": "Rhodium Plating", "sort_order": 2, "code": "HACKED", "category": "other"}),
            &admin.token,
        )
        .await
        .expect(200);
    assert_eq!(r.body["display_label"], "Rhodium Plating");
    assert_eq!(r.body["sort_order"], 2);
    assert_eq!(r.body["code"], "PLATING");
    assert_eq!(r.body["category"], "step_type");
    assert_eq!(r.body["is_active"], true);

    // Delete deactivates; PUT {is_active: true} brings it back.
    let d = app
        .delete(&format!("{BASE}{id}"), &admin.token)
        .await
        .expect(200);
    assert!(d.body["message"].is_string());
    let list = app.get(BASE, &admin.token).await.body;
    assert!(find(&list, "step_type", "PLATING").is_none());
    let r = app
        .put(
            &format!("{BASE}{id}"),
            json!({"is_active": true}),
            &admin.token,
        )
        .await
        .expect(200);
    assert_eq!(r.body["is_active"], true);
    assert_eq!(r.body["display_label"], "Rhodium Plating");

    let r = app
        .put(
            &format!("{BASE}{id}"),
            json!({"display_label": "  "}),
            &admin.token,
        )
        .await
        .expect(422);
    assert!(r.detail().starts_with("display_label: "), "{}", r.detail());
    let r = app
        .put(
            &format!("{BASE}999999"),
            json!({"sort_order": 1}),
            &admin.token,
        )
        .await
        .expect(404);
    assert_eq!(r.detail(), "Lookup value with id 999999 not found");
    app.delete(&format!("{BASE}999999"), &admin.token)
        .await
        .expect(404);
    app.put(
        &format!("{BASE}abc"),
        json!({"sort_order": 1}),
        &admin.token,
    )
    .await
    .expect(422);
}

#[tokio::test]
async fn another_tenants_values_are_invisible_and_untouchable() {
    let app = TestApp::spawn().await;
    let a = app.signup("Tenant A", "lva").await;
    let b = app.signup("Tenant B", "lvb").await;
    let mine = app
        .post(
            BASE,
            json!({"category": "finish", "code": "SATIN", "display_label": "Satin"}),
            &a.token,
        )
        .await
        .expect(201);
    let id = mine.body["id"].as_i64().unwrap();
    let theirs = app.get(BASE, &b.token).await.expect(200).body;
    assert_eq!(arr(&theirs).len(), 13);
    assert!(arr(&theirs).iter().all(|v| v["tenant_id"] == b.tenant_id));
    assert!(find(&theirs, "finish", "SATIN").is_none());
    app.put(
        &format!("{BASE}{id}"),
        json!({"display_label": "Mine now"}),
        &b.token,
    )
    .await
    .expect(404);
    app.delete(&format!("{BASE}{id}"), &b.token)
        .await
        .expect(404);
    // B may create the same code: uniqueness is per tenant.
    app.post(
        BASE,
        json!({"category": "finish", "code": "SATIN", "display_label": "Satin"}),
        &b.token,
    )
    .await
    .expect(201);
    let still = app.get(BASE, &a.token).await.body;
    assert_eq!(
        find(&still, "finish", "SATIN").unwrap()["display_label"],
        "Satin"
    );
}

#[tokio::test]
async fn permissions_are_enforced() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Perm Co", "lvpermadmin").await;
    let reader = app
        .user_with_role(&admin, "lvreader", &["lookup_values:read"])
        .await;
    let nobody = app
        .user_with_role(&admin, "lvnobody", &["metals:read"])
        .await;
    let id = arr(&app.get(BASE, &admin.token).await.body)[0]["id"].clone();

    app.get(BASE, &reader.token).await.expect(200);
    let r = app
        .post(
            BASE,
            json!({"category": "c", "code": "X", "display_label": "X"}),
            &reader.token,
        )
        .await
        .expect(403);
    assert!(r.detail().contains("lookup_values:write"), "{}", r.detail());
    app.put(
        &format!("{BASE}{id}"),
        json!({"sort_order": 3}),
        &reader.token,
    )
    .await
    .expect(403);
    app.delete(&format!("{BASE}{id}"), &reader.token)
        .await
        .expect(403);
    app.post_empty("/api/v1/lookup-values/seed", &reader.token)
        .await
        .expect(403);
    let r = app.get(BASE, &nobody.token).await.expect(403);
    assert!(r.detail().contains("lookup_values:read"), "{}", r.detail());
    app.call("GET", BASE, Body::None, None).await.expect(401);
}
