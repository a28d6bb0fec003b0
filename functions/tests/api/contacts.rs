//! Contacts: CRUD with the company summary, search, e-mail uniqueness per company, the orders tab,
//! 409 deletes, tenant isolation and permissions.

use serde_json::json;

use crate::crm_fixtures::{company, contact, order};
use crate::helpers::{Detail, TestApp, ids};

#[tokio::test]
async fn create_list_get_update_with_the_fields_the_app_reads() {
    let app = TestApp::spawn().await;
    let s = app.signup("Ct Happy", "cthappy").await;
    let acme = company(&app, &s, "Acme").await;
    let beta = company(&app, &s, "Beta").await;

    let created = app
        .post(
            "/api/v1/contacts/",
            json!({"name": " Ann Lee ", "company_id": acme, "email": "Ann@Acme.com", "phone": " 555-1 "}),
            &s.token,
        )
        .await
        .expect(200);
    let b = &created.body;
    let id = b["id"].as_i64().unwrap();
    assert_eq!(b["name"], "Ann Lee");
    assert_eq!(b["email"], "Ann@Acme.com");
    assert_eq!(b["phone"], "555-1");
    assert_eq!(b["company_id"], acme);
    assert_eq!(b["tenant_id"], s.tenant_id);
    assert_eq!(b["company"]["id"], acme);
    assert_eq!(b["company"]["name"], "Acme");
    assert!(b["created_at"].is_string() && b["updated_at"].is_string());
    let bob = contact(&app, &s, beta, "Bob Stone").await;
    let cat = app
        .post(
            "/api/v1/contacts/",
            json!({"name": "Cat", "company_id": beta}),
            &s.token,
        )
        .await
        .expect(200);
    assert!(cat.body["email"].is_null() && cat.body["phone"].is_null());
    let cat = cat.body["id"].as_i64().unwrap();

    // The contacts page: id, name, email, phone, company_id, company{id,name}.
    let list = app.get("/api/v1/contacts/", &s.token).await.expect(200);
    assert_eq!(ids(&list.body), vec![id, bob, cat], "by name");
    assert_eq!(list.body[1]["company"]["name"], "Beta");
    assert_eq!(list.body[1]["company_id"], beta);
    assert_eq!(list.body[1]["email"], "bob.stone@example.com");

    // The order form's picker: `?search=<term>&limit=50`, the term possibly empty.
    let r = app
        .get("/api/v1/contacts/?search=&limit=50", &s.token)
        .await
        .expect(200);
    assert_eq!(r.body.as_array().unwrap().len(), 3);
    let r = app
        .get("/api/v1/contacts/?search=ACME.COM&limit=50", &s.token)
        .await
        .expect(200);
    assert_eq!(ids(&r.body), vec![id], "search matches the e-mail");
    let r = app
        .get("/api/v1/contacts/?search=stone", &s.token)
        .await
        .expect(200);
    assert_eq!(ids(&r.body), vec![bob], "search matches the name");
    let r = app
        .get(&format!("/api/v1/contacts/?company_id={beta}"), &s.token)
        .await
        .expect(200);
    assert_eq!(ids(&r.body), vec![bob, cat]);
    let r = app
        .get(
            &format!("/api/v1/contacts/?company_id={beta}&search=cat"),
            &s.token,
        )
        .await
        .expect(200);
    assert_eq!(ids(&r.body), vec![cat]);
    let r = app
        .get("/api/v1/contacts/?skip=1&limit=1", &s.token)
        .await
        .expect(200);
    assert_eq!(ids(&r.body), vec![bob]);

    // The contact page.
    let got = app
        .get(&format!("/api/v1/contacts/{id}"), &s.token)
        .await
        .expect(200);
    assert_eq!(got.body["name"], "Ann Lee");
    assert_eq!(got.body["company"]["name"], "Acme");

    // Update as the app sends it, moving the contact to another company.
    let upd = app
        .put(
            &format!("/api/v1/contacts/{id}"),
            json!({"name": "Ann Stone", "company_id": beta, "email": "ann@beta.com", "phone": "777"}),
            &s.token,
        )
        .await
        .expect(200);
    assert_eq!(upd.body["name"], "Ann Stone");
    assert_eq!(upd.body["company_id"], beta);
    assert_eq!(upd.body["company"]["name"], "Beta");
    assert_eq!(upd.body["email"], "ann@beta.com");
    assert_eq!(upd.body["phone"], "777");
    // Partial: fields not sent are kept; null clears.
    let upd = app
        .put(
            &format!("/api/v1/contacts/{id}"),
            json!({"phone": null}),
            &s.token,
        )
        .await
        .expect(200);
    assert_eq!(upd.body["name"], "Ann Stone");
    assert_eq!(upd.body["email"], "ann@beta.com");
    assert!(upd.body["phone"].is_null());
    let acme_contacts = app
        .get(&format!("/api/v1/companies-v2/{acme}/contacts"), &s.token)
        .await
        .expect(200);
    assert_eq!(acme_contacts.body, json!([]));
}

#[tokio::test]
async fn invalid_input_is_a_422_with_a_string_detail() {
    let app = TestApp::spawn().await;
    let a = app.signup("Ct Invalid", "ctinvalid").await;
    let b = app.signup("Ct Invalid B", "ctinvalidb").await;
    let acme = company(&app, &a, "Acme").await;
    let foreign = company(&app, &b, "Foreign").await;
    let id = contact(&app, &a, acme, "Ann").await;
    let cases = [
        (
            json!({"name": " ", "company_id": acme}),
            "name: must not be blank".to_string(),
        ),
        (
            json!({"name": "A"}),
            "company_id: Field required".to_string(),
        ),
        (
            json!({"name": "A", "company_id": acme, "email": "nope"}),
            "email: value is not a valid email address".to_string(),
        ),
        (
            json!({"name": "A", "company_id": 0}),
            "company_id: must be a positive integer".to_string(),
        ),
        (
            json!({"name": "A", "company_id": acme, "phone": "9".repeat(51)}),
            "phone: must be at most 50 characters".to_string(),
        ),
        // Another tenant's company is exactly like a missing one.
        (
            json!({"name": "A", "company_id": foreign}),
            format!("company_id: Company with id {foreign} not found"),
        ),
        (
            json!({"name": "A", "company_id": 999999}),
            "company_id: Company with id 999999 not found".to_string(),
        ),
    ];
    app.expect_422s("/api/v1/contacts/", &a.token, cases, Detail::Is)
        .await;
    let r = app
        .put(
            &format!("/api/v1/contacts/{id}"),
            json!({"company_id": foreign}),
            &a.token,
        )
        .await
        .expect(422);
    assert_eq!(
        r.detail(),
        format!("company_id: Company with id {foreign} not found")
    );
    let r = app
        .get("/api/v1/contacts/?company_id=abc", &a.token)
        .await
        .expect(422);
    assert_eq!(r.detail(), "company_id: must be a positive integer");
    // Nothing was created by the failed attempts.
    let list = app.get("/api/v1/contacts/", &a.token).await.expect(200);
    assert_eq!(ids(&list.body), vec![id]);
}

#[tokio::test]
async fn emails_are_unique_within_a_company() {
    let app = TestApp::spawn().await;
    let s = app.signup("Ct Dup", "ctdup").await;
    let acme = company(&app, &s, "Acme").await;
    let beta = company(&app, &s, "Beta").await;
    let body = |company_id: i64| json!({"name": "X", "company_id": company_id, "email": "x@y.com"});
    app.post("/api/v1/contacts/", body(acme), &s.token)
        .await
        .expect(200);
    let r = app
        .post("/api/v1/contacts/", body(acme), &s.token)
        .await
        .expect(409);
    assert_eq!(
        r.detail(),
        "A contact with email 'x@y.com' already exists for this company"
    );
    // Another company may have a contact with the same e-mail...
    let other = app
        .post("/api/v1/contacts/", body(beta), &s.token)
        .await
        .expect(200)
        .body["id"]
        .as_i64()
        .unwrap();
    // ...but moving it next to its twin collides.
    app.put(
        &format!("/api/v1/contacts/{other}"),
        json!({"company_id": acme}),
        &s.token,
    )
    .await
    .expect(409);
    // Contacts without e-mail never collide.
    for _ in 0..2 {
        app.post(
            "/api/v1/contacts/",
            json!({"name": "No Mail", "company_id": acme}),
            &s.token,
        )
        .await
        .expect(200);
    }
}

#[tokio::test]
async fn orders_tab_and_409_delete() {
    let app = TestApp::spawn().await;
    let s = app.signup("Ct Orders", "ctorders").await;
    let acme = company(&app, &s, "Acme").await;
    let ann = contact(&app, &s, acme, "Ann").await;
    let bob = contact(&app, &s, acme, "Bob").await;
    let old = order(&app, &s, acme, ann, "COMPLETED", &[Some(12.5), None], 90).await;
    let new = order(&app, &s, acme, ann, "CANCELLED", &[Some(4.0), Some(1.0)], 5).await;
    order(&app, &s, acme, bob, "PENDING", &[Some(99.0)], 1).await;

    let r = app
        .get(&format!("/api/v1/contacts/{ann}/orders"), &s.token)
        .await
        .expect(200);
    assert_eq!(ids(&r.body), vec![new, old], "newest first, only Ann's");
    let o = &r.body[1];
    assert!(o["order_number"].as_str().unwrap().starts_with("ORD-"));
    assert!(o["order_date"].is_string());
    assert_eq!(o["order_date"], o["created_at"]);
    assert_eq!(o["price"].as_f64(), Some(12.5), "total of the line items");
    assert_eq!(o["status"], "COMPLETED");
    assert!(o["due_date"].is_string());
    assert_eq!(r.body[0]["price"].as_f64(), Some(5.0));

    let r = app
        .delete(&format!("/api/v1/contacts/{ann}"), &s.token)
        .await
        .expect(409);
    assert_eq!(r.detail(), "Cannot delete contact with existing orders");
    app.get(&format!("/api/v1/contacts/{ann}"), &s.token)
        .await
        .expect(200);

    let free = contact(&app, &s, acme, "Free").await;
    let r = app
        .delete(&format!("/api/v1/contacts/{free}"), &s.token)
        .await
        .expect(200);
    assert!(r.body["message"].is_string());
    app.get(&format!("/api/v1/contacts/{free}"), &s.token)
        .await
        .expect(404);
    app.delete(&format!("/api/v1/contacts/{free}"), &s.token)
        .await
        .expect(404);
}

#[tokio::test]
async fn another_tenants_contacts_are_invisible() {
    let app = TestApp::spawn().await;
    let a = app.signup("Ct Iso A", "ctisoa").await;
    let b = app.signup("Ct Iso B", "ctisob").await;
    let acme = company(&app, &a, "Acme").await;
    let id = contact(&app, &a, acme, "Secret Sam").await;
    let list = app
        .get("/api/v1/contacts/?search=sam", &b.token)
        .await
        .expect(200);
    assert_eq!(list.body, json!([]));
    let list = app
        .get(&format!("/api/v1/contacts/?company_id={acme}"), &b.token)
        .await
        .expect(200);
    assert_eq!(list.body, json!([]));
    for path in [
        format!("/api/v1/contacts/{id}"),
        format!("/api/v1/contacts/{id}/orders"),
    ] {
        let r = app.get(&path, &b.token).await.expect(404);
        assert_eq!(r.detail(), format!("Contact with id {id} not found"));
    }
    app.put(
        &format!("/api/v1/contacts/{id}"),
        json!({"name": "Hijacked"}),
        &b.token,
    )
    .await
    .expect(404);
    app.delete(&format!("/api/v1/contacts/{id}"), &b.token)
        .await
        .expect(404);
    let still = app
        .get(&format!("/api/v1/contacts/{id}"), &a.token)
        .await
        .expect(200);
    assert_eq!(still.body["name"], "Secret Sam");
}

#[tokio::test]
async fn permissions_are_enforced() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Ct Perm", "ctperm").await;
    let acme = company(&app, &admin, "Acme").await;
    let id = contact(&app, &admin, acme, "Ann").await;
    let reader = app
        .user_with_role(&admin, "ctreader", &["contacts:read"])
        .await;
    let nobody = app
        .user_with_role(&admin, "ctnobody", &["companies:read"])
        .await;
    let staff_like = app
        .user_with_role(&admin, "ctorders", &["contacts:read", "orders:read"])
        .await;

    app.get("/api/v1/contacts/", &reader.token)
        .await
        .expect(200);
    app.get(&format!("/api/v1/contacts/{id}"), &reader.token)
        .await
        .expect(200);
    let r = app
        .post(
            "/api/v1/contacts/",
            json!({"name": "X", "company_id": acme}),
            &reader.token,
        )
        .await
        .expect(403);
    assert_eq!(r.detail(), "Permission 'contacts:write' required");
    app.put(
        &format!("/api/v1/contacts/{id}"),
        json!({"name": "Y"}),
        &reader.token,
    )
    .await
    .expect(403);
    app.delete(&format!("/api/v1/contacts/{id}"), &reader.token)
        .await
        .expect(403);
    let r = app
        .get(&format!("/api/v1/contacts/{id}/orders"), &reader.token)
        .await
        .expect(403);
    assert_eq!(r.detail(), "Permission 'orders:read' required");
    app.get(&format!("/api/v1/contacts/{id}/orders"), &staff_like.token)
        .await
        .expect(200);

    let r = app
        .get("/api/v1/contacts/", &nobody.token)
        .await
        .expect(403);
    assert_eq!(r.detail(), "Permission 'contacts:read' required");
    app.get(&format!("/api/v1/contacts/{id}"), &nobody.token)
        .await
        .expect(403);
}
