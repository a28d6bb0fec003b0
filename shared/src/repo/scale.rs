//! SQL of the scale data generator (`cargo run -p local -- generate`): set-based bulk inserts into
//! one freshly signed-up tenant, run on the schema owner's connection. The owner bypasses row-level
//! security (0001 enables it without FORCE), so every statement names its tenant (`$1`) in each
//! `tenant_id` column and filter instead of relying on `app_current_tenant()`. Only the local
//! tooling calls these; the API never does.
//!
//! The values are deterministic functions of the row number (`generate_series`), so two runs of
//! the same scale make the same data (ids aside). Rows are matched to the n-th order, company or
//! contact by `rn = g % count`, with the count from a one-row CTE of its own: taken from a window
//! over the matched rows themselves, the condition names both sides and cannot be hashed, and the
//! join is a nested loop: quadratic, 10^11 comparisons for the ledger at scale 10.

use tokio_postgres::Transaction;

use super::row;
use crate::domain::MetalId;
use crate::domain::amount::{Grams, UnitPrice};
use crate::error::DbError;

/// How many rows of each kind one tenant gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Volume {
    pub companies: i32,
    pub orders: i32,
    pub items_per_order: i32,
    /// IN + OUT entries; an even number (entries come in pairs).
    pub ledger_entries: i32,
    /// Company deposits and safe purchases (casting consumption comes on top).
    pub transactions: i32,
}

/// The production departments beside the default Inventory, with a loss tolerance (percent).
const DEPARTMENTS: &str =
    "(values ('Casting', 2.50), ('Filing', 1.50), ('Polishing', 1.00), ('Setting', 0.50))";

/// The price per fine gram a generated purchase pays: a base by metal type plus a step from its
/// grams, so that the average cost moves. Shared by the insert (its notes) and [`safe_events`].
const PURCHASE_COST: &str = "round(case m.metal_type when 'GOLD' then 80 when 'PLATINUM' then 35
                                                     when 'SILVER' then 1 else 10 end * m.fine_percentage
                                    + (floor(t.quantity_grams)::int % 11) * 0.25, 4)";

async fn exec(
    tx: &Transaction<'_>,
    sql: &str,
    p: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<u64, DbError> {
    Ok(tx.execute(sql, p).await?)
}

/// Hundreds of thousands of generated rows are not anyone's actions: the audit triggers record
/// nothing for the rest of this transaction (0010, owner only).
pub async fn bulk_load(tx: &Transaction<'_>) -> Result<(), DbError> {
    tx.batch_execute("select audit_bulk_begin()").await?;
    Ok(())
}

/// Casting, Filing, Polishing and Setting (Inventory exists from sign-up).
pub async fn departments(tx: &Transaction<'_>, tenant: i64) -> Result<u64, DbError> {
    exec(
        tx,
        &format!(
            "insert into departments (tenant_id, name, loss_tolerance_percent)
             select $1::int8, d.name, d.tolerance from {DEPARTMENTS} as d(name, tolerance)
             on conflict do nothing"
        ),
        &[&tenant],
    )
    .await
}

/// `n` companies, each with one contact.
pub async fn companies(tx: &Transaction<'_>, tenant: i64, n: i32) -> Result<(u64, u64), DbError> {
    let companies = exec(
        tx,
        "insert into companies (tenant_id, name, address, phone, email)
         select $1::int8, format('Customer %s', lpad(g::text, 6, '0')),
                format('%s Market St, Springfield', g), format('+1 555 %s', lpad((g % 10000)::text, 4, '0')),
                format('orders%s@customer.example', g)
           from generate_series(1, $2::int4) g",
        &[&tenant, &n],
    )
    .await?;
    let contacts = exec(
        tx,
        "insert into contacts (tenant_id, company_id, name, email, phone)
         select c.tenant_id, c.id, 'Buyer at ' || c.name, replace(c.email, 'orders', 'buyer'), c.phone
           from companies c
          where c.tenant_id = $1::int8",
        &[&tenant],
    )
    .await?;
    Ok((companies, contacts))
}

/// `n` orders over the companies in turn (each by the company's contact), created evenly from 380
/// to 15 days ago, numbered from the tenant's counter exactly as `POST /orders/` numbers them
/// (`ORD-{tenant}-{n:06}`, the counter left at the highest number), with `items` line items each.
pub async fn orders(
    tx: &Transaction<'_>,
    tenant: i64,
    n: i32,
    items: i32,
) -> Result<(u64, u64), DbError> {
    let orders = exec(
        tx,
        "with party as (
             select c.id as company_id, k.id as contact_id, row_number() over (order by c.id) - 1 as rn
               from companies c
               join contacts k on k.tenant_id = c.tenant_id and k.company_id = c.id
              where c.tenant_id = $1::int8),
         parties as (select count(*) as n from party),
         counter as (
             update tenant_order_counters set last_number = last_number + $2::int4
              where tenant_id = $1::int8
             returning last_number - $2::int4 as base),
         numbered as (
             select g, counter.base + g as number,
                    now() - interval '380 days' + (g - 1) * (interval '365 days' / $2::int4) as created
               from generate_series(1, $2::int4) g cross join counter)
         insert into orders (tenant_id, order_number, contact_id, company_id, status, due_date,
                             created_at, updated_at)
         select $1::int8,
                'ORD-' || $1::int8 || '-' || lpad(number::text, greatest(6, length(number::text)), '0'),
                p.contact_id, p.company_id,
                case when g % 25 = 0 then 'CANCELLED'
                     when g > $2::int4 * 0.95 then 'PENDING'
                     when g > $2::int4 * 0.85 then 'IN_PROGRESS'
                     when g % 2 = 0 then 'SHIPPED'
                     else 'COMPLETED' end,
                created + interval '30 days', created, created
           from numbered
          cross join parties
           join party p on p.rn = (g - 1) % parties.n
          order by g",
        &[&tenant, &n],
    )
    .await?;
    // An order's metal is its id's turn among the tenant's metals; the ledger entries use the same.
    let line_items = exec(
        tx,
        "with m as (select array_agg(id order by id) as ids from metals
                     where tenant_id = $1::int8 and is_active)
         insert into order_line_items (tenant_id, order_id, product_description, metal_id, quantity,
                                       target_weight_per_piece, initial_total_weight, price,
                                       labor_cost, created_at, updated_at)
         select o.tenant_id, o.id,
                (array['Ring', 'Pendant', 'Bracelet', 'Earrings', 'Chain'])[(1 + (o.id + k) % 5)::int] || ' #' || k,
                m.ids[(1 + o.id % cardinality(m.ids))::int],
                q.pieces, q.per_piece, q.pieces * q.per_piece,
                100 + (o.id * 31 + k * 17) % 2000, 20 + (o.id * 7 + k) % 200,
                o.created_at, o.created_at
           from orders o
          cross join generate_series(1, $2::int4) k
          cross join m
          cross join lateral (select 1 + (o.id * k) % 6 as pieces,
                                     2.5 + ((o.id * 7 + k * 13) % 100) / 10.0 as per_piece) q
          where o.tenant_id = $1::int8
          order by o.id, k",
        &[&tenant, &items],
    )
    .await?;
    Ok((orders, line_items))
}

/// `pairs` IN/OUT pairs over the orders in turn: round r of an order goes through department
/// r mod 5 (Casting, Filing, Polishing, Setting, Inventory), 1.5 days per round after the order was
/// created, out one day after in. Each pair loses 0.5–3 % of its grams (every 97th gains 0.2 %:
/// solder), and every 9th sends one piece fewer out than came in (work in progress).
/// `fine_weight` = weight × the metal's purity, rounded to 4 places, negated for OUT, as
/// `domain::ledger::fine_weight`. Inserted in date order, as a real ledger grows.
pub async fn ledger(
    tx: &Transaction<'_>,
    tenant: i64,
    user: i64,
    pairs: i32,
) -> Result<u64, DbError> {
    exec(
        tx,
        "with o as (select id, created_at::date as day, row_number() over (order by id) - 1 as rn
                      from orders where tenant_id = $1::int8),
              oc as (select count(*) as orders from o),
              d as (select array_agg(id order by case lower(name) when 'casting' then 1 when 'filing' then 2
                                                  when 'polishing' then 3 when 'setting' then 4 else 5 end, id) as ids
                      from departments where tenant_id = $1::int8),
              m as (select array_agg(id order by id) as ids, array_agg(fine_percentage order by id) as fine
                      from metals where tenant_id = $1::int8 and is_active),
              pair as (
                select g, o.id as order_id, d.ids[(1 + (g / oc.orders) % cardinality(d.ids))::int] as department_id,
                       m.ids[(1 + o.id % cardinality(m.ids))::int] as metal_id,
                       m.fine[(1 + o.id % cardinality(m.ids))::int] as purity,
                       o.day + ((g / oc.orders) * 3 / 2)::int as day_in,
                       1 + o.id % 12 as pieces_in,
                       case when g % 9 = 0 and o.id % 12 > 0 then o.id % 12 else 1 + o.id % 12 end as pieces_out,
                       case when g % 97 = 0 then -0.002 else (5 + (g * 37) % 26) / 1000.0 end as loss
                  from generate_series(0, $3::int4 - 1) g
                  cross join d cross join m cross join oc
                  join o on o.rn = g % oc.orders),
              grams as (
                select pair.*, round(pieces_in * (2 + ((g * 13) % 80) / 10.0), 4) as w_in from pair),
              entry as (
                select g, order_id, department_id, metal_id, 'IN' as direction, day_in as date,
                       pieces_in as quantity, w_in as weight, round(w_in * purity, 4) as fine_weight
                  from grams
                union all
                select g, order_id, department_id, metal_id, 'OUT', day_in + 1, pieces_out,
                       w.w_out, -round(w.w_out * purity, 4)
                  from grams
                 cross join lateral (select round(w_in * pieces_out / pieces_in * (1 - loss), 4) as w_out) w)
         insert into department_ledger_entries (tenant_id, date, department_id, order_id, metal_id,
                                                direction, quantity, weight, fine_weight, created_by,
                                                created_at, updated_at)
         select $1::int8, e.date, e.department_id, e.order_id, e.metal_id, e.direction, e.quantity,
                e.weight, e.fine_weight, $2::int8, t.at, t.at
           from entry e
          cross join lateral (select e.date + time '08:00' + (e.g % 600) * interval '1 minute'
                                     + case e.direction when 'OUT' then interval '1 second' else interval '0' end
                                     as at) t
          order by e.date, t.at, e.g",
        &[&tenant, &user, &pairs],
    )
    .await
}

/// `n` company deposits (3 in 5, over the companies in turn) and FINE_METAL safe purchases, 50–550 g
/// each, spread over the same year as the orders; then the casting consumption of every IN entry of
/// the Casting department, booked as `metal_accounting::consume_for_casting` books it (company of
/// the order, `−fine_weight`, linked to the entry, the old service's notes) and the issue of the
/// same fine metal from the safe (`SAFE_ISSUE`). Returns (deposits, purchases, consumptions).
pub async fn metal_transactions(
    tx: &Transaction<'_>,
    tenant: i64,
    user: i64,
    n: i32,
) -> Result<(u64, u64, u64), DbError> {
    let sql = format!(
        "with c as (select id, row_number() over (order by id) - 1 as rn
                      from companies where tenant_id = $1::int8),
              cc as (select count(*) as companies from c),
              m as (select array_agg(id order by id) as ids from metals
                     where tenant_id = $1::int8 and is_active),
              t as (select g, case when g % 5 < 3 then 'COMPANY_DEPOSIT' else 'SAFE_PURCHASE' end as kind,
                           m.ids[1 + g % cardinality(m.ids)] as metal_id,
                           round(50 + ((g * 53) % 5000) / 10.0, 4) as quantity_grams,
                           now() - interval '380 days' + g * (interval '365 days' / $3::int4) as at
                      from generate_series(0, $3::int4 - 1) g cross join m)
         insert into metal_transactions (tenant_id, transaction_type, metal_id, company_id,
                                         quantity_grams, notes, created_by, created_at)
         select $1::int8, t.kind, t.metal_id,
                case t.kind when 'COMPANY_DEPOSIT' then c.id end,
                t.quantity_grams,
                case t.kind when 'COMPANY_DEPOSIT' then 'Metal received from the customer'
                            else format('Bought at %s per gram', {PURCHASE_COST}) end,
                $2::int8, t.at
           from t
          cross join cc
           join metals m on m.tenant_id = $1::int8 and m.id = t.metal_id
           join c on c.rn = t.g % cc.companies
          order by t.g"
    );
    exec(tx, &sql, &[&tenant, &user, &n]).await?;
    let consumptions = exec(
        tx,
        "insert into metal_transactions (tenant_id, transaction_type, metal_id, company_id, order_id,
                                         ledger_entry_id, quantity_grams, notes, created_by, created_at)
         select e.tenant_id, 'MANUFACTURING_CONSUMPTION', e.metal_id, o.company_id, e.order_id, e.id,
                -e.fine_weight,
                format('Casting consumption from ledger entry %s: %sg pure metal for order %s',
                       e.id, e.fine_weight, o.order_number),
                e.created_by, e.created_at
           from department_ledger_entries e
           join departments d on d.tenant_id = e.tenant_id and d.id = e.department_id
           join orders o on o.tenant_id = e.tenant_id and o.id = e.order_id
          where e.tenant_id = $1::int8 and e.direction = 'IN' and e.fine_weight > 0
            and lower(trim(d.name)) in ('casting', 'cast')
          order by e.id",
        &[&tenant],
    )
    .await?;
    exec(
        tx,
        "insert into metal_transactions (tenant_id, transaction_type, metal_id, company_id, order_id,
                                         ledger_entry_id, quantity_grams, notes, created_by, created_at)
         select tenant_id, 'SAFE_ISSUE', metal_id, null, order_id, ledger_entry_id, quantity_grams,
                format('Issued to casting with ledger entry %s', ledger_entry_id),
                created_by, created_at
           from metal_transactions
          where tenant_id = $1::int8 and transaction_type = 'MANUFACTURING_CONSUMPTION'
          order by id",
        &[&tenant],
    )
    .await?;
    let counts = tx
        .query_one(
            "select count(*) filter (where transaction_type = 'COMPANY_DEPOSIT') as deposits,
                    count(*) filter (where transaction_type = 'SAFE_PURCHASE') as purchases
               from metal_transactions where tenant_id = $1::int8",
            &[&tenant],
        )
        .await?;
    let deposits: i64 = row::get(&counts, "deposits")?;
    let purchases: i64 = row::get(&counts, "purchases")?;
    Ok((deposits as u64, purchases as u64, consumptions))
}

/// `company_metal_balances` = Σ of the transactions booked against each (company, metal)
/// (deposits and casting consumption), and the safe's `FINE_METAL` = Σ of the deposits, purchases
/// and issues of each metal: what `metal_accounting` keeps with one increment per movement.
pub async fn metal_balances(tx: &Transaction<'_>, tenant: i64) -> Result<(u64, u64), DbError> {
    let companies = exec(
        tx,
        "insert into company_metal_balances (tenant_id, company_id, metal_id, balance_grams)
         select tenant_id, company_id, metal_id, sum(quantity_grams)
           from metal_transactions
          where tenant_id = $1::int8 and company_id is not null and metal_id is not null
          group by tenant_id, company_id, metal_id
         on conflict on constraint uq_company_metal_balance
         do update set balance_grams = excluded.balance_grams",
        &[&tenant],
    )
    .await?;
    let safe = exec(
        tx,
        "insert into safe_supplies (tenant_id, metal_id, supply_type, quantity_grams)
         select tenant_id, metal_id, 'FINE_METAL', sum(quantity_grams)
           from metal_transactions
          where tenant_id = $1::int8 and metal_id is not null
            and transaction_type in ('COMPANY_DEPOSIT', 'SAFE_PURCHASE', 'SAFE_ISSUE')
          group by tenant_id, metal_id
         on conflict on constraint uq_safe_supply
         do update set quantity_grams = excluded.quantity_grams",
        &[&tenant],
    )
    .await?;
    Ok((companies, safe))
}

/// One movement of a metal's fine stock in the safe, in booking order, with the price a purchase
/// paid (`None` for a deposit).
pub struct SafeEvent {
    pub metal: MetalId,
    pub grams: Grams,
    pub cost: Option<UnitPrice>,
}

pub async fn safe_events(tx: &Transaction<'_>, tenant: i64) -> Result<Vec<SafeEvent>, DbError> {
    let sql = format!(
        "select t.metal_id, t.quantity_grams,
                case t.transaction_type when 'SAFE_PURCHASE' then {PURCHASE_COST} end as cost
           from metal_transactions t
           join metals m on m.tenant_id = t.tenant_id and m.id = t.metal_id
          where t.tenant_id = $1::int8
            and t.transaction_type in ('COMPANY_DEPOSIT', 'SAFE_PURCHASE', 'SAFE_ISSUE')
          order by t.created_at, t.id"
    );
    tx.query(&sql, &[&tenant])
        .await?
        .iter()
        .map(|r| {
            Ok(SafeEvent {
                metal: row::get(r, "metal_id")?,
                grams: row::get(r, "quantity_grams")?,
                cost: row::get(r, "cost")?,
            })
        })
        .collect()
}

pub async fn set_average_cost(
    tx: &Transaction<'_>,
    tenant: i64,
    metal: MetalId,
    cost: UnitPrice,
) -> Result<(), DbError> {
    exec(
        tx,
        "update metals set average_cost_per_gram = $3 where tenant_id = $1::int8 and id = $2",
        &[&tenant, &metal, &cost],
    )
    .await?;
    Ok(())
}

/// `vacuum analyze` of the generator's tables (outside any transaction).
pub async fn vacuum(client: &tokio_postgres::Client) -> Result<(), DbError> {
    client
        .batch_execute(&format!("vacuum analyze {}", TABLES.join(", ")))
        .await?;
    Ok(())
}

/// The generator's tables, for `vacuum analyze` after the load: fresh statistics for the planner
/// and a visibility map, so index-only scans work from the first request on.
pub const TABLES: &[&str] = &[
    "companies",
    "contacts",
    "orders",
    "order_line_items",
    "departments",
    "department_ledger_entries",
    "department_balances",
    "ledger_unit_totals",
    "metal_transactions",
    "company_metal_balances",
    "safe_supplies",
    "metals",
    "tenants",
    "users",
];
