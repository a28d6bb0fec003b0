//! `/api/v1/metals/*`: the catalogue (defaults, create/update/soft delete, seed, permissions) and
//! the market price lookup against a local stub provider.

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use testkit::http1::{read_request, write_response};
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::helpers::{Body, Detail, Session, TestApp, arr, connect};

const BASE: &str = "/api/v1/metals/";

/// Reference rules §5, written out: (code, name, metal_type, fine_percentage), ordered by name.
const DEFAULTS_BY_NAME: &[(&str, &str, &str, f64)] = &[
    ("GOLD_14K", "Gold 14K", "GOLD", 0.585),
    ("GOLD_18K", "Gold 18K", "GOLD", 0.75),
    ("GOLD_22K", "Gold 22K", "GOLD", 0.916),
    ("GOLD_24K", "Gold 24K", "GOLD", 0.999),
    ("PLATINUM", "Platinum", "PLATINUM", 0.95),
    ("SILVER_925", "Silver 925", "SILVER", 0.925),
];

fn rose_gold() -> Value {
    json!({"code": " rose_gold ", "name": " Rose Gold 18K ", "metal_type": "GOLD",
           "fine_percentage": 0.75, "average_cost_per_gram": 61.5})
}

#[tokio::test]
async fn sign_up_provisions_the_default_metals_and_seed_is_idempotent() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Metal Co", "metaladmin").await;
    // The ledger form calls it without the trailing slash.
    for path in [BASE, "/api/v1/metals"] {
        let r = app.get(path, &admin.token).await.expect(200);
        let got: Vec<(String, String, String, f64)> = arr(&r.body)
            .iter()
            .map(|m| {
                (
                    m["code"].as_str().unwrap().to_string(),
                    m["name"].as_str().unwrap().to_string(),
                    m["metal_type"].as_str().unwrap().to_string(),
                    m["fine_percentage"]
                        .as_f64()
                        .expect("fine_percentage is a JSON number"),
                )
            })
            .collect();
        let want: Vec<(String, String, String, f64)> = DEFAULTS_BY_NAME
            .iter()
            .map(|(c, n, t, f)| (c.to_string(), n.to_string(), t.to_string(), *f))
            .collect();
        assert_eq!(got, want);
        for m in arr(&r.body) {
            assert!(m["id"].is_i64());
            assert_eq!(m["tenant_id"], admin.tenant_id);
            assert_eq!(m["average_cost_per_gram"], Value::Null);
            assert_eq!(m["is_active"], true);
            assert!(m["created_at"].is_string());
        }
    }
    let r = app
        .post_empty("/api/v1/metals/seed", &admin.token)
        .await
        .expect(200);
    assert_eq!(r.body["created"], 0);
    assert!(r.body["message"].is_string());

    // A default removed behind the API's back comes back with its reference purity; a deactivated
    // one stays deactivated (seeding is by code).
    let owner = connect(&app.owner_url()).await;
    owner
        .execute(
            "delete from metals where tenant_id = $1 and code = 'GOLD_22K'",
            &[&admin.tenant_id],
        )
        .await
        .unwrap();
    let silver = arr(&app.get(BASE, &admin.token).await.body)
        .iter()
        .find(|m| m["code"] == "SILVER_925")
        .unwrap()["id"]
        .clone();
    app.delete(&format!("{BASE}{silver}"), &admin.token)
        .await
        .expect(200);
    let r = app
        .post_empty("/api/v1/metals/seed", &admin.token)
        .await
        .expect(200);
    assert_eq!(r.body["created"], 1);
    let list = app.get(BASE, &admin.token).await.body;
    let g22 = arr(&list).iter().find(|m| m["code"] == "GOLD_22K").unwrap();
    assert_eq!(g22["fine_percentage"], 0.916);
    assert!(arr(&list).iter().all(|m| m["code"] != "SILVER_925"));
}

#[tokio::test]
async fn create_normalises_and_answers_numbers() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Create Metal", "cmadmin").await;
    let r = app.post(BASE, rose_gold(), &admin.token).await.expect(201);
    assert_eq!(r.body["code"], "ROSE_GOLD");
    assert_eq!(r.body["name"], "Rose Gold 18K");
    assert_eq!(r.body["metal_type"], "GOLD");
    assert_eq!(r.body["fine_percentage"].as_f64(), Some(0.75));
    assert_eq!(r.body["average_cost_per_gram"].as_f64(), Some(61.5));
    assert_eq!(r.body["is_active"], true);
    assert_eq!(r.body["tenant_id"], admin.tenant_id);
    let id = r.body["id"].as_i64().unwrap();

    let got = app
        .get(&format!("{BASE}{id}"), &admin.token)
        .await
        .expect(200);
    assert_eq!(got.body["code"], "ROSE_GOLD");
    assert_eq!(got.body["average_cost_per_gram"].as_f64(), Some(61.5));

    let dup = app
        .post(
            BASE,
            json!({"code": "Rose_Gold", "name": "Again", "metal_type": "GOLD", "fine_percentage": 0.5}),
            &admin.token,
        )
        .await
        .expect(409);
    assert_eq!(dup.detail(), "Metal with code 'ROSE_GOLD' already exists");

    // Edges of the purity range, and no cost at all.
    for (code, fine) in [("PURE", 1.0), ("NONE", 0.0)] {
        let r = app
            .post(
                BASE,
                json!({"code": code, "name": code, "metal_type": "OTHER", "fine_percentage": fine}),
                &admin.token,
            )
            .await
            .expect(201);
        assert_eq!(r.body["fine_percentage"].as_f64(), Some(fine));
        assert_eq!(r.body["average_cost_per_gram"], Value::Null);
    }
    let list = app.get(BASE, &admin.token).await.body;
    let names: Vec<&str> = arr(&list)
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "ordered by name");
    assert!(names.contains(&"Rose Gold 18K"));
}

#[tokio::test]
async fn create_validates_with_string_details() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Bad Metal", "bmadmin").await;
    let with = |k: &str, v: Value| {
        let mut b = rose_gold();
        b[k] = v;
        b
    };
    let cases = [
        (with("fine_percentage", json!(1.5)), "fine_percentage: "),
        (with("fine_percentage", json!(-0.1)), "fine_percentage: "),
        (with("fine_percentage", json!(75)), "fine_percentage: "),
        (with("fine_percentage", json!("0.75")), "fine_percentage"),
        (with("metal_type", json!("COPPER")), "metal_type: "),
        (with("metal_type", json!("gold")), "metal_type: "),
        (with("name", json!("   ")), "name: "),
        (with("code", json!("  ")), "code: "),
        (with("code", json!("X".repeat(51))), "code: "),
        (
            with("average_cost_per_gram", json!(-1)),
            "average_cost_per_gram: ",
        ),
    ];
    app.expect_422s(BASE, &admin.token, cases, Detail::StartsWith)
        .await;
    let mut missing = rose_gold();
    missing.as_object_mut().unwrap().remove("fine_percentage");
    let r = app.post(BASE, missing, &admin.token).await.expect(422);
    assert!(r.detail().contains("fine_percentage"), "{}", r.detail());
}

#[tokio::test]
async fn update_edits_everything_but_the_code_and_delete_deactivates() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Edit Metal", "emadmin").await;
    let id = app
        .post(BASE, rose_gold(), &admin.token)
        .await
        .expect(201)
        .body["id"]
        .as_i64()
        .unwrap();
    let path = format!("{BASE}{id}");
    // What the edit form sends (no code).
    let r = app
        .put(
            &path,
            json!({"name": "Red Gold", "metal_type": "OTHER", "fine_percentage": 0.585,
                   "average_cost_per_gram": 40.25, "code": "IGNORED"}),
            &admin.token,
        )
        .await
        .expect(200);
    assert_eq!(r.body["code"], "ROSE_GOLD");
    assert_eq!(r.body["name"], "Red Gold");
    assert_eq!(r.body["metal_type"], "OTHER");
    assert_eq!(r.body["fine_percentage"].as_f64(), Some(0.585));
    assert_eq!(r.body["average_cost_per_gram"].as_f64(), Some(40.25));
    // Absent fields stay; null clears the cost.
    let r = app
        .put(&path, json!({"average_cost_per_gram": null}), &admin.token)
        .await
        .expect(200);
    assert_eq!(r.body["average_cost_per_gram"], Value::Null);
    assert_eq!(r.body["name"], "Red Gold");

    // Deactivate: hidden from the list, shown with include_inactive, still readable by id.
    let d = app.delete(&path, &admin.token).await.expect(200);
    assert!(d.body["message"].is_string());
    let active = app.get(BASE, &admin.token).await.body;
    assert!(arr(&active).iter().all(|m| m["id"] != id));
    let all = app
        .get(&format!("{BASE}?include_inactive=true"), &admin.token)
        .await
        .body;
    let m = arr(&all).iter().find(|m| m["id"] == id).unwrap();
    assert_eq!(m["is_active"], false);
    assert_eq!(
        app.get(&path, &admin.token).await.expect(200).body["is_active"],
        false
    );
    // Reactivate as the app does.
    let r = app
        .put(&path, json!({"is_active": true}), &admin.token)
        .await
        .expect(200);
    assert_eq!(r.body["is_active"], true);
    assert!(
        arr(&app.get(BASE, &admin.token).await.body)
            .iter()
            .any(|m| m["id"] == id)
    );

    for (body, prefix) in [
        (json!({"fine_percentage": 2}), "fine_percentage: "),
        (json!({"metal_type": "BRASS"}), "metal_type: "),
        (json!({"name": ""}), "name: "),
        (
            json!({"average_cost_per_gram": -5}),
            "average_cost_per_gram: ",
        ),
    ] {
        let r = app.put(&path, body, &admin.token).await.expect(422);
        assert!(r.detail().starts_with(prefix), "{}", r.detail());
    }
    let r = app
        .put(&format!("{BASE}424242"), json!({"name": "X"}), &admin.token)
        .await
        .expect(404);
    assert_eq!(r.detail(), "Metal with id 424242 not found");
    app.get(&format!("{BASE}424242"), &admin.token)
        .await
        .expect(404);
    app.delete(&format!("{BASE}424242"), &admin.token)
        .await
        .expect(404);
}

#[tokio::test]
async fn another_tenants_metals_are_invisible_and_untouchable() {
    let app = TestApp::spawn().await;
    let a = app.signup("Metals A", "metalsa").await;
    let b = app.signup("Metals B", "metalsb").await;
    let id = app.post(BASE, rose_gold(), &a.token).await.expect(201).body["id"]
        .as_i64()
        .unwrap();
    let path = format!("{BASE}{id}");
    app.get(&path, &b.token).await.expect(404);
    app.put(&path, json!({"name": "Stolen"}), &b.token)
        .await
        .expect(404);
    app.delete(&path, &b.token).await.expect(404);
    let theirs = app
        .get(&format!("{BASE}?include_inactive=true"), &b.token)
        .await
        .body;
    assert_eq!(arr(&theirs).len(), 6);
    assert!(arr(&theirs).iter().all(|m| m["tenant_id"] == b.tenant_id));
    // Codes are unique per tenant only.
    app.post(BASE, rose_gold(), &b.token).await.expect(201);
    assert_eq!(
        app.get(&path, &a.token).await.expect(200).body["name"],
        "Rose Gold 18K"
    );
}

#[tokio::test]
async fn staff_reads_metals_but_cannot_change_them() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Staff Metal", "smadmin").await;
    let staff = app.user_with_role(&admin, "smstaff", "staff").await;
    let manager = app.user_with_role(&admin, "smmanager", "manager").await;
    let id = arr(&app.get(BASE, &admin.token).await.body)[0]["id"]
        .as_i64()
        .unwrap();
    let path = format!("{BASE}{id}");
    app.get(BASE, &staff.token).await.expect(200);
    app.get(&path, &staff.token).await.expect(200);
    let r = app.post(BASE, rose_gold(), &staff.token).await.expect(403);
    assert!(r.detail().contains("metals:write"), "{}", r.detail());
    app.put(&path, json!({"name": "X"}), &staff.token)
        .await
        .expect(403);
    app.delete(&path, &staff.token).await.expect(403);
    app.post_empty("/api/v1/metals/seed", &staff.token)
        .await
        .expect(403);
    // Managers may.
    app.post(BASE, rose_gold(), &manager.token)
        .await
        .expect(201);
    // Without metals:read nothing is visible.
    let nobody = app
        .user_with_role(&admin, "smnobody", &["orders:read"])
        .await;
    let r = app.get(BASE, &nobody.token).await.expect(403);
    assert!(r.detail().contains("metals:read"), "{}", r.detail());
    app.get(&path, &nobody.token).await.expect(403);
    app.get("/api/v1/metals/price/GOLD_24K", &nobody.token)
        .await
        .expect(403);
}

// ---------------------------------------------------------------------------------------------
// Price lookup against a stub provider on 127.0.0.1
// ---------------------------------------------------------------------------------------------

const OK: u8 = 0;
const FAIL_STATUS: u8 = 1;
const FAIL_BODY: u8 = 2;

/// (path, Authorization header) of each request the stub received.
type Seen = Arc<Mutex<Vec<(String, Option<String>)>>>;

/// A tiny HTTP/1.1 provider: `/price/gold` 65.5, `/price/silver` 0.85, `/price/platinum` 31.25.
/// It counts requests, records the path and Authorization header of each, and can be switched to
/// answer 503 or a body without a price.
struct Stub {
    url: String,
    hits: Arc<AtomicUsize>,
    mode: Arc<AtomicU8>,
    seen: Seen,
}

impl Stub {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/v1", listener.local_addr().unwrap());
        let hits = Arc::new(AtomicUsize::new(0));
        let mode = Arc::new(AtomicU8::new(OK));
        let seen: Seen = Arc::new(Mutex::new(Vec::new()));
        let (h, m, s) = (hits.clone(), mode.clone(), seen.clone());
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let mut r = BufReader::new(sock);
                let Ok(Some(req)) = read_request(&mut r).await else {
                    continue;
                };
                let path = req.path.clone();
                let auth = req.header("authorization").map(str::to_string);
                h.fetch_add(1, Ordering::SeqCst);
                s.lock().unwrap().push((path.clone(), auth));
                let price = match path.as_str() {
                    "/v1/price/gold" => Some(65.5),
                    "/v1/price/silver" => Some(0.85),
                    "/v1/price/platinum" => Some(31.25),
                    _ => None,
                };
                let (status, body) = match (m.load(Ordering::SeqCst), price) {
                    (OK, Some(p)) => (200, format!("{{\"price_per_gram\": {p}}}")),
                    (FAIL_BODY, _) => (200, "{\"price\": \"soon\"}".to_string()),
                    (_, None) => (404, "{}".to_string()),
                    _ => (503, "{}".to_string()),
                };
                let headers = [
                    ("content-type", "application/json".to_string()),
                    ("connection", "close".to_string()),
                ];
                let sock = r.get_mut();
                let _ = write_response(sock, status, &headers, body.as_bytes()).await;
                let _ = sock.shutdown().await;
            }
        });
        Stub {
            url,
            hits,
            mode,
            seen,
        }
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    fn set(&self, mode: u8) {
        self.mode.store(mode, Ordering::SeqCst);
    }

    fn last(&self) -> (String, Option<String>) {
        self.seen.lock().unwrap().last().cloned().unwrap()
    }
}

async fn price_app(stub: &Stub, extra: &[(&str, &str)]) -> (TestApp, Session) {
    let mut config = vec![("METAL_PRICE_API_URL", stub.url.as_str())];
    config.extend_from_slice(extra);
    let app = TestApp::spawn_with(&config, false).await;
    let admin = app.signup("Price Co", "priceadmin").await;
    (app, admin)
}

async fn price(app: &TestApp, s: &Session, code: &str) -> Value {
    app.get(&format!("/api/v1/metals/price/{code}"), &s.token)
        .await
        .expect(200)
        .body
}

#[tokio::test]
async fn price_miss_fetches_then_the_cache_answers() {
    let stub = Stub::start().await;
    let (app, admin) = price_app(&stub, &[("METAL_PRICE_API_KEY", "test-key")]).await;
    let staff = app.user_with_role(&admin, "pricestaff", "staff").await;

    let p = price(&app, &staff, "gold_18k").await;
    assert_eq!(p["metal_code"], "GOLD_18K");
    assert_eq!(p["price_per_gram"].as_f64(), Some(65.5));
    assert_eq!(p["currency"], "USD");
    assert_eq!(p["cached"], false);
    assert_eq!(p["stale"], false);
    assert!(p["fetched_at"].is_string());
    assert_eq!(stub.hits(), 1);
    assert_eq!(
        stub.last(),
        ("/v1/price/gold".to_string(), Some("Bearer test-key".into()))
    );

    // Any gold code now comes from the cache, without a second request.
    let p = price(&app, &admin, "GOLD_24K").await;
    assert_eq!(p["metal_code"], "GOLD_24K");
    assert_eq!(p["price_per_gram"].as_f64(), Some(65.5));
    assert_eq!(p["cached"], true);
    assert_eq!(p["stale"], false);
    assert_eq!(stub.hits(), 1);

    // Other categories are fetched on their own.
    let p = price(&app, &admin, "SILVER_925").await;
    assert_eq!(p["price_per_gram"].as_f64(), Some(0.85));
    let p = price(&app, &admin, "PLATINUM").await;
    assert_eq!(p["price_per_gram"].as_f64(), Some(31.25));
    assert_eq!(stub.hits(), 3);
    assert_eq!(stub.last().0, "/v1/price/platinum");

    // The cache is global (prices are not tenant data): another tenant gets the cached price.
    let other = app.signup("Other Price Co", "otherprice").await;
    let p = price(&app, &other, "GOLD_14K").await;
    assert_eq!(p["cached"], true);
    assert_eq!(stub.hits(), 3);
}

#[tokio::test]
async fn unsupported_codes_are_null_without_asking_the_provider() {
    let stub = Stub::start().await;
    let (app, admin) = price_app(&stub, &[]).await;
    for code in ["PALLADIUM", "OTHER", "WHITE_GOLD", "BRASS"] {
        assert_eq!(price(&app, &admin, code).await, Value::Null, "{code}");
    }
    assert_eq!(stub.hits(), 0);
}

#[tokio::test]
async fn expired_prices_are_refetched_and_served_stale_when_the_provider_fails() {
    let stub = Stub::start().await;
    let (app, admin) = price_app(&stub, &[("METAL_PRICE_CACHE_TTL_MINUTES", "0")]).await;
    let first = price(&app, &admin, "GOLD_18K").await;
    assert_eq!(first["cached"], false);
    assert_eq!(stub.hits(), 1);
    // TTL 0: the cached row is already expired, so the next call fetches again.
    let second = price(&app, &admin, "GOLD_18K").await;
    assert_eq!(second["cached"], false);
    assert_eq!(stub.hits(), 2);
    // No key configured: no Authorization header at all.
    assert_eq!(stub.last(), ("/v1/price/gold".to_string(), None));

    for mode in [FAIL_STATUS, FAIL_BODY] {
        stub.set(mode);
        let before = stub.hits();
        let p = price(&app, &admin, "GOLD_22K").await;
        assert_eq!(stub.hits(), before + 1, "the provider was asked");
        assert_eq!(p["metal_code"], "GOLD_22K");
        assert_eq!(p["price_per_gram"].as_f64(), Some(65.5));
        assert_eq!(p["stale"], true);
        assert_eq!(p["cached"], true);
        assert_eq!(p["fetched_at"], second["fetched_at"]);
    }
    // Recovery: fresh again.
    stub.set(OK);
    let p = price(&app, &admin, "GOLD_22K").await;
    assert_eq!(p["stale"], false);
    assert_eq!(p["cached"], false);
}

#[tokio::test]
async fn provider_failure_without_a_cached_price_is_null() {
    let stub = Stub::start().await;
    let (app, admin) = price_app(&stub, &[]).await;
    stub.set(FAIL_STATUS);
    assert_eq!(price(&app, &admin, "SILVER_925").await, Value::Null);
    assert_eq!(stub.hits(), 1);
    let owner = connect(&app.owner_url()).await;
    let n: i64 = owner
        .query_one("select count(*) from metal_prices", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 0, "failures are not cached");
}

#[tokio::test]
async fn without_a_provider_url_the_last_cached_price_is_served_stale() {
    let app = TestApp::spawn().await;
    let admin = app.signup("No Provider", "noprovider").await;
    assert_eq!(price(&app, &admin, "GOLD_24K").await, Value::Null);
    let owner = connect(&app.owner_url()).await;
    owner
        .execute(
            "insert into metal_prices (metal_category, price_per_gram, currency, fetched_at, expires_at)
             values ('GOLD', 70.125, 'USD', now() - interval '2 hours', now() - interval '1 hour')",
            &[],
        )
        .await
        .unwrap();
    let p = price(&app, &admin, "GOLD_24K").await;
    assert_eq!(p["price_per_gram"].as_f64(), Some(70.125));
    assert_eq!(p["stale"], true);
    // A still-valid row is a plain cache hit.
    owner
        .execute(
            "update metal_prices set expires_at = now() + interval '1 hour'",
            &[],
        )
        .await
        .unwrap();
    let p = price(&app, &admin, "GOLD_24K").await;
    assert_eq!(p["stale"], false);
    assert_eq!(p["cached"], true);
}

#[tokio::test]
async fn purities_and_costs_are_exact_decimals() {
    let app = TestApp::spawn().await;
    let admin = app.signup("Exact Metal", "exactmetal").await;
    let r = app
        .post(
            BASE,
            json!({"code": "TENTH", "name": "Tenth", "metal_type": "OTHER",
                   "fine_percentage": 0.1, "average_cost_per_gram": 0.3}),
            &admin.token,
        )
        .await
        .expect(201);
    assert_eq!(r.body["fine_percentage"].to_string(), "0.1");
    assert_eq!(r.body["average_cost_per_gram"].to_string(), "0.3");
    let id = r.body["id"].as_i64().unwrap();
    let owner = connect(&app.owner_url()).await;
    let row = owner
        .query_one(
            "select fine_percentage::text, average_cost_per_gram::text from metals where id = $1",
            &[&id],
        )
        .await
        .unwrap();
    assert_eq!(
        (row.get::<_, String>(0), row.get::<_, String>(1)),
        ("0.1000".to_string(), "0.3000".to_string())
    );
    // 91.6 / 100 in JavaScript is 0.9159999999999999: stored and answered as 0.916.
    let r = app
        .put(
            &format!("{BASE}{id}"),
            json!({"fine_percentage": 0.9159999999999999, "average_cost_per_gram": 61.12345}),
            &admin.token,
        )
        .await
        .expect(200);
    assert_eq!(r.body["fine_percentage"].to_string(), "0.916");
    assert_eq!(r.body["average_cost_per_gram"].to_string(), "61.1235");
    for (body, prefix) in [
        (
            json!({"fine_percentage": 1.00001}),
            "fine_percentage: must be a fraction",
        ),
        (
            json!({"average_cost_per_gram": 1e12}),
            "average_cost_per_gram: must be less than",
        ),
        (
            json!({"average_cost_per_gram": "61.5"}),
            "average_cost_per_gram: invalid type",
        ),
    ] {
        let r = app
            .put(&format!("{BASE}{id}"), body.clone(), &admin.token)
            .await
            .expect(422);
        assert!(r.detail().starts_with(prefix), "{body}: {}", r.detail());
    }
    // Numbers past f64 (and NaN, which JSON has not) are refused by the JSON parser, naming the field.
    for raw in [
        r#"{"fine_percentage": 1e400}"#,
        r#"{"fine_percentage": NaN}"#,
    ] {
        let r = app
            .call(
                "PUT",
                &format!("{BASE}{id}"),
                Body::Raw("application/json", raw.as_bytes().to_vec()),
                Some(&admin.token),
            )
            .await
            .expect(422);
        assert!(
            r.detail().contains("fine_percentage") || raw.contains("NaN"),
            "{raw}: {}",
            r.detail()
        );
    }
}

#[tokio::test]
async fn every_amount_column_has_a_precision_and_scale() {
    let app = TestApp::spawn().await;
    let owner = connect(&app.owner_url()).await;
    let rows = owner
        .query(
            "select table_name::text, column_name::text, numeric_precision, numeric_scale
               from information_schema.columns
              where table_schema = 'public' and data_type = 'numeric'
              order by 1, 2",
            &[],
        )
        .await
        .unwrap();
    let unconstrained: Vec<String> = rows
        .iter()
        .filter(|r| r.get::<_, Option<i32>>(2).is_none())
        .map(|r| format!("{}.{}", r.get::<_, String>(0), r.get::<_, String>(1)))
        .collect();
    assert!(
        unconstrained.is_empty(),
        "unconstrained numeric: {unconstrained:?}"
    );
    // At most 15 significant digits each: exact as JSON numbers for a JavaScript client.
    for r in &rows {
        let precision: Option<i32> = r.get(2);
        assert!(
            precision.unwrap() <= 15,
            "{}.{}",
            r.get::<_, String>(0),
            r.get::<_, String>(1)
        );
    }
    let scale_of = |table: &str, column: &str| {
        rows.iter()
            .find(|r| r.get::<_, String>(0) == table && r.get::<_, String>(1) == column)
            .map(|r| (r.get::<_, Option<i32>>(2), r.get::<_, Option<i32>>(3)))
    };
    assert_eq!(
        scale_of("metals", "fine_percentage"),
        Some((Some(5), Some(4)))
    );
    assert_eq!(
        scale_of("department_ledger_entries", "fine_weight"),
        Some((Some(14), Some(4)))
    );
    assert_eq!(
        scale_of("order_line_items", "price"),
        Some((Some(14), Some(2)))
    );
    assert_eq!(
        scale_of("metal_prices", "price_per_gram"),
        Some((Some(14), Some(4)))
    );
    assert_eq!(
        scale_of("departments", "loss_tolerance_percent"),
        Some((Some(5), Some(2)))
    );
    assert_eq!(
        scale_of("department_balances", "fine_weight"),
        Some((Some(14), Some(4)))
    );
    for column in ["weight", "fine_weight"] {
        assert_eq!(scale_of("shipments", column), Some((Some(14), Some(4))));
    }
    assert_eq!(
        scale_of("ledger_unit_totals", "fine_out"),
        Some((Some(14), Some(4)))
    );
    assert_eq!(rows.len(), 33);
}

#[tokio::test]
async fn rows_are_read_by_column_name_whatever_the_select_order() {
    use shared::app::FromRow;
    let app = TestApp::spawn().await;
    let admin = app.signup("Row Order", "roworder").await;
    let created = app.post(BASE, rose_gold(), &admin.token).await.expect(201);
    let id = created.body["id"].as_i64().unwrap();
    let owner = connect(&app.owner_url()).await;
    // The select list of the repository, reversed: every field still lands where it belongs.
    let row = owner
        .query_one(
            "select updated_at, created_at, is_active, average_cost_per_gram, fine_percentage,
                    metal_type, name, code, tenant_id, id
               from metals where id = $1",
            &[&id],
        )
        .await
        .unwrap();
    let metal = shared::app::metals::MetalRow::from_row(&row).unwrap();
    assert_eq!(serde_json::to_value(&metal).unwrap(), created.body);
    // A column that is missing is an error naming it, not a panic or a swapped field.
    let row = owner
        .query_one("select id, code from metals where id = $1", &[&id])
        .await
        .unwrap();
    let e = shared::app::metals::MetalRow::from_row(&row).unwrap_err();
    assert!(e.to_string().contains("reading column tenant_id"), "{e}");
}
