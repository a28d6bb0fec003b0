//! The safe (`safe_supplies`), company metal balances (`company_metal_balances`) and the metal
//! transaction trail (`metal_transactions`) of the current tenant.
//!
//! Balances and the safe change only by atomic increments in one statement (an upsert whose
//! conflict branch adds to the stored value), never by reading a value and writing it back, so
//! concurrent requests cannot lose an update (decisions §3).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::row::{self, from_row};
use crate::db::Tx;
use crate::domain::amount::{Grams, UnitPrice};
use crate::domain::{CompanyId, LedgerEntryId, MetalId, OrderId, UserId};
use crate::error::DbError;

/// One metal movement, as `POST /safe/purchases`, `POST /companies/{id}/metal-deposits` and
/// `GET /metal-transactions` answer it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct MetalTransactionRow {
    pub id: i64,
    pub transaction_type: String,
    pub metal_id: Option<MetalId>,
    pub metal_code: Option<String>,
    pub company_id: Option<CompanyId>,
    pub order_id: Option<OrderId>,
    /// The department ledger entry a casting consumption (or its reversal) belongs to.
    pub ledger_entry_id: Option<LedgerEntryId>,
    /// Signed: positive into a balance, negative out of it.
    pub quantity_grams: Grams,
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: UserId,
}

from_row!(MetalTransactionRow {
    id,
    transaction_type,
    metal_id,
    metal_code,
    company_id,
    order_id,
    ledger_entry_id,
    quantity_grams,
    notes,
    created_at,
    created_by,
});

/// Columns of a `MetalTransactionRow` from `t` (metal_transactions) left-joined to `m` (metals).
const TRANSACTION_COLUMNS: &str = "t.id, t.transaction_type, t.metal_id, m.code as metal_code, \
     t.company_id, t.order_id, t.ledger_entry_id, t.quantity_grams, t.notes, t.created_at, t.created_by";

/// One row of the safe.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SafeSupplyRow {
    pub id: i64,
    /// `null` for the alloy row.
    pub metal_id: Option<MetalId>,
    pub supply_type: String,
    pub metal_code: Option<String>,
    pub metal_name: Option<String>,
    pub metal_type: Option<String>,
    /// May be negative.
    pub quantity_grams: Grams,
}

from_row!(SafeSupplyRow {
    id,
    metal_id,
    supply_type,
    metal_code,
    metal_name,
    metal_type,
    quantity_grams,
});

/// What one customer company has on deposit of one metal.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CompanyMetalBalanceRow {
    pub id: i64,
    pub company_id: CompanyId,
    pub metal_id: MetalId,
    pub metal_code: String,
    pub metal_name: String,
    pub metal_type: Option<String>,
    /// Pure grams; negative when casting used more than the company deposited.
    pub balance_grams: Grams,
}

from_row!(CompanyMetalBalanceRow {
    id,
    company_id,
    metal_id,
    metal_code,
    metal_name,
    metal_type,
    balance_grams,
});

/// What the accounting needs to know of a metal.
#[derive(Debug, Clone)]
pub struct MetalFacts {
    pub metal_type: String,
    pub average_cost_per_gram: Option<UnitPrice>,
    pub is_active: bool,
}

from_row!(MetalFacts {
    metal_type,
    average_cost_per_gram,
    is_active,
});

const METAL_FACTS: &str = "select metal_type, average_cost_per_gram, is_active \
     from metals where id = $1 and tenant_id = app_current_tenant()";

pub async fn metal(tx: &Tx<'_>, id: MetalId) -> Result<Option<MetalFacts>, DbError> {
    row::optional(tx.query_opt(METAL_FACTS, &[&id]).await?)
}

/// The metal, locked until the end of the transaction, so that purchases of one metal compute its
/// weighted average cost one after another (deposits and other metals are not blocked).
pub async fn lock_metal(tx: &Tx<'_>, id: MetalId) -> Result<Option<MetalFacts>, DbError> {
    let sql = format!("{METAL_FACTS} for no key update");
    row::optional(tx.query_opt(&sql, &[&id]).await?)
}

/// The active metal of `metal_type` with the highest purity (then the lowest id): where a deposit
/// by type lands (`GOLD` → `GOLD_24K`).
pub async fn reference_metal(tx: &Tx<'_>, metal_type: &str) -> Result<Option<MetalId>, DbError> {
    match tx
        .query_opt(
            "select id from metals
              where tenant_id = app_current_tenant() and metal_type = $1 and is_active
              order by fine_percentage desc, id limit 1",
            &[&metal_type],
        )
        .await?
    {
        Some(r) => Ok(Some(row::get(&r, "id")?)),
        None => Ok(None),
    }
}

pub async fn set_average_cost(tx: &Tx<'_>, id: MetalId, cost: UnitPrice) -> Result<(), DbError> {
    tx.execute(
        "update metals set average_cost_per_gram = $2
          where id = $1 and tenant_id = app_current_tenant()",
        &[&id, &cost],
    )
    .await?;
    Ok(())
}

/// `safe[metal, supply_type] += grams` (the row is created on first use); the quantity after it.
pub async fn add_to_safe(
    tx: &Tx<'_>,
    metal: Option<MetalId>,
    supply_type: &str,
    grams: Grams,
) -> Result<Grams, DbError> {
    let r = tx
        .query_one(
            "insert into safe_supplies (metal_id, supply_type, quantity_grams) values ($1, $2, $3)
             on conflict on constraint uq_safe_supply
             do update set quantity_grams = safe_supplies.quantity_grams + excluded.quantity_grams
             returning quantity_grams",
            &[&metal, &supply_type, &grams],
        )
        .await?;
    row::get(&r, "quantity_grams")
}

/// `balance[company, metal] += grams` (negative to debit; the row is created on first use); the
/// balance after it.
pub async fn add_to_company_balance(
    tx: &Tx<'_>,
    company: CompanyId,
    metal: MetalId,
    grams: Grams,
) -> Result<Grams, DbError> {
    let r = tx
        .query_one(
            "insert into company_metal_balances (company_id, metal_id, balance_grams)
             values ($1, $2, $3)
             on conflict on constraint uq_company_metal_balance
             do update set balance_grams = company_metal_balances.balance_grams + excluded.balance_grams
             returning balance_grams",
            &[&company, &metal, &grams],
        )
        .await?;
    row::get(&r, "balance_grams")
}

pub struct NewTransaction<'a> {
    pub transaction_type: &'a str,
    pub metal: Option<MetalId>,
    pub company: Option<CompanyId>,
    pub order: Option<OrderId>,
    pub ledger_entry: Option<LedgerEntryId>,
    pub grams: Grams,
    pub notes: Option<&'a str>,
    pub created_by: UserId,
}

pub async fn insert_transaction(
    tx: &Tx<'_>,
    n: &NewTransaction<'_>,
) -> Result<MetalTransactionRow, DbError> {
    let sql = format!(
        "with t as (
            insert into metal_transactions
                (transaction_type, metal_id, company_id, order_id, ledger_entry_id, quantity_grams,
                 notes, created_by)
            values ($1, $2, $3, $4, $5, $6, $7, $8)
            returning *)
         select {TRANSACTION_COLUMNS}
           from t left join metals m on m.tenant_id = t.tenant_id and m.id = t.metal_id"
    );
    row::one(
        tx.query_one(
            &sql,
            &[
                &n.transaction_type,
                &n.metal,
                &n.company,
                &n.order,
                &n.ledger_entry,
                &n.grams,
                &n.notes,
                &n.created_by,
            ],
        )
        .await?,
    )
}

/// Equality filters of the transaction list; `None` = any.
pub struct TransactionFilter<'a> {
    pub company: Option<CompanyId>,
    pub metal: Option<MetalId>,
    pub transaction_type: Option<&'a str>,
}

/// Newest first (then the highest id: one request's rows share a timestamp).
pub async fn transactions(
    tx: &Tx<'_>,
    f: &TransactionFilter<'_>,
    skip: i64,
    limit: i64,
) -> Result<Vec<MetalTransactionRow>, DbError> {
    let sql = format!(
        "select {TRANSACTION_COLUMNS}
           from metal_transactions t
           left join metals m on m.tenant_id = t.tenant_id and m.id = t.metal_id
          where t.tenant_id = app_current_tenant()
            and ($1::int8 is null or t.company_id = $1)
            and ($2::int8 is null or t.metal_id = $2)
            and ($3::text is null or t.transaction_type = $3)
          order by t.created_at desc, t.id desc
          offset $4 limit $5"
    );
    row::all(
        &tx.query(
            &sql,
            &[&f.company, &f.metal, &f.transaction_type, &skip, &limit],
        )
        .await?,
    )
}

/// The safe: fine metal by metal code, then the alloy row(s).
pub async fn safe_supplies(tx: &Tx<'_>) -> Result<Vec<SafeSupplyRow>, DbError> {
    row::all(
        &tx.query(
            "select s.id, s.metal_id, s.supply_type, m.code as metal_code, m.name as metal_name,
                    m.metal_type, s.quantity_grams
               from safe_supplies s
               left join metals m on m.tenant_id = s.tenant_id and m.id = s.metal_id
              where s.tenant_id = app_current_tenant()
              order by s.supply_type desc, m.code nulls last, s.id",
            &[],
        )
        .await?,
    )
}

/// One row per metal the company has a balance of, by metal code.
pub async fn company_balances(
    tx: &Tx<'_>,
    company: CompanyId,
) -> Result<Vec<CompanyMetalBalanceRow>, DbError> {
    row::all(
        &tx.query(
            "select b.id, b.company_id, b.metal_id, m.code as metal_code, m.name as metal_name,
                    m.metal_type, b.balance_grams
               from company_metal_balances b
               join metals m on m.tenant_id = b.tenant_id and m.id = b.metal_id
              where b.tenant_id = app_current_tenant() and b.company_id = $1
              order by m.code, b.id",
            &[&company],
        )
        .await?,
    )
}

/// Lock the ledger entry until the end of the transaction (`false` if it is not in this tenant), so
/// two reversals of one entry run one after the other and the second finds nothing left to undo.
pub async fn lock_ledger_entry(tx: &Tx<'_>, entry: LedgerEntryId) -> Result<bool, DbError> {
    Ok(tx
        .query_opt(
            "select 1 from department_ledger_entries
              where id = $1 and tenant_id = app_current_tenant() for no key update",
            &[&entry],
        )
        .await?
        .is_some())
}

/// What casting still has standing for a ledger entry: the signed sum of its
/// `MANUFACTURING_CONSUMPTION` transactions per (company, metal, order), and of its `SAFE_ISSUE`
/// transactions per (metal, order) with `company_id` none; zero sums left out.
pub struct StandingConsumption {
    pub transaction_type: String,
    pub company_id: Option<CompanyId>,
    pub metal_id: MetalId,
    pub order_id: Option<OrderId>,
    pub net: Grams,
}

from_row!(StandingConsumption {
    transaction_type,
    company_id,
    metal_id,
    order_id,
    net,
});

pub async fn standing_consumption(
    tx: &Tx<'_>,
    entry: LedgerEntryId,
) -> Result<Vec<StandingConsumption>, DbError> {
    row::all(
        &tx.query(
            "select transaction_type, company_id, metal_id, order_id, sum(quantity_grams) as net
               from metal_transactions
              where tenant_id = app_current_tenant() and ledger_entry_id = $1
                and ((transaction_type = 'MANUFACTURING_CONSUMPTION' and company_id is not null)
                     or (transaction_type = 'SAFE_ISSUE' and company_id is null))
                and metal_id is not null
              group by transaction_type, company_id, metal_id, order_id
             having sum(quantity_grams) <> 0
              order by transaction_type, company_id, metal_id, order_id",
            &[&entry],
        )
        .await?,
    )
}

/// `safe[metal, FINE_METAL] += grams` and its `SAFE_ISSUE` transaction, in one statement: the
/// metal a casting entry takes to the floor (negative), or gives back (positive).
pub async fn issue_from_safe(
    tx: &Tx<'_>,
    metal: MetalId,
    grams: Grams,
    order: Option<OrderId>,
    ledger_entry: LedgerEntryId,
    notes: &str,
    created_by: UserId,
) -> Result<MetalTransactionRow, DbError> {
    let sql = format!(
        "with s as (
            insert into safe_supplies (metal_id, supply_type, quantity_grams)
            values ($1, 'FINE_METAL', $2)
            on conflict on constraint uq_safe_supply
            do update set quantity_grams = safe_supplies.quantity_grams + excluded.quantity_grams
            returning 1),
         t as (
            insert into metal_transactions
                (transaction_type, metal_id, company_id, order_id, ledger_entry_id, quantity_grams,
                 notes, created_by)
            select 'SAFE_ISSUE', $1, null, $3, $4, $2, $5, $6 from s
            returning *)
         select {TRANSACTION_COLUMNS}
           from t left join metals m on m.tenant_id = t.tenant_id and m.id = t.metal_id"
    );
    row::one(
        tx.query_one(
            &sql,
            &[&metal, &grams, &order, &ledger_entry, &notes, &created_by],
        )
        .await?,
    )
}
