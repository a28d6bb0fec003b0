//! Company addresses: the default-address rules (first is default, switching, pinned default),
//! updates without company_id, shipment-default, validation, tenant isolation, permissions and
//! concurrent default switches.

use serde_json::{Value, json};

use crate::crm_fixtures::company;
use crate::helpers::{Detail, Session, TestApp, connect};

fn addr(street: &str) -> Value {
    json!({"street_address": street, "city": "Springfield", "state": "IL", "zip_code": "62701",
           "country": "USA", "is_default": false})
}

async fn create(app: &TestApp, s: &Session, company_id: i64, body: Value) -> Value {
    app.post(
        &format!("/api/v1/companies/{company_id}/addresses"),
        body,
        &s.token,
    )
    .await
    .expect(200)
    .body
}

/// `(id, is_default)` of the company's addresses, as the Addresses tab lists them.
async fn defaults(app: &TestApp, s: &Session, company_id: i64) -> Vec<(i64, bool)> {
    app.get(
        &format!("/api/v1/companies/{company_id}/addresses"),
        &s.token,
    )
    .await
    .expect(200)
    .body
    .as_array()
    .unwrap()
    .iter()
    .map(|a| {
        (
            a["id"].as_i64().unwrap(),
            a["is_default"].as_bool().unwrap(),
        )
    })
    .collect()
}

#[tokio::test]
async fn the_first_address_is_the_default_and_defaults_switch() {
    let app = TestApp::spawn().await;
    let s = app.signup("Ad Happy", "adhappy").await;
    let acme = company(&app, &s, "Acme").await;
    let other = company(&app, &s, "Other").await;

    // No addresses yet: both default lookups answer null.
    let r = app
        .get(
            &format!("/api/v1/companies/{acme}/addresses/default"),
            &s.token,
        )
        .await
        .expect(200);
    assert!(r.body.is_null());
    let r = app
        .get(
            &format!("/api/v1/companies/{acme}/addresses/shipment-default"),
            &s.token,
        )
        .await
        .expect(200);
    assert!(r.body.is_null());

    // The app's body: company_id in it (a different one is ignored: the path wins), no country.
    let first = create(
        &app,
        &s,
        acme,
        json!({"street_address": " 1 Main St ", "city": "Springfield", "state": "IL",
               "zip_code": " 62701 ", "is_default": false, "company_id": other}),
    )
    .await;
    let a1 = first["id"].as_i64().unwrap();
    assert_eq!(first["street_address"], "1 Main St");
    assert_eq!(first["city"], "Springfield");
    assert_eq!(first["state"], "IL");
    assert_eq!(first["zip_code"], "62701");
    assert_eq!(first["country"], "USA");
    assert_eq!(
        first["is_default"], true,
        "the first address is the default"
    );
    assert_eq!(first["company_id"], acme);
    assert_eq!(first["company"], json!({"id": acme, "name": "Acme"}));
    assert!(first["created_at"].is_string());
    assert_eq!(
        app.get(&format!("/api/v1/companies/{other}/addresses"), &s.token)
            .await
            .expect(200)
            .body,
        json!([])
    );

    let second = create(&app, &s, acme, addr("2 Side St")).await;
    let a2 = second["id"].as_i64().unwrap();
    assert_eq!(second["is_default"], false);
    // is_default in the body moves the default.
    let third = create(
        &app,
        &s,
        acme,
        json!({"street_address": "3 High St", "city": "Paris", "state": "IDF", "zip_code": "75001",
               "country": "France", "is_default": true, "company_id": acme}),
    )
    .await;
    let a3 = third["id"].as_i64().unwrap();
    assert_eq!(third["is_default"], true);
    assert_eq!(
        defaults(&app, &s, acme).await,
        vec![(a3, true), (a1, false), (a2, false)],
        "the default first"
    );
    // So does ?set_as_default=true.
    let r = app
        .post(
            &format!("/api/v1/companies/{acme}/addresses?set_as_default=true"),
            addr("4 Low St"),
            &s.token,
        )
        .await
        .expect(200);
    let a4 = r.body["id"].as_i64().unwrap();
    assert_eq!(
        defaults(&app, &s, acme).await,
        vec![(a4, true), (a1, false), (a2, false), (a3, false)]
    );

    // The tab's fields.
    let list = app
        .get(&format!("/api/v1/companies/{acme}/addresses"), &s.token)
        .await
        .expect(200);
    for key in [
        "id",
        "street_address",
        "city",
        "state",
        "zip_code",
        "country",
        "is_default",
        "created_at",
    ] {
        assert!(!list.body[0][key].is_null(), "{key}");
    }
    let page = app
        .get(
            &format!("/api/v1/companies/{acme}/addresses?skip=1&limit=2"),
            &s.token,
        )
        .await
        .expect(200);
    assert_eq!(page.body.as_array().unwrap().len(), 2);

    // set-default with the right company.
    let r = app
        .post(
            &format!("/api/v1/addresses/{a2}/set-default?company_id={acme}"),
            json!({}),
            &s.token,
        )
        .await
        .expect(200);
    assert_eq!(r.body["is_default"], true);
    assert_eq!(r.body["id"], a2);
    let d = app
        .get(
            &format!("/api/v1/companies/{acme}/addresses/default"),
            &s.token,
        )
        .await
        .expect(200);
    assert_eq!(d.body["id"], a2);
    assert_eq!(d.body["street_address"], "2 Side St");
    let sd = app
        .get(
            &format!("/api/v1/companies/{acme}/addresses/shipment-default"),
            &s.token,
        )
        .await
        .expect(200);
    assert_eq!(
        sd.body,
        json!({"street_address": "2 Side St", "city": "Springfield", "state": "IL",
               "zip_code": "62701", "country": "USA"})
    );
    let one = app
        .get(&format!("/api/v1/addresses/{a3}"), &s.token)
        .await
        .expect(200);
    assert_eq!(one.body["country"], "France");
    assert_eq!(one.body["is_default"], false);

    // set-default naming another company: 400; without company_id: 422.
    let r = app
        .post(
            &format!("/api/v1/addresses/{a3}/set-default?company_id={other}"),
            json!({}),
            &s.token,
        )
        .await
        .expect(400);
    assert_eq!(
        r.detail(),
        format!("Address {a3} does not belong to company {other}")
    );
    let r = app
        .post(
            &format!("/api/v1/addresses/{a3}/set-default"),
            json!({}),
            &s.token,
        )
        .await
        .expect(422);
    assert_eq!(r.detail(), "company_id: Field required");
    assert_eq!(defaults(&app, &s, acme).await[0], (a2, true));
}

#[tokio::test]
async fn updates_work_without_company_id_and_the_default_is_pinned() {
    let app = TestApp::spawn().await;
    let s = app.signup("Ad Update", "adupdate").await;
    let acme = company(&app, &s, "Acme").await;
    let a1 = create(&app, &s, acme, addr("1 Main St")).await["id"]
        .as_i64()
        .unwrap();
    let a2 = create(&app, &s, acme, addr("2 Side St")).await["id"]
        .as_i64()
        .unwrap();

    // Exactly what the app sends (no company_id): street/city/state/zip changes work.
    let r = app
        .put(
            &format!("/api/v1/addresses/{a2}"),
            json!({"street_address": "22 Side St", "city": "Shelbyville", "state": "IN",
                   "zip_code": "46176", "country": "USA", "is_default": false}),
            &s.token,
        )
        .await
        .expect(200);
    assert_eq!(r.body["street_address"], "22 Side St");
    assert_eq!(r.body["city"], "Shelbyville");
    assert_eq!(r.body["state"], "IN");
    assert_eq!(r.body["zip_code"], "46176");
    assert_eq!(r.body["is_default"], false);
    // Partial: only what is sent changes.
    let r = app
        .put(
            &format!("/api/v1/addresses/{a2}"),
            json!({"city": "Capital City"}),
            &s.token,
        )
        .await
        .expect(200);
    assert_eq!(r.body["street_address"], "22 Side St");
    assert_eq!(r.body["city"], "Capital City");

    // is_default: true makes it the default and unsets the other.
    let r = app
        .put(
            &format!("/api/v1/addresses/{a2}"),
            json!({"is_default": true}),
            &s.token,
        )
        .await
        .expect(200);
    assert_eq!(r.body["is_default"], true);
    assert_eq!(
        defaults(&app, &s, acme).await,
        vec![(a2, true), (a1, false)]
    );

    // The default can be neither unset nor deleted while other addresses exist.
    let r = app
        .put(
            &format!("/api/v1/addresses/{a2}"),
            json!({"is_default": false, "city": "Nowhere"}),
            &s.token,
        )
        .await
        .expect(409);
    assert_eq!(
        r.detail(),
        "Cannot unset the default address; make another address the default first"
    );
    let r = app
        .delete(&format!("/api/v1/addresses/{a2}"), &s.token)
        .await
        .expect(409);
    assert_eq!(
        r.detail(),
        "Cannot delete the default address; make another address the default first"
    );
    assert_eq!(
        app.get(&format!("/api/v1/addresses/{a2}"), &s.token)
            .await
            .expect(200)
            .body["city"],
        "Capital City",
        "the refused update changed nothing"
    );

    // A non-default address can be deleted; then the last (default) one too.
    let r = app
        .delete(&format!("/api/v1/addresses/{a1}"), &s.token)
        .await
        .expect(200);
    assert!(r.body["message"].is_string());
    // The only address stays the default even if asked otherwise.
    let r = app
        .put(
            &format!("/api/v1/addresses/{a2}"),
            json!({"is_default": false}),
            &s.token,
        )
        .await
        .expect(200);
    assert_eq!(r.body["is_default"], true);
    app.delete(&format!("/api/v1/addresses/{a2}"), &s.token)
        .await
        .expect(200);
    app.get(&format!("/api/v1/addresses/{a2}"), &s.token)
        .await
        .expect(404);
    let d = app
        .get(
            &format!("/api/v1/companies/{acme}/addresses/default"),
            &s.token,
        )
        .await
        .expect(200);
    assert!(d.body.is_null());
    // A new first address is the default again.
    assert_eq!(
        create(&app, &s, acme, addr("5 New St")).await["is_default"],
        true
    );
}

#[tokio::test]
async fn invalid_input_is_a_422_with_a_string_detail() {
    let app = TestApp::spawn().await;
    let s = app.signup("Ad Invalid", "adinvalid").await;
    let acme = company(&app, &s, "Acme").await;
    let a1 = create(&app, &s, acme, addr("1 Main St")).await["id"]
        .as_i64()
        .unwrap();
    let with = |key: &str, value: Value| {
        let mut b = addr("1 Main St");
        b[key] = value;
        b
    };
    let cases = [
        (
            with("street_address", json!("  ")),
            "street_address: must not be blank",
        ),
        (with("city", json!("")), "city: must not be blank"),
        (
            with("state", json!("x".repeat(51))),
            "state: must be at most 50 characters",
        ),
        (
            with("zip_code", json!(" 1234 ")),
            "zip_code: must be 5 to 20 characters",
        ),
        (
            with("zip_code", json!("1".repeat(21))),
            "zip_code: must be 5 to 20 characters",
        ),
        (
            with("country", json!("x".repeat(101))),
            "country: must be at most 100 characters",
        ),
        (
            with("city", json!(null)),
            "city: invalid type: null, expected a string",
        ),
        (
            json!({"city": "A", "state": "B", "zip_code": "12345"}),
            "street_address: Field required",
        ),
    ];
    app.expect_422s(
        &format!("/api/v1/companies/{acme}/addresses"),
        &s.token,
        cases,
        Detail::Is,
    )
    .await;
    let r = app
        .put(
            &format!("/api/v1/addresses/{a1}"),
            json!({"zip_code": "123"}),
            &s.token,
        )
        .await
        .expect(422);
    assert_eq!(r.detail(), "zip_code: must be 5 to 20 characters");
    assert_eq!(defaults(&app, &s, acme).await, vec![(a1, true)]);
}

#[tokio::test]
async fn another_tenants_addresses_are_invisible() {
    let app = TestApp::spawn().await;
    let a = app.signup("Ad Iso A", "adisoa").await;
    let b = app.signup("Ad Iso B", "adisob").await;
    let acme = company(&app, &a, "Acme").await;
    let id = create(&app, &a, acme, addr("1 Secret St")).await["id"]
        .as_i64()
        .unwrap();
    let mine = company(&app, &b, "Mine").await;
    for path in [
        format!("/api/v1/companies/{acme}/addresses"),
        format!("/api/v1/companies/{acme}/addresses/default"),
        format!("/api/v1/companies/{acme}/addresses/shipment-default"),
    ] {
        let r = app.get(&path, &b.token).await.expect(404);
        assert_eq!(r.detail(), format!("Company with id {acme} not found"));
    }
    app.post(
        &format!("/api/v1/companies/{acme}/addresses"),
        addr("Sneaky"),
        &b.token,
    )
    .await
    .expect(404);
    let r = app
        .get(&format!("/api/v1/addresses/{id}"), &b.token)
        .await
        .expect(404);
    assert_eq!(r.detail(), format!("Address with id {id} not found"));
    app.put(
        &format!("/api/v1/addresses/{id}"),
        json!({"city": "Hijacked"}),
        &b.token,
    )
    .await
    .expect(404);
    app.delete(&format!("/api/v1/addresses/{id}"), &b.token)
        .await
        .expect(404);
    app.post(
        &format!("/api/v1/addresses/{id}/set-default?company_id={acme}"),
        json!({}),
        &b.token,
    )
    .await
    .expect(404);
    assert_eq!(
        app.get(&format!("/api/v1/companies/{mine}/addresses"), &b.token)
            .await
            .expect(200)
            .body,
        json!([])
    );
    let still = app
        .get(&format!("/api/v1/addresses/{id}"), &a.token)
        .await
        .expect(200);
    assert_eq!(still.body["city"], "Springfield");
}

#[tokio::test]
async fn permissions_are_the_companies_ones() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Ad Perm", "adperm").await;
    let acme = company(&app, &admin, "Acme").await;
    let id = create(&app, &admin, acme, addr("1 Main St")).await["id"]
        .as_i64()
        .unwrap();
    let reader = app
        .user_with_role(&admin, "adreader", &["companies:read"])
        .await;
    let nobody = app
        .user_with_role(&admin, "adnobody", &["contacts:read"])
        .await;

    app.get(
        &format!("/api/v1/companies/{acme}/addresses"),
        &reader.token,
    )
    .await
    .expect(200);
    app.get(&format!("/api/v1/addresses/{id}"), &reader.token)
        .await
        .expect(200);
    let r = app
        .post(
            &format!("/api/v1/companies/{acme}/addresses"),
            addr("X"),
            &reader.token,
        )
        .await
        .expect(403);
    assert_eq!(r.detail(), "Permission 'companies:write' required");
    app.put(
        &format!("/api/v1/addresses/{id}"),
        json!({"city": "Y"}),
        &reader.token,
    )
    .await
    .expect(403);
    app.delete(&format!("/api/v1/addresses/{id}"), &reader.token)
        .await
        .expect(403);
    app.post(
        &format!("/api/v1/addresses/{id}/set-default?company_id={acme}"),
        json!({}),
        &reader.token,
    )
    .await
    .expect(403);
    let r = app
        .get(
            &format!("/api/v1/companies/{acme}/addresses/shipment-default"),
            &nobody.token,
        )
        .await
        .expect(403);
    assert_eq!(r.detail(), "Permission 'companies:read' required");
    app.get(&format!("/api/v1/addresses/{id}"), &nobody.token)
        .await
        .expect(403);
}

#[tokio::test]
async fn concurrent_default_switches_leave_exactly_one_default() {
    let app = TestApp::spawn().await;
    let s = app.signup("Ad Race", "adrace").await;
    let acme = company(&app, &s, "Acme").await;
    let mut ids = Vec::new();
    for n in 0..4 {
        ids.push(
            create(&app, &s, acme, addr(&format!("{n} Race St"))).await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let set_paths: Vec<String> = ids[..3]
        .iter()
        .map(|id| format!("/api/v1/addresses/{id}/set-default?company_id={acme}"))
        .collect();
    let add_path = format!("/api/v1/companies/{acme}/addresses?set_as_default=true");
    let upd_path = format!("/api/v1/addresses/{}", ids[3]);
    for _round in 0..3 {
        let (r0, r1, r2, r3, r4) = tokio::join!(
            app.post(&set_paths[0], json!({}), &s.token),
            app.post(&set_paths[1], json!({}), &s.token),
            app.post(&set_paths[2], json!({}), &s.token),
            app.post(&add_path, addr("Racer"), &s.token),
            app.put(&upd_path, json!({"is_default": true}), &s.token),
        );
        for r in [r0, r1, r2, r3, r4] {
            r.expect(200);
        }
        let owner = connect(&app.owner_url()).await;
        let n: i64 = owner
            .query_one(
                "select count(*) from addresses where company_id = $1 and is_default",
                &[&acme],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(n, 1);
    }
}
