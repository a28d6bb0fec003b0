//! The department ledger (`department_ledger_entries`) of the current tenant and the running
//! department balances it drives (`department_balances`, gross grams).
//!
//! A balance changes only by an atomic increment (an upsert adding to the stored value), so
//! concurrent entries of one department and metal never lose an update.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::row::{self, from_row};
use crate::db::{Param, Tx};
use crate::domain::amount::{Grams, Quantity};
use crate::domain::metal::Purity;
use crate::domain::{CompanyId, DepartmentId, LedgerEntryId, MetalId, OrderId, TenantId, UserId};
use crate::error::DbError;

/// A ledger entry as the API answers it: the stored entry, the names the ledger page shows, and
/// the quantity and weight split into in/out columns (the other side is null).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct LedgerEntryRow {
    pub id: LedgerEntryId,
    pub tenant_id: TenantId,
    /// `YYYY-MM-DD`.
    pub date: NaiveDate,
    pub department_id: DepartmentId,
    pub department_name: String,
    pub order_id: OrderId,
    pub order_number: String,
    pub metal_id: MetalId,
    pub metal_code: String,
    pub metal_name: String,
    /// `IN` or `OUT`.
    pub direction: String,
    /// Pieces.
    pub quantity: Quantity,
    /// Gross grams.
    pub weight: Grams,
    /// `quantity` of an IN entry, else null.
    pub qty_in: Option<Quantity>,
    /// `quantity` of an OUT entry, else null.
    pub qty_out: Option<Quantity>,
    /// `weight` of an IN entry, else null.
    pub weight_in: Option<Grams>,
    /// `weight` of an OUT entry, else null.
    pub weight_out: Option<Grams>,
    /// Fine grams: `weight` × the metal's purity, negative for OUT.
    pub fine_weight: Grams,
    pub notes: Option<String>,
    pub is_archived: bool,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

from_row!(LedgerEntryRow {
    id,
    tenant_id,
    date,
    department_id,
    department_name,
    order_id,
    order_number,
    metal_id,
    metal_code,
    metal_name,
    direction,
    quantity,
    weight,
    qty_in,
    qty_out,
    weight_in,
    weight_out,
    fine_weight,
    notes,
    is_archived,
    created_by,
    created_at,
    updated_at,
});

const ENTRY_SELECT: &str = "select e.id, e.tenant_id, e.date, e.department_id,
            d.name as department_name, e.order_id, o.order_number, e.metal_id,
            m.code as metal_code, m.name as metal_name, e.direction, e.quantity, e.weight,
            case when e.direction = 'IN' then e.quantity end as qty_in,
            case when e.direction = 'OUT' then e.quantity end as qty_out,
            case when e.direction = 'IN' then e.weight end as weight_in,
            case when e.direction = 'OUT' then e.weight end as weight_out,
            e.fine_weight, e.notes, e.is_archived, e.created_by, e.created_at, e.updated_at
       from department_ledger_entries e
       join departments d on d.tenant_id = e.tenant_id and d.id = e.department_id
       join orders o on o.tenant_id = e.tenant_id and o.id = e.order_id
       join metals m on m.tenant_id = e.tenant_id and m.id = e.metal_id";

/// What the list shows: every filter is optional; dates are inclusive.
pub struct EntryFilter {
    pub department: Option<DepartmentId>,
    pub order: Option<OrderId>,
    pub date_from: Option<NaiveDate>,
    pub date_to: Option<NaiveDate>,
    pub include_archived: bool,
    pub skip: i64,
    /// `None`: every matching entry.
    pub limit: Option<i64>,
}

/// Newest date first; within a day, the latest recorded first.
pub async fn list(tx: &Tx<'_>, f: &EntryFilter) -> Result<Vec<LedgerEntryRow>, DbError> {
    let sql = format!(
        "{ENTRY_SELECT}
          where e.tenant_id = app_current_tenant()
            and ($1::int8 is null or e.department_id = $1)
            and ($2::int8 is null or e.order_id = $2)
            and ($3::date is null or e.date >= $3)
            and ($4::date is null or e.date <= $4)
            and ($5 or not e.is_archived)
          order by e.date desc, e.created_at desc, e.id desc
         offset $6 limit $7"
    );
    row::all(
        &tx.query(
            &sql,
            &[
                &f.department,
                &f.order,
                &f.date_from,
                &f.date_to,
                &f.include_archived,
                &f.skip,
                &f.limit,
            ],
        )
        .await?,
    )
}

pub async fn get(tx: &Tx<'_>, id: LedgerEntryId) -> Result<Option<LedgerEntryRow>, DbError> {
    let sql = format!("{ENTRY_SELECT} where e.id = $1 and e.tenant_id = app_current_tenant()");
    row::optional(tx.query_opt(&sql, &[&id]).await?)
}

/// What an entry's department, order and metal are, each `None` when the id is not the tenant's.
#[derive(Debug, Clone)]
pub struct EntryFacts {
    pub department_name: Option<String>,
    pub order_number: Option<String>,
    pub company_id: Option<CompanyId>,
    pub fine_percentage: Option<Purity>,
    pub metal_active: Option<bool>,
}

from_row!(EntryFacts {
    department_name,
    order_number,
    company_id,
    fine_percentage,
    metal_active,
});

/// The facts an entry's rules need, in one round trip.
pub async fn facts(
    tx: &Tx<'_>,
    department: DepartmentId,
    order: OrderId,
    metal: MetalId,
) -> Result<EntryFacts, DbError> {
    let r = tx
        .query_one(
            "select (select name from departments
                      where id = $1 and tenant_id = app_current_tenant()) as department_name,
                    o.order_number, o.company_id, m.fine_percentage, m.is_active as metal_active
               from (select) as one
               left join orders o on o.id = $2 and o.tenant_id = app_current_tenant()
               left join metals m on m.id = $3 and m.tenant_id = app_current_tenant()",
            &[&department, &order, &metal],
        )
        .await?;
    row::one(r)
}

/// The stored fields of an entry.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryFields {
    pub date: NaiveDate,
    pub department_id: DepartmentId,
    pub order_id: OrderId,
    pub metal_id: MetalId,
    pub direction: String,
    pub quantity: Quantity,
    pub weight: Grams,
    pub fine_weight: Grams,
    pub notes: Option<String>,
}

from_row!(EntryFields {
    date,
    department_id,
    order_id,
    metal_id,
    direction,
    quantity,
    weight,
    fine_weight,
    notes,
});

/// The entry's stored fields, locked until the end of the transaction: edits and deletes of one
/// entry run one after the other, each seeing what the previous one left.
pub async fn lock(tx: &Tx<'_>, id: LedgerEntryId) -> Result<Option<EntryFields>, DbError> {
    row::optional(
        tx.query_opt(
            "select date, department_id, order_id, metal_id, direction, quantity, weight,
                    fine_weight, notes
               from department_ledger_entries
              where id = $1 and tenant_id = app_current_tenant()
                for update",
            &[&id],
        )
        .await?,
    )
}

/// The id the next entry will have, drawn from the identity now: so that the statements that name
/// the entry (its consumption's notes and links) can go out with its insert.
pub async fn reserve_id(tx: &Tx<'_>) -> Result<LedgerEntryId, DbError> {
    let r = tx
        .query_one(
            "select nextval(pg_get_serial_sequence('department_ledger_entries', 'id')) as id",
            &[],
        )
        .await?;
    row::get(&r, "id")
}

/// Insert the entry with the id `reserve_id` drew.
pub async fn insert(
    tx: &Tx<'_>,
    id: LedgerEntryId,
    f: &EntryFields,
    created_by: UserId,
) -> Result<(), DbError> {
    tx.execute(
        "insert into department_ledger_entries
                    (id, date, department_id, order_id, metal_id, direction, quantity, weight,
                     fine_weight, notes, created_by)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        &with_fields(&id, f, &[&created_by]),
    )
    .await?;
    Ok(())
}

/// `$1` the entry's id, `$2`–`$10` its fields in column order, then `rest`.
fn with_fields<'a>(
    id: &'a LedgerEntryId,
    f: &'a EntryFields,
    rest: &[&'a dyn Param],
) -> Vec<&'a dyn Param> {
    let mut params: Vec<&dyn Param> = vec![
        id,
        &f.date,
        &f.department_id,
        &f.order_id,
        &f.metal_id,
        &f.direction,
        &f.quantity,
        &f.weight,
        &f.fine_weight,
        &f.notes,
    ];
    params.extend_from_slice(rest);
    params
}

/// Every stored field replaced (the use case merges the changes with what was stored).
pub async fn update(tx: &Tx<'_>, id: LedgerEntryId, f: &EntryFields) -> Result<bool, DbError> {
    Ok(tx
        .execute(
            "update department_ledger_entries
                set date = $2, department_id = $3, order_id = $4, metal_id = $5, direction = $6,
                    quantity = $7, weight = $8, fine_weight = $9, notes = $10
              where id = $1 and tenant_id = app_current_tenant()",
            &with_fields(&id, f, &[]),
        )
        .await?
        > 0)
}

pub async fn delete(tx: &Tx<'_>, id: LedgerEntryId) -> Result<bool, DbError> {
    Ok(tx
        .execute(
            "delete from department_ledger_entries
              where id = $1 and tenant_id = app_current_tenant()",
            &[&id],
        )
        .await?
        > 0)
}

/// What one entry adds to its `department_balances` row: gross grams (signed), pieces in, pieces
/// out and fine grams (signed); and to its `ledger_unit_totals` row the same split by direction
/// (gross and fine grams in and out, as magnitudes). Negated, what it takes back.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BalanceDelta {
    pub grams: Grams,
    pub qty_in: Quantity,
    pub qty_out: Quantity,
    pub fine_weight: Grams,
    pub gross_in: Grams,
    pub gross_out: Grams,
    pub fine_in: Grams,
    pub fine_out: Grams,
}

impl BalanceDelta {
    pub fn negated(self) -> Self {
        let g = |x: Grams| Grams::from_decimal(-x.get());
        let q = |x: Quantity| Quantity::from_decimal(-x.get());
        BalanceDelta {
            grams: g(self.grams),
            qty_in: q(self.qty_in),
            qty_out: q(self.qty_out),
            fine_weight: g(self.fine_weight),
            gross_in: g(self.gross_in),
            gross_out: g(self.gross_out),
            fine_in: g(self.fine_in),
            fine_out: g(self.fine_out),
        }
    }
}

/// `department_balances[department, metal] += delta` and `ledger_unit_totals[order, department,
/// metal] += delta`, every total in one statement of atomic upserts (rows are created on first
/// use).
pub async fn add_to_department_balance(
    tx: &Tx<'_>,
    order: OrderId,
    department: DepartmentId,
    metal: MetalId,
    d: BalanceDelta,
) -> Result<(), DbError> {
    tx.execute(
        "with unit as (
            insert into ledger_unit_totals
                    (order_id, department_id, metal_id, pieces_in, pieces_out, gross_in, gross_out,
                     fine_in, fine_out)
            values ($7, $1, $2, $4, $5, $8, $9, $10, $11)
            on conflict (tenant_id, order_id, department_id, metal_id)
            do update set pieces_in = ledger_unit_totals.pieces_in + excluded.pieces_in,
                          pieces_out = ledger_unit_totals.pieces_out + excluded.pieces_out,
                          gross_in = ledger_unit_totals.gross_in + excluded.gross_in,
                          gross_out = ledger_unit_totals.gross_out + excluded.gross_out,
                          fine_in = ledger_unit_totals.fine_in + excluded.fine_in,
                          fine_out = ledger_unit_totals.fine_out + excluded.fine_out
            returning 1)
         insert into department_balances
                (department_id, metal_id, balance_grams, qty_in, qty_out, fine_weight)
         select $1, $2, $3, $4, $5, $6 from unit
         on conflict (tenant_id, department_id, metal_id)
         do update set balance_grams = department_balances.balance_grams + excluded.balance_grams,
                       qty_in = department_balances.qty_in + excluded.qty_in,
                       qty_out = department_balances.qty_out + excluded.qty_out,
                       fine_weight = department_balances.fine_weight + excluded.fine_weight",
        &[
            &department,
            &metal,
            &d.grams,
            &d.qty_in,
            &d.qty_out,
            &d.fine_weight,
            &order,
            &d.gross_in,
            &d.gross_out,
            &d.fine_in,
            &d.fine_out,
        ],
    )
    .await?;
    Ok(())
}

/// Archives the not yet archived entries dated `from..=to`; how many.
pub async fn archive(tx: &Tx<'_>, from: NaiveDate, to: NaiveDate) -> Result<u64, DbError> {
    tx.execute(
        "update department_ledger_entries set is_archived = true
          where tenant_id = app_current_tenant() and not is_archived
            and date between $1 and $2",
        &[&from, &to],
    )
    .await
}

pub async fn unarchive(tx: &Tx<'_>, id: LedgerEntryId) -> Result<bool, DbError> {
    Ok(tx
        .execute(
            "update department_ledger_entries set is_archived = false
              where id = $1 and tenant_id = app_current_tenant()",
            &[&id],
        )
        .await?
        > 0)
}

/// One metal's totals over a set of entries (archived ones included).
#[derive(Debug, Clone)]
pub struct MetalTotals {
    pub metal_id: MetalId,
    pub metal_code: String,
    pub metal_name: String,
    pub qty_in: Quantity,
    pub qty_out: Quantity,
    pub fine_weight_balance: Grams,
}

from_row!(MetalTotals {
    metal_id,
    metal_code,
    metal_name,
    qty_in,
    qty_out,
    fine_weight_balance,
});

/// Per metal of the tenant's entries (of one department if given), ordered by metal code: the
/// running totals of `department_balances`, a row per (department, metal), not the ledger itself.
pub async fn totals(
    tx: &Tx<'_>,
    department: Option<DepartmentId>,
) -> Result<Vec<MetalTotals>, DbError> {
    row::all(
        &tx.query(
            "select b.metal_id, m.code as metal_code, m.name as metal_name,
                    sum(b.qty_in) as qty_in, sum(b.qty_out) as qty_out,
                    sum(b.fine_weight) as fine_weight_balance
               from department_balances b
               join metals m on m.tenant_id = b.tenant_id and m.id = b.metal_id
              where b.tenant_id = app_current_tenant()
                and ($1::int8 is null or b.department_id = $1)
              group by b.metal_id, m.code, m.name
             having sum(b.qty_in) <> 0 or sum(b.qty_out) <> 0 or sum(b.fine_weight) <> 0
              order by m.code, b.metal_id",
            &[&department],
        )
        .await?,
    )
}
