//! `Idempotency-Key` on the authenticated writes (README, "Idempotency keys"): retries replay the
//! first answer and write nothing, concurrent retries wait for the first, answers about the request
//! are stored without its writes, refusals and failures are not stored, keys are per tenant and
//! user, expire, and are refused when reused for another request.

use futures_util::future::join_all;
use serde_json::{Value, json};
use shared::domain::permissions::COMPANIES_READ;

use crate::crm_fixtures::{company, contact};
use crate::helpers::{Body, Resp, Session, TestApp, arr, connect};

const ORDERS: &str = "/api/v1/orders/";
const COMPANIES: &str = "/api/v1/companies-v2/";

async fn keyed(
    app: &TestApp,
    method: &str,
    path: &str,
    body: Value,
    s: &Session,
    key: &str,
) -> Resp {
    let body = if body.is_null() {
        Body::None
    } else {
        Body::Json(body)
    };
    app.call_with_headers(
        method,
        path,
        body,
        Some(&s.token),
        &[("idempotency-key", key)],
    )
    .await
}

/// `POST /companies-v2/` of a company named `name`, under `key`.
async fn create_company(
    app: &TestApp,
    s: &Session,
    name: impl serde::Serialize,
    key: &str,
) -> Resp {
    keyed(app, "POST", COMPANIES, json!({ "name": name }), s, key).await
}

fn replayed(r: &Resp) -> bool {
    r.headers
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true")
}

async fn order_count(app: &TestApp, s: &Session) -> usize {
    arr(&app.get(ORDERS, &s.token).await.expect(200).body).len()
}

/// The stored keys of the database, as the owner sees them: (tenant, user, key, status).
async fn stored_keys(app: &TestApp) -> Vec<(i64, i64, String, Option<i16>)> {
    let owner = connect(&app.owner_url()).await;
    owner
        .query(
            "select tenant_id, user_id, key, status from idempotency_keys order by 1, 2, 3",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect()
}

#[tokio::test]
async fn concurrent_retries_of_one_order_create_it_once_and_all_get_its_answer() {
    let app = TestApp::spawn().await;
    let s = app.signup("Idem Race", "idemrace").await;
    let acme = company(&app, &s, "Acme").await;
    let ann = contact(&app, &s, acme, "Ann").await;
    let body = json!({"contact_id": ann,
                      "line_items": [{"product_description": "Ring", "quantity": 2, "price": 125.5}]});

    // Positive control: without a key, the same request twice is two orders.
    app.post(ORDERS, body.clone(), &s.token).await.expect(201);
    app.post(ORDERS, body.clone(), &s.token).await.expect(201);
    assert_eq!(order_count(&app, &s).await, 2);

    // Eight at once on four connections: one runs, the others wait for its key and replay it.
    let answers =
        join_all((0..8).map(|_| keyed(&app, "POST", ORDERS, body.clone(), &s, "order-ann-ring")))
            .await;
    let first = &answers[0];
    for r in &answers {
        assert_eq!(r.status, 201, "{r:?}");
        assert_eq!(r.body, first.body, "every retry gets the first answer");
    }
    assert_eq!(
        answers.iter().filter(|r| !replayed(r)).count(),
        1,
        "exactly one attempt ran: {answers:?}"
    );
    assert_eq!(order_count(&app, &s).await, 3, "one order more, not eight");
    assert_eq!(
        first.body["order_number"],
        format!("ORD-{}-000003", s.tenant_id)
    );

    // Later, the same again: still the stored answer.
    let late = keyed(&app, "POST", ORDERS, body, &s, "order-ann-ring")
        .await
        .expect(201);
    assert!(replayed(&late));
    assert_eq!(late.body, first.body);
    assert_eq!(order_count(&app, &s).await, 3);
}

#[tokio::test]
async fn an_answer_about_the_request_is_stored_without_its_writes_and_replayed() {
    let app = TestApp::spawn().await;
    let s = app.signup("Idem Fail", "idemfail").await;
    let acme = company(&app, &s, "Acme").await;
    let ann = contact(&app, &s, acme, "Ann").await;
    // The second line item is invalid: the order and its first item are written, then refused.
    let invalid = json!({"contact_id": ann, "line_items": [
        {"product_description": "Ring", "quantity": 1},
        {"product_description": "Chain", "quantity": -3}]});

    let failed = keyed(&app, "POST", ORDERS, invalid.clone(), &s, "bad-order")
        .await
        .expect(422);
    assert!(!replayed(&failed));
    let detail = failed.detail();
    assert_eq!(order_count(&app, &s).await, 0, "the refusal wrote no order");
    assert_eq!(
        stored_keys(&app).await,
        vec![(s.tenant_id, s.user_id, "bad-order".into(), Some(422))],
        "only the key's record committed"
    );

    let again = keyed(&app, "POST", ORDERS, invalid, &s, "bad-order")
        .await
        .expect(422);
    assert!(replayed(&again), "the stored failure, not a second attempt");
    assert_eq!(again.detail(), detail);
    assert_eq!(again.body, failed.body);

    // A 404 and a 409 are about the request too.
    let missing = keyed(
        &app,
        "PUT",
        "/api/v1/companies-v2/999999",
        json!({"name": "X"}),
        &s,
        "k404",
    )
    .await
    .expect(404);
    let taken = create_company(&app, &s, "Acme", "k409").await.expect(409);
    for (key, first, status) in [("k404", &missing, 404), ("k409", &taken, 409)] {
        let path = if status == 404 {
            "/api/v1/companies-v2/999999"
        } else {
            COMPANIES
        };
        let method = if status == 404 { "PUT" } else { "POST" };
        let body = if status == 404 {
            json!({"name": "X"})
        } else {
            json!({"name": "Acme"})
        };
        let r = keyed(&app, method, path, body, &s, key)
            .await
            .expect(status);
        assert!(replayed(&r), "{key}");
        assert_eq!(r.body, first.body, "{key}");
    }

    // The fixed request needs a new key, and then runs.
    let fixed =
        json!({"contact_id": ann, "line_items": [{"product_description": "Ring", "quantity": 1}]});
    let refused = keyed(&app, "POST", ORDERS, fixed.clone(), &s, "bad-order")
        .await
        .expect(422);
    assert!(
        refused
            .detail()
            .starts_with("Idempotency-Key: was already used"),
        "{refused:?}"
    );
    keyed(&app, "POST", ORDERS, fixed, &s, "good-order")
        .await
        .expect(201);
    assert_eq!(order_count(&app, &s).await, 1);
}

#[tokio::test]
async fn a_key_reused_for_another_request_is_refused_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let s = app.signup("Idem Reuse", "idemreuse").await;
    let first = create_company(&app, &s, "Alpha", "co-1").await.expect(200);

    let other = create_company(&app, &s, "Beta", "co-1").await.expect(422);
    assert_eq!(
        other.detail(),
        "Idempotency-Key: was already used with a different request; send a new key for a new request"
    );
    assert_eq!(
        other.body["errors"][0]["loc"],
        json!(["header", "Idempotency-Key"])
    );
    // Another endpoint with the key is another request too.
    let path = format!("/api/v1/companies-v2/{}", first.body["id"]);
    keyed(&app, "PUT", &path, json!({"name": "Alpha"}), &s, "co-1")
        .await
        .expect(422);

    let list = app.get(COMPANIES, &s.token).await.expect(200);
    let names: Vec<&str> = arr(&list.body)
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Alpha"], "neither refused request wrote");

    // Positive control: the original request under its key is still its answer.
    let again = create_company(&app, &s, "Alpha", "co-1").await.expect(200);
    assert!(replayed(&again));
    assert_eq!(again.body, first.body);
}

#[tokio::test]
async fn keys_belong_to_their_tenant_and_user() {
    let app = TestApp::spawn().await;
    let one = app.signup("Idem One", "idemone").await;
    let two = app.signup("Idem Two", "idemtwo").await;
    let colleague = app.user_with_role(&one, "idemcolleague", "admin").await;
    let body = json!({"name": "Shared Name"});

    let a = keyed(&app, "POST", COMPANIES, body.clone(), &one, "same-key")
        .await
        .expect(200);
    let b = keyed(&app, "POST", COMPANIES, body.clone(), &two, "same-key")
        .await
        .expect(200);
    assert!(!replayed(&b), "another tenant's key is another key");
    assert_ne!(a.body["id"], b.body["id"]);
    assert_eq!(b.body["tenant_id"], two.tenant_id);
    // A colleague in the same tenant: their own key, so their request runs (and meets the name).
    let c = keyed(
        &app,
        "POST",
        COMPANIES,
        body.clone(),
        &colleague,
        "same-key",
    )
    .await
    .expect(409);
    assert!(!replayed(&c));
    // And the first user's retry is still theirs.
    let again = keyed(&app, "POST", COMPANIES, body, &one, "same-key")
        .await
        .expect(200);
    assert!(replayed(&again));
    assert_eq!(again.body, a.body);
}

#[tokio::test]
async fn refusals_are_not_stored_so_that_a_retry_runs_again() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Idem Refuse", "idemrefuse").await;
    let reader = app
        .user_with_role(&admin, "idemreader", &[COMPANIES_READ])
        .await;

    let r = create_company(&app, &reader, "Nope", "k").await.expect(403);
    assert!(!replayed(&r));
    let bad_token = app
        .call_with_headers(
            "POST",
            COMPANIES,
            Body::Json(json!({"name": "Nope"})),
            Some("not-a-token"),
            &[("idempotency-key", "k")],
        )
        .await
        .expect(401);
    assert!(!replayed(&bad_token));
    assert_eq!(
        stored_keys(&app).await,
        vec![],
        "a 401 or 403 is not stored"
    );

    // The caller gains the permission: the retry with the same key runs, and is stored.
    app.put(
        &format!("/api/v1/users/{}", reader.user_id),
        json!({"role_id": app.role_id(&admin, "manager").await}),
        &admin.token,
    )
    .await
    .expect(200);
    let reader = app.login("idemreader", "password123").await;
    let ran = create_company(&app, &reader, "Nope", "k").await.expect(200);
    assert!(!replayed(&ran));
    assert_eq!(
        stored_keys(&app).await,
        vec![(admin.tenant_id, reader.user_id, "k".into(), Some(200))]
    );
}

#[tokio::test]
async fn a_malformed_key_is_a_422_naming_the_header_after_authorization() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Idem Shape", "idemshape").await;
    let reader = app
        .user_with_role(&admin, "idemshapereader", &[COMPANIES_READ])
        .await;
    let long = "k".repeat(256);
    for bad in [long.as_str(), "tab\there", ""] {
        let r = create_company(&app, &admin, "Shape", bad).await.expect(422);
        assert_eq!(
            r.detail(),
            "Idempotency-Key: must be 1 to 255 printable ASCII characters, not starting or ending with a space",
            "{bad:?}"
        );
        // Authorization decides first.
        create_company(&app, &reader, "Shape", bad)
            .await
            .expect(403);
    }
    assert_eq!(
        arr(&app.get(COMPANIES, &admin.token).await.expect(200).body).len(),
        0
    );
    // Positive control: the longest key, every printable character.
    let printable: String = (0x20u8..=0x7e).map(char::from).collect();
    for good in ["k".repeat(255), printable.trim().to_string()] {
        let name = format!("Shape {}", good.len());
        create_company(&app, &admin, name, &good).await.expect(200);
    }
}

#[tokio::test]
async fn deletes_and_updates_replay_instead_of_failing_the_second_time() {
    let app = TestApp::spawn().await;
    let s = app.signup("Idem Delete", "idemdelete").await;
    let gone = company(&app, &s, "Gone").await;
    let path = format!("/api/v1/companies-v2/{gone}");
    let first = keyed(&app, "DELETE", &path, Value::Null, &s, "del")
        .await
        .expect(200);
    let retry = keyed(&app, "DELETE", &path, Value::Null, &s, "del")
        .await
        .expect(200);
    assert!(replayed(&retry));
    assert_eq!(retry.body, first.body);
    // Positive control: without the key, the second delete finds nothing.
    app.delete(&path, &s.token).await.expect(404);

    let kept = company(&app, &s, "Kept").await;
    let path = format!("/api/v1/companies-v2/{kept}");
    let renamed = keyed(&app, "PUT", &path, json!({"name": "Renamed"}), &s, "put")
        .await
        .expect(200);
    // Someone else renames it in between; the retry must not undo that.
    app.put(&path, json!({"name": "Changed Since"}), &s.token)
        .await
        .expect(200);
    let retry = keyed(&app, "PUT", &path, json!({"name": "Renamed"}), &s, "put")
        .await
        .expect(200);
    assert!(replayed(&retry));
    assert_eq!(retry.body["name"], renamed.body["name"]);
    let now = app.get(&path, &s.token).await.expect(200);
    assert_eq!(now.body["name"], "Changed Since");
}

#[tokio::test]
async fn expired_keys_run_again_and_are_cleaned_up_by_later_writes() {
    let app = TestApp::spawn_with(&[("IDEMPOTENCY_TTL_HOURS", "1")], false).await;
    let s = app.signup("Idem Expiry", "idemexpiry").await;
    let acme = company(&app, &s, "Acme").await;
    let ann = contact(&app, &s, acme, "Ann").await;
    let body = json!({"contact_id": ann, "line_items": [{"product_description": "Ring"}]});
    keyed(&app, "POST", ORDERS, body.clone(), &s, "old")
        .await
        .expect(201);
    keyed(&app, "POST", ORDERS, body.clone(), &s, "stale")
        .await
        .expect(201);
    let owner = connect(&app.owner_url()).await;
    let ttl: f64 = owner
        .query_one(
            "select extract(epoch from expires_at - created_at)::float8 from idempotency_keys where key = 'old'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(ttl, 3600.0, "IDEMPOTENCY_TTL_HOURS=1");
    // Positive control: within its lifetime a key replays.
    let within = keyed(&app, "POST", ORDERS, body.clone(), &s, "old")
        .await
        .expect(201);
    assert!(replayed(&within));
    owner
        .execute(
            "update idempotency_keys set expires_at = now() - interval '1 second'",
            &[],
        )
        .await
        .unwrap();

    let after = keyed(&app, "POST", ORDERS, body, &s, "old")
        .await
        .expect(201);
    assert!(!replayed(&after), "an expired key is a new key");
    assert_eq!(order_count(&app, &s).await, 3);
    let keys: Vec<String> = stored_keys(&app).await.into_iter().map(|k| k.2).collect();
    assert_eq!(
        keys,
        ["old"],
        "the other expired key was removed by that write"
    );
}

#[tokio::test]
async fn without_the_header_or_on_the_auth_endpoints_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let s = app.signup("Idem None", "idemnone").await;
    company(&app, &s, "Plain").await;
    // Logout carries no token in its answer, but ends sessions: a key there is ignored.
    let session = app.login("idemnone", "password123").await;
    for _ in 0..2 {
        let r = keyed(
            &app,
            "POST",
            "/api/v1/auth/logout",
            json!({"refresh_token": session.refresh}),
            &session,
            "logout",
        )
        .await
        .expect(200);
        assert!(!replayed(&r));
    }
    let r = keyed(&app, "GET", COMPANIES, Value::Null, &s, "read")
        .await
        .expect(200);
    assert!(!replayed(&r), "reads ignore the key");
    assert_eq!(stored_keys(&app).await, vec![]);
}
