//! The casting API against a real PostgreSQL (the ledger endpoints that will call it come later):
//! an embedded server, the real migrations, the runtime role under row-level security, and a
//! transaction authorized exactly as `dispatch` authorizes one.

use chrono::Utc;
use testkit::pgembed::{PgServer, bootstrap};

use super::*;
use crate::auth::jwt::Claims;
use crate::db::Db;
use crate::domain::metal::Purity;
use crate::domain::{RoleId, TenantId};
use crate::repo::provisioning as prov;
use crate::repo::row;
use crate::repo::users::{self, NewUser};

struct Fixture {
    tenant: TenantId,
    user: UserId,
    company: CompanyId,
    gold18: MetalId,
    order: OrderId,
    entry: LedgerEntryId,
}

/// The `id` column of the one row `sql` returns (test data: values are formatted in).
async fn id(tx: &Tx<'_>, sql: &str) -> i64 {
    row::get(&tx.query_one(sql, &[]).await.unwrap(), "id").unwrap()
}

/// A provisioned tenant (as sign-up makes it, without bcrypt), its admin, a company with a contact
/// and an order, a Casting department and one casting IN ledger entry of 60 g of 18K gold.
async fn provision(db: &Db) -> Fixture {
    let mut conn = db.checkout().await.unwrap();
    let mut tx = conn.begin_system().await.unwrap();
    let tenant = prov::create_tenant(&tx, "Casting Co", "casting-co")
        .await
        .unwrap();
    tx.enter_tenant(tenant).await.unwrap();
    let roles = prov::create_system_roles(&tx).await.unwrap();
    let admin: RoleId = roles.iter().find(|(n, _)| n == "admin").unwrap().1;
    prov::insert_default_metals(&tx).await.unwrap();
    let user = users::insert(
        &tx,
        &NewUser {
            username: "caster",
            email: None,
            full_name: "Caster",
            hashed_password: "not-a-real-hash",
            role_id: admin,
        },
    )
    .await
    .unwrap();
    let company = id(
        &tx,
        "insert into companies (name) values ('Acme') returning id",
    )
    .await;
    let contact = id(
        &tx,
        &format!("insert into contacts (company_id, name) values ({company}, 'Ann') returning id"),
    )
    .await;
    let order = id(
        &tx,
        &format!(
            "insert into orders (order_number, contact_id, company_id)
             values ('ORD-1-000001', {contact}, {company}) returning id"
        ),
    )
    .await;
    let casting = id(
        &tx,
        "insert into departments (name) values ('Casting') returning id",
    )
    .await;
    let gold18 = id(
        &tx,
        "select id from metals where code = 'GOLD_18K' and tenant_id = app_current_tenant()",
    )
    .await;
    let entry = id(
        &tx,
        &format!(
            "insert into department_ledger_entries
                 (date, department_id, order_id, metal_id, direction, quantity, weight, fine_weight,
                  created_by)
             values (current_date, {casting}, {order}, {gold18}, 'IN', 1, 60, 45, {user})
             returning id"
        ),
    )
    .await;
    tx.commit().await.unwrap();
    Fixture {
        tenant,
        user,
        company: CompanyId::from_db(company),
        gold18: MetalId::from_db(gold18),
        order: OrderId::from_db(order),
        entry: LedgerEntryId::from_db(entry),
    }
}

fn claims(f: &Fixture) -> Claims {
    let now = Utc::now();
    Claims {
        sub: "caster".into(),
        user_id: f.user.get(),
        tenant_id: f.tenant.get(),
        role: "admin".into(),
        iat: now.timestamp(),
        iat_ms: now.timestamp_millis(),
        exp: now.timestamp() + 600,
        jti: "test".into(),
    }
}

fn g(s: &str) -> Grams {
    s.parse().unwrap()
}

async fn balance(tx: &Tx<'_>, f: &Fixture) -> Grams {
    let rows = company_balances(tx, f.company).await.unwrap();
    assert_eq!(rows.len(), 1, "one row per metal");
    assert_eq!(rows[0].metal_id, f.gold18);
    rows[0].balance_grams
}

async fn safe_fine(tx: &Tx<'_>, f: &Fixture) -> Grams {
    safe_supplies(tx)
        .await
        .unwrap()
        .iter()
        .find(|s| s.metal_id == Some(f.gold18) && s.supply_type == "FINE_METAL")
        .map(|s| s.quantity_grams)
        .unwrap()
}

#[tokio::test]
async fn casting_consumption_and_its_reversal_net_out_exactly() {
    let (server, _root) =
        PgServer::throwaway("jmsk-shared-pg", &Default::default()).expect("embedded PostgreSQL");
    let (owner_url, runtime_url) = bootstrap(&server, "metal").await.unwrap();
    let (mut owner, connection) = tokio_postgres::connect(&owner_url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    crate::migrate::up(&mut owner).await.unwrap();

    let db = Db::pool(&runtime_url, 2, &Default::default()).unwrap();
    let f = provision(&db).await;
    let mut conn = db.checkout().await.unwrap();
    let mut tx = conn.begin_system().await.unwrap();
    let claims = claims(&f);
    tx.claim(&claims);
    tx.authorize(&claims, &[]).unwrap().await.unwrap();

    let opening =
        DepositRequest::parse(Some(f.gold18.get()), None, Some(g("100")), Some("opening")).unwrap();
    let dep = deposit(&tx, f.company, &opening).await.unwrap();
    assert_eq!(dep.order_id, None);
    assert_eq!(balance(&tx, &f).await, g("100"));
    assert_eq!(safe_fine(&tx, &f).await, g("100"));

    // 60 g of 18K: 45 g fine out of the company's balance, and out of the safe to the floor.
    let fine = Purity::from_decimal("0.75".parse().unwrap()).fine_weight(g("60"));
    let note = "Casting consumption from ledger entry: 45.0000g pure metal for order ORD-1-000001";
    let used = consume_for_casting(&tx, f.company, f.gold18, fine, f.order, f.entry, note)
        .await
        .unwrap()
        .expect("booked");
    assert_eq!(used.transaction_type, "MANUFACTURING_CONSUMPTION");
    assert_eq!(used.quantity_grams, g("-45"));
    assert_eq!(used.company_id, Some(f.company));
    assert_eq!(used.order_id, Some(f.order));
    assert_eq!(used.ledger_entry_id, Some(f.entry));
    assert_eq!(used.metal_code.as_deref(), Some("GOLD_18K"));
    assert_eq!(used.notes.as_deref(), Some(note));
    assert_eq!(used.created_by, f.user);
    assert_eq!(balance(&tx, &f).await, g("55"));
    assert_eq!(safe_fine(&tx, &f).await, g("55"));

    // Editing the entry from 60 g to 64 g: reverse, then consume again. -48, not -93.
    let back = reverse_casting(&tx, f.entry, "Reversal of casting consumption")
        .await
        .unwrap();
    let kinds: Vec<_> = back
        .iter()
        .map(|t| (t.transaction_type.as_str(), t.company_id, t.quantity_grams))
        .collect();
    assert_eq!(
        kinds,
        [
            ("MANUFACTURING_CONSUMPTION", Some(f.company), g("45")),
            ("SAFE_ISSUE", None, g("45"))
        ]
    );
    assert!(back.iter().all(|t| t.order_id == Some(f.order)));
    assert_eq!(balance(&tx, &f).await, g("100"));
    assert_eq!(safe_fine(&tx, &f).await, g("100"));
    let fine64 = Purity::from_decimal("0.75".parse().unwrap()).fine_weight(g("64"));
    consume_for_casting(&tx, f.company, f.gold18, fine64, f.order, f.entry, note)
        .await
        .unwrap();
    assert_eq!(balance(&tx, &f).await, g("52"));
    assert_eq!(safe_fine(&tx, &f).await, g("52"));

    // Deleting the entry: its deduction is undone exactly, and only once.
    let back = reverse_casting(&tx, f.entry, "Reversal").await.unwrap();
    assert_eq!(back.len(), 2);
    assert!(back.iter().all(|t| t.quantity_grams == g("48")));
    assert_eq!(balance(&tx, &f).await, g("100"));
    assert!(
        reverse_casting(&tx, f.entry, "Reversal")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(balance(&tx, &f).await, g("100"));
    assert_eq!(
        safe_fine(&tx, &f).await,
        g("100"),
        "the safe has it all back"
    );

    // Nothing to book for zero fine metal; negative weights are a bug of the caller.
    assert!(
        consume_for_casting(
            &tx,
            f.company,
            f.gold18,
            Grams::ZERO,
            f.order,
            f.entry,
            note
        )
        .await
        .unwrap()
        .is_none()
    );
    assert_eq!(
        consume_for_casting(&tx, f.company, f.gold18, g("-1"), f.order, f.entry, note)
            .await
            .unwrap_err()
            .status(),
        500
    );

    // The trail: deposit, -45 twice (consumption, issue), +45 twice, -48 twice, +48 twice, summing
    // to the deposit.
    let trail = transactions(&tx, TransactionQuery::default(), Page::default())
        .await
        .unwrap();
    let amounts: Vec<Grams> = trail.iter().map(|t| t.quantity_grams).collect();
    let expected: Vec<Grams> = ["48", "48", "-48", "-48", "45", "45", "-45", "-45", "100"]
        .map(g)
        .to_vec();
    assert_eq!(amounts, expected);
    let consumption = transactions(
        &tx,
        TransactionQuery {
            transaction_type: Some(TransactionType::ManufacturingConsumption),
            ..TransactionQuery::default()
        },
        Page::default(),
    )
    .await
    .unwrap();
    assert_eq!(consumption.len(), 4);

    // An entry that is not this tenant's is not found.
    let e = reverse_casting(&tx, LedgerEntryId::from_db(999_999), "x")
        .await
        .unwrap_err();
    assert_eq!(e.status(), 404);
    drop(tx);
}
