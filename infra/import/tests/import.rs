//! The import against a real throwaway PostgreSQL: an old-service database built from the documented
//! old schema (tests/fixture), imported into a migrated database of ours, verified, imported again,
//! grown on the old side and imported once more; the imported users log in through the real login
//! endpoint; the tenants stay apart; --dry-run writes nothing; --fix applies the corrections; and
//! verify fails on a difference nobody reported.

// Test helpers panic on a broken fixture, which is the failure they should report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use import::{Options, Report, TenantReport, Tenants};
use serde_json::Value;
use shared::Ctx;
use shared::config::Config;
use shared::db::Db;
use testkit::event::{EventInput, rest_v1_event, to_request};
use testkit::pgembed::PgServer;

const OLD_SCHEMA: &str = include_str!("fixture/old_schema.sql");
const OLD_DATA: &str = include_str!("fixture/old_data.sql");

const PASSWORDS: &[(&str, &str)] = &[
    ("alice", "alice-old-password"),
    ("Bob.Smith", "bob-old-password"),
    ("carol", "carol-old-password"),
    ("dave", "dave-old-password"),
    ("eve smith", "eve-old-password"),
    ("ALICE", "alice2-old-password"),
];

/// A connection of the tools' kind (`shared::db::connect`), for what a test checks or sets up.
async fn connect(url: &str) -> tokio_postgres::Client {
    shared::db::connect(url).await.expect("connect")
}

struct Stack {
    server: PgServer,
    old_url: String,
    owner_url: String,
    runtime_url: String,
}

/// A server with the old database (`old_service`, owned by a plain role that is not ours) and one
/// migrated database of ours.
async fn stack(label: &str, ours: &str) -> Stack {
    let (server, _root) =
        PgServer::throwaway(label, &Default::default()).expect("start PostgreSQL");
    let (owner_url, runtime_url) = testkit::pgembed::bootstrap(&server, ours)
        .await
        .expect("bootstrap");
    let admin = connect(&server.url("postgres", "postgres")).await;
    admin
        .batch_execute("create role jewelry_user login")
        .await
        .expect("old role");
    admin
        .batch_execute("create database old_service owner jewelry_user")
        .await
        .expect("old database");
    let old_url = server.url("jewelry_user", "old_service");
    let old = connect(&old_url).await;
    old.batch_execute(OLD_SCHEMA).await.expect("old schema");
    old.batch_execute(OLD_DATA).await.expect("old data");
    for (user, password) in PASSWORDS {
        let hash = bcrypt::hash(password, 4).expect("hash");
        old.execute(
            "update users set hashed_password = $1 where username = $2",
            &[&hash, user],
        )
        .await
        .expect("password");
    }
    let mut owner = connect(&owner_url).await;
    shared::migrate::up(&mut owner).await.expect("migrate");
    Stack {
        server,
        old_url,
        owner_url,
        runtime_url,
    }
}

fn opts(s: &Stack) -> Options {
    Options::new(&s.old_url, &s.owner_url)
}

fn tenant(r: &Report, old: i64) -> &TenantReport {
    r.tenants
        .iter()
        .find(|t| t.old_tenant_id == old)
        .unwrap_or_else(|| panic!("no tenant {old} in\n{r}"))
}

fn kinds(t: &TenantReport) -> Vec<(String, String, i64)> {
    t.anomalies
        .iter()
        .map(|a| (a.kind.clone(), a.entity.clone(), a.old_id))
        .collect()
}

async fn count(db: &tokio_postgres::Client, sql: &str) -> i64 {
    db.query_one(sql, &[]).await.expect(sql).get::<_, i64>(0)
}

fn config() -> Config {
    let map: HashMap<&str, &str> = [
        ("APP_ENV", "test"),
        ("SECRET_KEY", "test-secret-key-test-secret-key-0123456789"),
        ("BCRYPT_COST", "4"),
    ]
    .into();
    Config::from_lookup(|k| map.get(k).map(|v| v.to_string())).expect("config")
}

/// One request through the real endpoint, as API Gateway would hand it to the function.
async fn call(
    ctx: &Ctx,
    method: &str,
    path: &str,
    form: Option<&[(&str, &str)]>,
    token: Option<&str>,
) -> (u16, Value) {
    let (endpoint, params) = functions::routes::find(method, path).expect("route");
    let mut headers = vec![("user-agent".to_string(), "import-tests".to_string())];
    let body = form.map(|pairs| {
        headers.push((
            "content-type".into(),
            "application/x-www-form-urlencoded".into(),
        ));
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", v.replace(' ', "+")))
            .collect::<Vec<_>>()
            .join("&")
            .into_bytes()
    });
    if let Some(t) = token {
        headers.push(("authorization".into(), format!("Bearer {t}")));
    }
    let event = rest_v1_event(&EventInput {
        method,
        resource: endpoint.path,
        path,
        stage: "prod",
        path_params: &params,
        query: &[],
        headers: &headers,
        body: body.as_deref(),
        source_ip: "127.0.0.1",
        request_id: "import-test",
    });
    let resp = shared::http::dispatch(ctx, endpoint, to_request(&event).expect("event")).await;
    let status = resp.status().as_u16();
    let body = match resp.into_body() {
        lambda_http::Body::Text(t) => serde_json::from_str(&t).unwrap_or(Value::String(t)),
        lambda_http::Body::Binary(b) => serde_json::from_slice(&b).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    (status, body)
}

async fn login(ctx: &Ctx, user: &str, password: &str) -> (u16, Value) {
    call(
        ctx,
        "POST",
        "/api/v1/auth/login",
        Some(&[("username", user), ("password", password)]),
        None,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_verify_reimport_grow_login_isolate() {
    let s = stack("import-test-pg", "ours").await;
    let ours = connect(&s.owner_url).await;

    // --dry-run: everything is done and reported, then rolled back.
    let mut o = opts(&s);
    o.dry_run = true;
    o.rename_invalid = true;
    let dry = import::run(&o).await.expect("dry run");
    assert!(dry.clean(), "{dry}");
    assert_eq!(tenant(&dry, 1).entities["orders"].inserted, 3, "{dry}");
    for table in [
        "tenants",
        "import_map",
        "import_runs",
        "orders",
        "audit_log",
    ] {
        assert_eq!(
            count(&ours, &format!("select count(*) from {table}")).await,
            0,
            "--dry-run left rows in {table}"
        );
    }

    // Without --rename-invalid tenant 2 stops with its usernames listed; tenant 1 goes in.
    let first = import::run(&opts(&s)).await.expect("first import");
    assert!(
        !first.clean(),
        "a stopped tenant makes the run fail:\n{first}"
    );
    let stopped = tenant(&first, 2).stopped.clone().expect("tenant 2 stopped");
    assert!(
        stopped.contains("'eve smith'") && stopped.contains("'ALICE'"),
        "{stopped}"
    );
    assert!(tenant(&first, 1).stopped.is_none(), "{first}");
    assert_eq!(
        count(&ours, "select count(*) from tenants").await,
        1,
        "tenant 2 wrote nothing"
    );

    // With it, tenant 2 arrives and tenant 1 is left as it was.
    let mut o = opts(&s);
    o.rename_invalid = true;
    let second = import::run(&o).await.expect("second import");
    assert!(second.clean(), "{second}");
    let t1 = tenant(&second, 1);
    assert!(
        t1.entities
            .values()
            .all(|c| c.inserted == 0 && c.updated == 0),
        "tenant 1 unchanged: {second}"
    );
    let t2 = tenant(&second, 2);
    let k2 = kinds(t2);
    for expected in [
        ("invalid_username", "users", 5),
        ("username_clash", "users", 6),
        ("cross_tenant_reference", "order_line_items", 5),
        ("cross_tenant_reference", "shipments", 2),
    ] {
        let e = (expected.0.to_string(), expected.1.to_string(), expected.2);
        assert!(k2.contains(&e), "{expected:?} missing: {second}");
    }
    assert_eq!(t2.entities["order_line_items"].skipped, 1);
    assert!(
        t2.roles
            .iter()
            .any(|r| r.old_name.contains("another tenant") && r.mapped_to == "staff"),
        "{second}"
    );

    // Tenant 1's anomalies, from the first run.
    let t1 = tenant(&first, 1);
    let k1 = kinds(t1);
    for expected in [
        ("dropped_value", "companies", 1),
        ("order_company_mismatch", "orders", 3),
        ("unreversed_casting_deduction", "metal_transactions", 4),
        ("unreversed_casting_deduction", "metal_transactions", 5),
        ("safe_differs_from_transactions", "safe_supplies", 0),
    ] {
        let e = (expected.0.to_string(), expected.1.to_string(), expected.2);
        assert!(k1.contains(&e), "{expected:?} missing: {first}");
    }
    assert!(
        t1.roundings_total() >= 4,
        "price 0.1+0.2, labour 55.555, costs: {first}"
    );
    assert_eq!(t1.roundings.get("order_line_items.labor_cost"), Some(&1));
    assert_eq!(
        t1.order_counter,
        Some(3),
        "past ORD-1-000003 and the legacy ORD-1-00002"
    );
    let v = t1.verification.as_ref().expect("verification");
    assert!(v.differences.is_empty(), "{first}");
    assert!(
        v.lines
            .iter()
            .any(|l| l.what == "count" && l.key == "orders" && l.status == "equal"),
        "{first}"
    );

    // What arrived, as the old side had it.
    let t1_id = t1.tenant_id.expect("tenant id");
    let t2_id = t2.tenant_id.expect("tenant id");
    let row = ours
        .query_one(
            "select o.order_number, o.created_at = '2024-03-01 10:00:00+00' as utc, c.name as company
               from orders o join companies c on c.id = o.company_id
              where o.tenant_id = $1 and o.order_number = 'ORD-1-00002'",
            &[&t1_id],
        )
        .await
        .expect("legacy order");
    assert_eq!(row.get::<_, String>("company"), "Beta Retail");
    let mismatch: String = ours
        .query_one(
            "select c.name from orders o join companies c on c.id = o.company_id
              where o.tenant_id = $1 and o.order_number = 'ORD-1-000003'",
            &[&t1_id],
        )
        .await
        .expect("order 3")
        .get(0);
    assert_eq!(mismatch, "Acme Jewels", "imported as is without --fix");
    let roles: Vec<(String, String)> = ours
        .query(
            "select u.username, r.name from users u join roles r on r.id = u.role_id order by u.username",
            &[],
        )
        .await
        .expect("users")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let want: Vec<(String, String)> = [
        ("alice", "admin"),
        ("alice-6", "staff"),
        ("bob.smith", "staff"),
        ("carol", "staff"),
        ("dave", "manager"),
        ("eve_smith", "staff"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(roles, want);
    // An imported tenant has exactly the system roles and permissions a signed-up one has.
    let perms: Vec<(String, i64)> = ours
        .query(
            "select r.name, count(rp.permission_id) from roles r
               left join role_permissions rp on rp.role_id = r.id
              where r.tenant_id = $1 group by r.name order by r.name",
            &[&t1_id],
        )
        .await
        .expect("roles")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let expected: Vec<(String, i64)> = ["admin", "manager", "staff"]
        .iter()
        .map(|n| {
            (
                n.to_string(),
                shared::domain::permissions::system_role_permissions(n).len() as i64,
            )
        })
        .collect();
    assert_eq!(perms, expected);
    let audit = count(
        &ours,
        "select count(*) from audit_log where action = 'import' and entity_type = 'tenant'",
    )
    .await;
    // First run: tenant 1 (tenant 2 stopped, rolled back); second: both.
    assert_eq!(
        audit, 3,
        "one audit entry per committed tenant run, none per row"
    );
    let summary: Value = ours
        .query_one(
            "select after from audit_log where tenant_id = $1 order by id desc limit 1",
            &[&t2_id],
        )
        .await
        .expect("audit row")
        .get(0);
    assert_eq!(summary["old_tenant_id"], 2);
    assert_eq!(summary["counts"]["orders"]["inserted"], 1);
    assert_eq!(summary["anomalies"], t2.anomalies.len());

    // A third run brings nothing.
    let third = import::run(&o).await.expect("third import");
    assert!(third.clean(), "{third}");
    for t in &third.tenants {
        for (name, c) in &t.entities {
            assert_eq!(
                (c.inserted, c.updated),
                (0, 0),
                "{name} changed on a re-run:\n{third}"
            );
        }
    }

    // The old side grows and changes; the next run brings exactly that.
    let old = connect(&s.old_url).await;
    old.batch_execute(
        "insert into orders (id, tenant_id, order_number, contact_id, company_id, created_at, updated_at)
             values (5, 1, 'ORD-1-000004', 1, 1, '2024-05-01 10:00:00', '2024-05-01 10:00:00');
         insert into order_line_items (id, tenant_id, order_id, product_description, quantity, price)
             values (6, 1, 5, 'Earrings', 2, 120);
         insert into metal_transactions (id, tenant_id, transaction_type, metal_id, company_id, quantity_grams,
                                         notes, created_at, created_by)
             values (8, 1, 'COMPANY_DEPOSIT', 1, 1, 25, 'Second deposit', '2024-05-01 11:00:00', 1);
         update company_metal_balances set balance_grams = 125 where id = 1;
         update safe_supplies set quantity_grams = 175 where id = 1;
         update companies set phone = '+1 555 0201' where id = 2;
         delete from lookup_values where id = 2;",
    )
    .await
    .expect("grow the old side");
    // Before they are imported, verify alone sees them missing here.
    let mut v = opts(&s);
    v.verify_only = true;
    let behind = import::run(&v).await.expect("verify");
    assert!(!behind.clean(), "{behind}");
    let missing: Vec<&str> = tenant(&behind, 1)
        .verification
        .as_ref()
        .expect("v")
        .differences
        .iter()
        .map(|l| l.key.as_str())
        .collect();
    assert!(
        missing.contains(&"orders") && missing.contains(&"order_line_items"),
        "{behind}"
    );
    let fourth = import::run(&o).await.expect("fourth import");
    assert!(fourth.clean(), "{fourth}");
    let t1 = tenant(&fourth, 1);
    assert_eq!(t1.entities["orders"].inserted, 1, "{fourth}");
    assert_eq!(t1.entities["order_line_items"].inserted, 1);
    assert_eq!(t1.entities["metal_transactions"].inserted, 1);
    assert_eq!(
        (
            t1.entities["companies"].updated,
            t1.entities["companies"].inserted
        ),
        (1, 0)
    );
    assert_eq!(t1.order_counter, Some(4));
    let lookups = t1
        .verification
        .as_ref()
        .expect("v")
        .lines
        .iter()
        .find(|l| l.key == "lookup_values")
        .expect("lookup_values line")
        .clone();
    assert_eq!(
        (
            lookups.old.as_str(),
            lookups.new.as_str(),
            lookups.status.as_str()
        ),
        ("1", "2", "1 deleted on the old side since (kept here)"),
        "the import deletes nothing, and says so"
    );
    let moved: i64 = count(
        &ours,
        &format!(
            "select count(*) from tenants t where t.id = {t1_id}
               and (select balance_grams from company_metal_balances b join companies c on c.id = b.company_id
                     join metals m on m.id = b.metal_id
                     where b.tenant_id = t.id and c.name = 'Acme Jewels' and m.code = 'GOLD_24K') = 125"
        ),
    )
    .await;
    assert_eq!(moved, 1, "the new deposit is in the balance");
    assert!(
        tenant(&fourth, 2)
            .entities
            .values()
            .all(|c| c.inserted == 0 && c.updated == 0),
        "{fourth}"
    );

    // Imported users log in with their old passwords, through the real login endpoint.
    let ctx = Ctx::new(
        config(),
        Db::single(&s.runtime_url, &config().database_timeouts),
    );
    let (status, _) = login(&ctx, "alice", "alice-old-password").await;
    assert_eq!(status, 200, "alice logs in with her old password");
    let (status, _) = login(&ctx, "alice", "not-her-password").await;
    assert_eq!(status, 401, "a wrong password is still refused");
    let (status, _) = login(&ctx, "Bob.Smith", "bob-old-password").await;
    assert_eq!(
        status, 200,
        "a mixed-case old username logs in (stored lower-case)"
    );
    let (status, body) = login(&ctx, "dave", "dave-old-password").await;
    assert_eq!(status, 200, "{body}");
    let dave = body["access_token"].as_str().expect("token").to_string();

    // The two tenants stay apart: dave sees his Acme Jewels only, not tenant 1's of the same name.
    let (status, list) = call(&ctx, "GET", "/api/v1/companies/", None, Some(&dave)).await;
    assert_eq!(status, 200, "{list}");
    let names: Vec<&str> = list
        .as_array()
        .or_else(|| list["items"].as_array())
        .expect("a list")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, ["Acme Jewels"]);
    let acme1: i64 = ours
        .query_one(
            "select id from companies where tenant_id = $1 and name = 'Acme Jewels'",
            &[&t1_id],
        )
        .await
        .expect("acme 1")
        .get(0);
    let acme2: i64 = ours
        .query_one(
            "select id from companies where tenant_id = $1 and name = 'Acme Jewels'",
            &[&t2_id],
        )
        .await
        .expect("acme 2")
        .get(0);
    let (own, _) = call(
        &ctx,
        "GET",
        &format!("/api/v1/companies/{acme2}"),
        None,
        Some(&dave),
    )
    .await;
    assert_eq!(own, 200, "positive control: his own company");
    let (other, _) = call(
        &ctx,
        "GET",
        &format!("/api/v1/companies/{acme1}"),
        None,
        Some(&dave),
    )
    .await;
    assert_eq!(
        other, 404,
        "the other tenant's company does not exist for him"
    );

    // --verify alone: clean; then a difference nobody reported makes it fail.
    let mut v = opts(&s);
    v.verify_only = true;
    let clean = import::run(&v).await.expect("verify");
    assert!(clean.clean(), "{clean}");
    ours.execute(
        "update company_metal_balances set balance_grams = balance_grams + 1
          where tenant_id = $1 and company_id = $2",
        &[&t1_id, &acme1],
    )
    .await
    .expect("tamper");
    let dirty = import::run(&v).await.expect("verify");
    assert!(
        !dirty.clean(),
        "a balance changed behind the import's back:\n{dirty}"
    );
    let diffs = &tenant(&dirty, 1)
        .verification
        .as_ref()
        .expect("v")
        .differences;
    assert!(
        diffs.iter().all(|l| l.what == "company_balance") && !diffs.is_empty(),
        "{dirty}"
    );
    assert!(
        tenant(&dirty, 2)
            .verification
            .as_ref()
            .expect("v")
            .differences
            .is_empty()
    );

    // Bad input is refused with what is wrong.
    let mut bad = opts(&s);
    bad.tenants = Tenants::One(99);
    let e = import::run(&bad).await.expect_err("no tenant 99");
    assert!(e.to_string().contains("no tenant 99"), "{e}");
    let mut bad = opts(&s);
    bad.zone = "Mars/Olympus_Mons".into();
    let e = import::run(&bad).await.expect_err("bad zone");
    assert!(e.to_string().contains("--zone"), "{e}");
    s.server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fix_applies_the_documented_corrections() {
    let s = stack("import-fix-test-pg", "ours_fixed").await;
    let ours = connect(&s.owner_url).await;
    let mut o = opts(&s);
    o.fix = true;
    o.rename_invalid = true;
    o.tenants = Tenants::One(1);
    o.zone = "Europe/Berlin".into();
    let r = import::run(&o).await.expect("import --fix");
    assert!(r.clean(), "{r}");
    let t = tenant(&r, 1);
    assert_eq!(r.tenants.len(), 1, "--tenant 1 imports only tenant 1");
    let fixed: Vec<&str> = t
        .anomalies
        .iter()
        .filter(|a| a.action.starts_with("fixed"))
        .map(|a| a.kind.as_str())
        .collect();
    assert!(fixed.contains(&"order_company_mismatch"), "{r}");
    assert_eq!(
        fixed
            .iter()
            .filter(|k| **k == "unreversed_casting_deduction")
            .count(),
        2,
        "{r}"
    );
    assert!(fixed.contains(&"safe_differs_from_transactions"), "{r}");
    let tid = t.tenant_id.expect("tenant");
    let balance = |company: &'static str, metal: &'static str| {
        let ours = &ours;
        async move {
            ours.query_one(
                "select b.balance_grams::text from company_metal_balances b
                   join companies c on c.id = b.company_id join metals m on m.id = b.metal_id
                  where b.tenant_id = $1 and c.name = $2 and m.code = $3",
                &[&tid, &company, &metal],
            )
            .await
            .expect("balance")
            .get::<_, String>(0)
        }
    };
    assert_eq!(
        balance("Acme Jewels", "GOLD_18K").await,
        "-48.0000",
        "64 g x 0.75, the edit's deduction only"
    );
    assert_eq!(
        balance("Beta Retail", "GOLD_18K").await,
        "0.0000",
        "the deleted entry's deduction reversed"
    );
    assert_eq!(balance("Acme Jewels", "GOLD_24K").await, "100.0000");
    // The safe equals its transactions: 24K deposit + purchase; 18K the metal issued to casting.
    let safe: Vec<(String, String)> = ours
        .query(
            "select m.code, s.quantity_grams::text from safe_supplies s join metals m on m.id = s.metal_id
              where s.tenant_id = $1 and s.supply_type = 'FINE_METAL' order by m.code",
            &[&tid],
        )
        .await
        .expect("safe")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        safe,
        [
            ("GOLD_18K".to_string(), "-48.0000".to_string()),
            ("GOLD_24K".to_string(), "150.0000".to_string())
        ]
    );
    let company: String = ours
        .query_one(
            "select c.name from orders o join companies c on c.id = o.company_id
              where o.tenant_id = $1 and o.order_number = 'ORD-1-000003'",
            &[&tid],
        )
        .await
        .expect("order 3")
        .get(0);
    assert_eq!(
        company, "Beta Retail",
        "the order follows its contact's company"
    );
    // Naive old timestamps read in the given zone: 10:00 in Berlin (CET) is 09:00 UTC.
    let at: bool = ours
        .query_one(
            "select created_at = '2024-03-01 09:00:00+00' from orders
              where tenant_id = $1 and order_number = 'ORD-1-000001'",
            &[&tid],
        )
        .await
        .expect("created_at")
        .get(0);
    assert!(at);
    // Another manufacturer's own old database also starts at tenant 1: it becomes a tenant of its
    // own, and the first one's rows are left alone.
    let admin = connect(&s.server.url("postgres", "postgres")).await;
    admin
        .batch_execute("create database second_service owner jewelry_user")
        .await
        .expect("second old database");
    let second_url = s.server.url("jewelry_user", "second_service");
    let second = connect(&second_url).await;
    second.batch_execute(OLD_SCHEMA).await.expect("schema");
    second
        .batch_execute(
            "insert into tenants (id, name, subdomain, created_at) values (1, 'Other Jewelers', 'other', '2023-05-05 10:00:00');
             insert into companies (id, tenant_id, name) values (1, 1, 'Acme Jewels');
             insert into users (id, tenant_id, username, hashed_password) values (1, 1, 'other-admin', 'x');
             insert into metals (id, tenant_id, code, name, metal_type, fine_percentage)
                 values (1, 1, 'GOLD_24K', 'Gold 24K', 'GOLD', 0.999);
             -- A deposit whose balance and safe rows the old side does not have.
             insert into metal_transactions (tenant_id, transaction_type, metal_id, company_id, quantity_grams, created_by)
                 values (1, 'COMPANY_DEPOSIT', 1, 1, 5, 1);",
        )
        .await
        .expect("second old data");
    let mut o2 = Options::new(&second_url, &s.owner_url);
    o2.tenants = Tenants::One(1);
    let r2 = import::run(&o2).await.expect("second database");
    assert!(r2.clean(), "{r2}");
    let other = tenant(&r2, 1);
    assert_ne!(other.tenant_id, Some(tid), "a tenant of its own: {r2}");
    assert_eq!(other.entities["companies"].inserted, 1, "{r2}");
    let listed: Vec<&str> = other.anomalies.iter().map(|a| a.kind.as_str()).collect();
    assert_eq!(
        listed,
        [
            "company_balance_differs_from_transactions",
            "safe_differs_from_transactions"
        ],
        "missing balance rows are listed, so the verification explains them: {r2}"
    );
    let first_companies = count(
        &ours,
        &format!("select count(*) from companies where tenant_id = {tid}"),
    )
    .await;
    assert_eq!(
        first_companies, 2,
        "the first manufacturer's companies are untouched"
    );

    // A second --fix run books no second reversal.
    let again = import::run(&o).await.expect("again");
    assert!(again.clean(), "{again}");
    assert_eq!(balance("Acme Jewels", "GOLD_18K").await, "-48.0000");
    assert_eq!(
        tenant(&again, 1)
            .entities
            .get("casting_reversal")
            .map(|c| (c.inserted, c.updated)),
        Some((0, 0)),
        "{again}"
    );
    s.server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_runs_of_one_tenant_import_it_once() {
    let s = stack("import-concurrent-test-pg", "ours_concurrent").await;
    let mut o = opts(&s);
    o.tenants = Tenants::One(1);
    let (a, b) = tokio::join!(import::run(&o), import::run(&o));
    let (a, b) = (a.expect("first"), b.expect("second"));
    assert!(a.clean() && b.clean(), "{a}\n{b}");
    let inserted: Vec<u64> = [&a, &b]
        .iter()
        .map(|r| tenant(r, 1).entities["orders"].inserted)
        .collect();
    assert!(
        inserted == [3, 0] || inserted == [0, 3],
        "one run inserts, the other finds its rows: {inserted:?}"
    );
    let ours = connect(&s.owner_url).await;
    assert_eq!(count(&ours, "select count(*) from orders").await, 3);
    assert_eq!(count(&ours, "select count(*) from tenants").await, 1);
    s.server.stop();
}
