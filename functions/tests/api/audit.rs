//! The audit trail (README, "Audit trail"): each kind of write leaves exactly its rows, with the
//! changed fields before and after and never a secret; nothing of a rolled-back request survives;
//! the runtime role may only insert and read the trail; `GET /api/v1/audit/` is the admin's, filters
//! and pages newest first, and shows one tenant.

use serde_json::{Value, json};

use crate::crm_fixtures::{company, contact};
use crate::helpers::{Body, Session, TestApp, arr, connect, pg};

const AUDIT: &str = "/api/v1/audit/";

/// An entry as the login test compares it: action, entity type, entity id, user id, endpoint.
type Shown<'a> = (&'a str, &'a str, Option<i64>, Option<i64>, &'a str);

/// The trail's entries after entry `after` (an id), oldest first, as (action, entity type,
/// entity id, before, after), checked for the request's identity on the way.
async fn since(
    app: &TestApp,
    admin: &Session,
    after: i64,
) -> Vec<(String, String, Option<i64>, Value, Value)> {
    let page = app
        .get(&format!("{AUDIT}?limit=1000"), &admin.token)
        .await
        .expect(200);
    let mut out: Vec<_> = arr(&page.body)
        .iter()
        .filter(|e| e["id"].as_i64().unwrap() > after)
        .map(|e| {
            assert_eq!(e["request_id"], "test-request", "{e}");
            assert!(e["endpoint"].is_string(), "{e}");
            (
                e["action"].as_str().unwrap().to_string(),
                e["entity_type"].as_str().unwrap().to_string(),
                e["entity_id"].as_i64(),
                e["before"].clone(),
                e["after"].clone(),
            )
        })
        .collect();
    out.reverse();
    out
}

async fn last_id(app: &TestApp, admin: &Session) -> i64 {
    let page = app
        .get(&format!("{AUDIT}?limit=1"), &admin.token)
        .await
        .expect(200);
    arr(&page.body)
        .first()
        .map_or(0, |e| e["id"].as_i64().unwrap())
}

/// The one entry a request left: its endpoint and user, and the row.
async fn only_entry(app: &TestApp, admin: &Session, after: i64) -> Value {
    let page = app
        .get(&format!("{AUDIT}?limit=1000"), &admin.token)
        .await
        .expect(200);
    let new: Vec<&Value> = arr(&page.body)
        .iter()
        .filter(|e| e["id"].as_i64().unwrap() > after)
        .collect();
    assert_eq!(new.len(), 1, "{new:?}");
    new[0].clone()
}

#[tokio::test]
async fn each_kind_of_write_leaves_exactly_its_rows_with_the_changed_fields() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Audit Co", "auditadmin").await;

    // Create: the whole row after, who did it, through which endpoint.
    let mark = last_id(&app, &admin).await;
    let acme = company(&app, &admin, "Acme").await;
    let e = only_entry(&app, &admin, mark).await;
    assert_eq!(e["action"], "create");
    assert_eq!(e["entity_type"], "company");
    assert_eq!(e["entity_id"], acme);
    assert_eq!(e["endpoint"], "companies_create");
    assert_eq!(e["user_id"], admin.user_id);
    assert_eq!(e["username"], "auditadmin");
    assert_eq!(e["before"], Value::Null);
    assert_eq!(e["after"]["name"], "Acme");
    assert_eq!(e["after"]["phone"], "555-0100");
    assert!(
        e["after"].get("tenant_id").is_none(),
        "bookkeeping is left out"
    );

    // Update: only the changed fields, before and after.
    let mark = last_id(&app, &admin).await;
    let path = format!("/api/v1/companies-v2/{acme}");
    app.put(
        &path,
        json!({"name": "Acme Gold", "phone": "555-0100"}),
        &admin.token,
    )
    .await
    .expect(200);
    assert_eq!(
        since(&app, &admin, mark).await,
        vec![(
            "update".into(),
            "company".into(),
            Some(acme),
            json!({"name": "Acme"}),
            json!({"name": "Acme Gold"})
        )]
    );
    // An update that changes nothing leaves nothing.
    let mark = last_id(&app, &admin).await;
    app.put(&path, json!({"name": "Acme Gold"}), &admin.token)
        .await
        .expect(200);
    assert_eq!(since(&app, &admin, mark).await, vec![]);

    // An order with its line items: the order and each item.
    let ann = contact(&app, &admin, acme, "Ann").await;
    let mark = last_id(&app, &admin).await;
    let order = app
        .post(
            "/api/v1/orders/",
            json!({"contact_id": ann, "line_items": [
                {"product_description": "Ring", "quantity": 2, "price": 10.5},
                {"product_description": "Chain", "quantity": 1}]}),
            &admin.token,
        )
        .await
        .expect(201);
    let rows = since(&app, &admin, mark).await;
    let kinds: Vec<(&str, &str)> = rows.iter().map(|r| (r.0.as_str(), r.1.as_str())).collect();
    assert_eq!(
        kinds,
        [
            ("create", "order"),
            ("create", "order_line_item"),
            ("create", "order_line_item")
        ]
    );
    assert_eq!(rows[0].2, order.body["id"].as_i64());
    assert_eq!(rows[0].4["order_number"], order.body["order_number"]);
    assert_eq!(rows[1].4["product_description"], "Ring");
    assert_eq!(rows[1].4["price"], json!(10.5), "exact numbers, as stored");

    // Delete: the whole row before.
    let gone = company(&app, &admin, "Gone").await;
    let mark = last_id(&app, &admin).await;
    app.delete(&format!("/api/v1/companies-v2/{gone}"), &admin.token)
        .await
        .expect(200);
    let rows = since(&app, &admin, mark).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        (rows[0].0.as_str(), rows[0].1.as_str(), rows[0].2),
        ("delete", "company", Some(gone))
    );
    assert_eq!(rows[0].3["name"], "Gone");
    assert_eq!(rows[0].4, Value::Null);

    // A user: created without their hash, deactivated, their password changed without its value.
    let staff = app.role_id(&admin, "staff").await;
    let mark = last_id(&app, &admin).await;
    let bob = app
        .post(
            "/api/v1/users/",
            json!({"username": "auditbob", "password": "password123", "full_name": "Bob",
                   "role_id": staff}),
            &admin.token,
        )
        .await
        .expect(201)
        .body["id"]
        .as_i64()
        .unwrap();
    let rows = since(&app, &admin, mark).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        (rows[0].0.as_str(), rows[0].1.as_str(), rows[0].2),
        ("create", "user", Some(bob))
    );
    assert_eq!(rows[0].4["username"], "auditbob");
    assert_eq!(rows[0].4["role_id"], staff);
    let all_text = rows[0].4.to_string();
    assert!(
        !all_text.contains("hashed_password") && !all_text.contains("$2"),
        "{all_text}"
    );

    let session = app.login("auditbob", "password123").await;
    let mark = last_id(&app, &admin).await;
    app.put(
        "/api/v1/auth/me/password",
        json!({"current_password": "password123", "new_password": "password456"}),
        &session.token,
    )
    .await
    .expect(200);
    let e = only_entry(&app, &admin, mark).await;
    assert_eq!(e["action"], "password_change");
    assert_eq!(
        (e["entity_type"].clone(), e["entity_id"].clone()),
        (json!("user"), json!(bob))
    );
    assert_eq!(e["user_id"], bob, "the user changed it");
    assert_eq!(e["before"], json!({"password": "[redacted]"}));
    assert_eq!(e["after"], json!({"password": "[redacted]"}));

    let mark = last_id(&app, &admin).await;
    app.delete(&format!("/api/v1/users/{bob}"), &admin.token)
        .await
        .expect(200);
    let e = only_entry(&app, &admin, mark).await;
    assert_eq!(e["action"], "deactivate");
    assert_eq!(e["before"], json!({"is_active": true}));
    assert_eq!(e["after"], json!({"is_active": false}));

    // A role: created with its permissions, then one permission exchanged for another.
    let perms = arr(&app
        .get("/api/v1/roles/permissions", &admin.token)
        .await
        .expect(200)
        .body)
    .clone();
    let pid = |name: &str| {
        perms.iter().find(|p| p["name"] == name).unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let mark = last_id(&app, &admin).await;
    let role = app
        .post(
            "/api/v1/roles/",
            json!({"name": "Packers", "permission_ids": [pid("orders:read"), pid("shipments:read")]}),
            &admin.token,
        )
        .await
        .expect(200)
        .body["id"]
        .as_i64()
        .unwrap();
    let rows = since(&app, &admin, mark).await;
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(
        (rows[0].0.as_str(), &rows[0].4["name"]),
        ("create", &json!("Packers"))
    );
    let mut grants: Vec<Value> = rows[1..]
        .iter()
        .map(|r| {
            assert_eq!(r.0, "grant", "{r:?}");
            r.4.clone()
        })
        .collect();
    grants.sort_by_key(|v| v.to_string());
    assert_eq!(
        grants,
        [
            json!({"permission": "orders:read"}),
            json!({"permission": "shipments:read"})
        ]
    );
    assert!(
        rows.iter().all(|r| r.1 == "role" && r.2 == Some(role)),
        "{rows:?}"
    );
    let mark = last_id(&app, &admin).await;
    app.put(
        &format!("/api/v1/roles/{role}"),
        json!({"permission_ids": [pid("orders:read"), pid("ledger:read")]}),
        &admin.token,
    )
    .await
    .expect(200);
    let mut rows: Vec<(String, Value, Value)> = since(&app, &admin, mark)
        .await
        .into_iter()
        .map(|r| (r.0, r.3, r.4))
        .collect();
    rows.sort_by_key(|r| r.0.clone());
    assert_eq!(
        rows,
        [
            (
                "grant".into(),
                Value::Null,
                json!({"permission": "ledger:read"})
            ),
            (
                "revoke".into(),
                json!({"permission": "shipments:read"}),
                Value::Null
            ),
        ],
        "only what changed: orders:read stays without a row"
    );
}

#[tokio::test]
async fn logins_refused_or_not_and_logouts_are_in_the_trail() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Audit Login", "auditlogin").await;
    let mark = last_id(&app, &admin).await;
    app.try_login("auditlogin", "wrong-password")
        .await
        .expect(401);
    let session = app.login("auditlogin", "password123").await;
    app.call(
        "POST",
        "/api/v1/auth/logout",
        Body::Json(json!({"refresh_token": session.refresh})),
        Some(&session.token),
    )
    .await
    .expect(200);
    let page = app
        .get(&format!("{AUDIT}?limit=100"), &admin.token)
        .await
        .expect(200);
    let mut new: Vec<&Value> = arr(&page.body)
        .iter()
        .filter(|e| e["id"].as_i64().unwrap() > mark)
        .collect();
    new.reverse();
    let shown: Vec<Shown> = new
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["entity_type"].as_str().unwrap(),
                e["entity_id"].as_i64(),
                e["user_id"].as_i64(),
                e["endpoint"].as_str().unwrap(),
            )
        })
        .collect();
    let me = Some(admin.user_id);
    assert_eq!(
        shown,
        [
            ("login_failed", "user", me, me, "auth_login"),
            ("login", "user", me, me, "auth_login"),
            ("logout", "user", me, me, "auth_logout"),
        ],
        "a refused login commits its attempt, so its row stays"
    );
    assert_eq!(new[0]["after"]["failure_reason"], "invalid_credentials");
    assert_eq!(new[2]["after"], json!({"all_sessions": false}));
    // An unknown username has no tenant whose trail could hold it.
    let mark = last_id(&app, &admin).await;
    app.try_login("nobody-here", "whatever-password")
        .await
        .expect(401);
    assert_eq!(last_id(&app, &admin).await, mark);
}

#[tokio::test]
async fn no_audit_row_survives_a_rolled_back_request() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Audit Rollback", "auditrollback").await;
    let acme = company(&app, &admin, "Acme").await;
    let ann = contact(&app, &admin, acme, "Ann").await;
    let count = || async {
        let owner = connect(&app.owner_url()).await;
        let n: i64 = owner
            .query_one("select count(*) from audit_log", &[])
            .await
            .unwrap()
            .get(0);
        n
    };
    let before = count().await;
    // The order and its first item are inserted (and audited) before the second item fails.
    app.post(
        "/api/v1/orders/",
        json!({"contact_id": ann, "line_items": [
            {"product_description": "Ring"}, {"product_description": "Chain", "quantity": -1}]}),
        &admin.token,
    )
    .await
    .expect(422);
    app.post(
        "/api/v1/companies-v2/",
        json!({"name": "Acme"}),
        &admin.token,
    )
    .await
    .expect(409);
    assert_eq!(count().await, before, "the refused requests left rows");
    // Positive control: the valid order leaves its rows.
    app.post(
        "/api/v1/orders/",
        json!({"contact_id": ann, "line_items": [{"product_description": "Ring"}]}),
        &admin.token,
    )
    .await
    .expect(201);
    assert_eq!(count().await, before + 2);
}

#[tokio::test]
async fn the_runtime_role_can_only_append_to_and_read_the_trail() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Audit Guard", "auditguard").await;
    company(&app, &admin, "Acme").await;
    let rw = connect(&pg().server.url("app_rw", &app.db_name)).await;
    rw.batch_execute(&format!("begin; select enter_tenant({})", admin.tenant_id))
        .await
        .unwrap();
    // Positive controls: it reads its tenant's rows and appends one.
    let rows: i64 = rw
        .query_one("select count(*) from audit_log", &[])
        .await
        .unwrap()
        .get(0);
    assert!(rows >= 2, "{rows}");
    rw.execute(
        "select audit_append(app_current_tenant(), 'test', 'probe', 1, null, null)",
        &[],
    )
    .await
    .unwrap();
    rw.batch_execute("savepoint s").await.unwrap();
    for sql in [
        "update audit_log set action = 'forged'",
        "delete from audit_log",
        "truncate audit_log",
        "select audit_bulk_begin()",
    ] {
        let err = rw.batch_execute(sql).await.expect_err(sql);
        let code = err.as_db_error().map(|e| e.code().code().to_string());
        assert_eq!(code.as_deref(), Some("42501"), "{sql}: {err}"); // insufficient_privilege
        rw.batch_execute("rollback to savepoint s").await.unwrap();
    }
    // Switching the triggers off by hand is ignored for anyone but the owner.
    rw.batch_execute(
        "select set_config('app.audit', 'off', true);
         insert into companies (name) values ('Still Audited')",
    )
    .await
    .unwrap();
    let audited: i64 = rw
        .query_one(
            "select count(*) from audit_log where entity_type = 'company' and after ->> 'name' = 'Still Audited'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(audited, 1);
    rw.batch_execute("commit").await.unwrap();

    // The owner may: a bulk load records nothing.
    let owner = connect(&app.owner_url()).await;
    owner
        .batch_execute(&format!(
            "begin; select audit_bulk_begin();
             insert into companies (tenant_id, name) values ({}, 'Bulk'); commit",
            admin.tenant_id
        ))
        .await
        .unwrap();
    let bulk: i64 = owner
        .query_one(
            "select count(*) from audit_log where after ->> 'name' = 'Bulk'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(bulk, 0);
}

#[tokio::test]
async fn the_trail_is_the_admins_filtered_paged_newest_first_and_per_tenant() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Audit List", "auditlist").await;
    let other = app.signup("Audit Other", "auditother").await;
    company(&app, &other, "Elsewhere").await;
    let manager = app.user_with_role(&admin, "auditmanager", "manager").await;
    let staff = app.user_with_role(&admin, "auditstaff", "staff").await;
    for s in [&manager, &staff] {
        let r = app.get(AUDIT, &s.token).await.expect(403);
        assert_eq!(r.detail(), "Permission 'audit:read' required");
    }
    let a = company(&app, &admin, "Alpha").await;
    let b = company(&app, &manager, "Beta").await;
    app.put(
        &format!("/api/v1/companies-v2/{a}"),
        json!({"name": "Alpha 2"}),
        &admin.token,
    )
    .await
    .expect(200);

    let all = app.get(AUDIT, &admin.token).await.expect(200);
    let all = arr(&all.body);
    let ids: Vec<i64> = all.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort_by(|x, y| y.cmp(x));
    assert_eq!(ids, sorted, "newest first");
    assert!(
        all.iter().all(|e| e["after"]["name"] != "Elsewhere"),
        "another tenant's rows"
    );

    let of_a = app
        .get(
            &format!("{AUDIT}?entity_type=company&entity_id={a}"),
            &admin.token,
        )
        .await
        .expect(200);
    let actions: Vec<&str> = arr(&of_a.body)
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["update", "create"]);
    let by_manager = app
        .get(
            &format!("{AUDIT}?user_id={}&entity_type=company", manager.user_id),
            &admin.token,
        )
        .await
        .expect(200);
    let entities: Vec<i64> = arr(&by_manager.body)
        .iter()
        .map(|e| e["entity_id"].as_i64().unwrap())
        .collect();
    assert_eq!(entities, [b]);

    let today = chrono::Utc::now().date_naive();
    let tomorrow = today.succ_opt().unwrap();
    let n_today = arr(&app
        .get(
            &format!("{AUDIT}?date_from={today}&date_to={today}&limit=1000"),
            &admin.token,
        )
        .await
        .expect(200)
        .body)
    .len();
    assert_eq!(n_today, all.len(), "every row is from today");
    let none = app
        .get(&format!("{AUDIT}?date_from={tomorrow}"), &admin.token)
        .await
        .expect(200);
    assert_eq!(arr(&none.body).len(), 0);

    let page = app
        .get(&format!("{AUDIT}?skip=1&limit=2"), &admin.token)
        .await
        .expect(200);
    let page_ids: Vec<i64> = arr(&page.body)
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(page_ids, ids[1..3]);

    for (query, detail) in [
        ("date_from=yesterday", "date_from"),
        (
            &format!("date_from={tomorrow}&date_to={today}") as &str,
            "date_from: must not be after date_to",
        ),
        ("entity_id=abc", "entity_id"),
        ("limit=0", "limit"),
    ] {
        let r = app
            .get(&format!("{AUDIT}?{query}"), &admin.token)
            .await
            .expect(422);
        assert!(r.detail().contains(detail), "{query}: {}", r.detail());
    }
}
