//! What the metal reports read: the department ledger of the current tenant summed per
//! (order, department, metal).

use chrono::NaiveDate;

use super::row::{self, from_row};
use crate::db::Tx;
use crate::domain::amount::{Grams, Percent, Quantity, UnitPrice};
use crate::domain::metal::Purity;
use crate::domain::{DepartmentId, MetalId, OrderId};
use crate::error::DbError;

/// One (order, department, metal) of the ledger, with the names the report shows.
#[derive(Debug, Clone)]
pub struct UnitRow {
    pub order_id: OrderId,
    pub order_number: String,
    pub department_id: DepartmentId,
    pub department_name: String,
    pub loss_tolerance_percent: Option<Percent>,
    pub metal_id: MetalId,
    pub metal_code: String,
    pub metal_name: String,
    pub fine_percentage: Purity,
    pub average_cost_per_gram: Option<UnitPrice>,
    pub pieces_in: Quantity,
    pub pieces_out: Quantity,
    pub gross_in: Grams,
    pub gross_out: Grams,
    /// The date the unit's figures belong to: its latest OUT entry's, or its latest entry's when
    /// nothing has gone out yet.
    pub day: NaiveDate,
}

from_row!(UnitRow {
    order_id,
    order_number,
    department_id,
    department_name,
    loss_tolerance_percent,
    metal_id,
    metal_code,
    metal_name,
    fine_percentage,
    average_cost_per_gram,
    pieces_in,
    pieces_out,
    gross_in,
    gross_out,
    day,
});

/// Which units the report reads; dates bound the unit's `day`, inclusive.
pub struct UnitFilter {
    pub date_from: Option<NaiveDate>,
    pub date_to: Option<NaiveDate>,
    pub department: Option<DepartmentId>,
    pub order: Option<OrderId>,
    pub metal: Option<MetalId>,
    pub include_archived: bool,
}

pub async fn units(tx: &Tx<'_>, f: &UnitFilter) -> Result<Vec<UnitRow>, DbError> {
    // A unit's day is one of its entries' dates, so only units with an entry in the range can
    // qualify: `k` finds those from the date index (a month's entries, not the whole ledger), and
    // each is summed from the covering unit index (0005). Without dates every unit qualifies.
    row::all(
        &tx.query(
            "select k.order_id, o.order_number, k.department_id, d.name as department_name,
                    d.loss_tolerance_percent, k.metal_id, m.code as metal_code,
                    m.name as metal_name, m.fine_percentage, m.average_cost_per_gram,
                    u.pieces_in, u.pieces_out, u.gross_in, u.gross_out, u.day
               from (select distinct r.order_id, r.department_id, r.metal_id
                       from department_ledger_entries r
                      where r.tenant_id = app_current_tenant()
                        and r.date >= coalesce($1::date, '-infinity')
                        and r.date <= coalesce($2::date, 'infinity')
                        and ($3::int8 is null or r.department_id = $3)
                        and ($4::int8 is null or r.order_id = $4)
                        and ($6::int8 is null or r.metal_id = $6)) k
              cross join lateral (
                    select coalesce(sum(e.quantity) filter (where e.direction = 'IN'), 0) as pieces_in,
                           coalesce(sum(e.quantity) filter (where e.direction = 'OUT'), 0) as pieces_out,
                           coalesce(sum(e.weight) filter (where e.direction = 'IN'), 0) as gross_in,
                           coalesce(sum(e.weight) filter (where e.direction = 'OUT'), 0) as gross_out,
                           coalesce(max(e.date) filter (where e.direction = 'OUT'), max(e.date)) as day
                      from department_ledger_entries e
                     where e.tenant_id = app_current_tenant() and e.order_id = k.order_id
                       and e.department_id = k.department_id and e.metal_id = k.metal_id
                       and ($5 or not e.is_archived)
                    having count(*) > 0) u
               join orders o on o.tenant_id = app_current_tenant() and o.id = k.order_id
               join departments d on d.tenant_id = app_current_tenant() and d.id = k.department_id
               join metals m on m.tenant_id = app_current_tenant() and m.id = k.metal_id
              where ($1::date is null or u.day >= $1)
                and ($2::date is null or u.day <= $2)",
            &[
                &f.date_from,
                &f.date_to,
                &f.department,
                &f.order,
                &f.include_archived,
                &f.metal,
            ],
        )
        .await?,
    )
}

/// What the metal trail, the safe, the customers' balances and the shipments say of one metal
/// (fine grams; `consumed` and `issued` positive for metal that went out).
#[derive(Debug, Clone)]
pub struct MetalTrailRow {
    pub metal_id: MetalId,
    pub metal_code: String,
    pub metal_name: String,
    pub fine_percentage: Purity,
    pub purchased: Grams,
    pub deposited: Grams,
    pub consumed: Grams,
    pub customer_balances: Grams,
    pub issued: Grams,
    pub safe: Grams,
    pub shipped: Grams,
}

from_row!(MetalTrailRow {
    metal_id,
    metal_code,
    metal_name,
    fine_percentage,
    purchased,
    deposited,
    consumed,
    customer_balances,
    issued,
    safe,
    shipped,
});

/// Every metal of the tenant (inactive ones too), by code. Returned shipments do not count as
/// shipped: their pieces came back.
pub async fn metal_trails(
    tx: &Tx<'_>,
    metal: Option<MetalId>,
) -> Result<Vec<MetalTrailRow>, DbError> {
    row::all(
        &tx.query(
            "select m.id as metal_id, m.code as metal_code, m.name as metal_name,
                    m.fine_percentage,
                    coalesce(t.purchased, 0) as purchased, coalesce(t.deposited, 0) as deposited,
                    coalesce(-t.consumed, 0) as consumed,
                    coalesce(b.balances, 0) as customer_balances,
                    coalesce(-t.issued, 0) as issued, coalesce(s.quantity_grams, 0) as safe,
                    coalesce(h.shipped, 0) as shipped
               from metals m
               left join (
                    select metal_id,
                           sum(quantity_grams) filter (where transaction_type = 'SAFE_PURCHASE') as purchased,
                           sum(quantity_grams) filter (where transaction_type = 'COMPANY_DEPOSIT') as deposited,
                           sum(quantity_grams) filter (where transaction_type = 'MANUFACTURING_CONSUMPTION') as consumed,
                           sum(quantity_grams) filter (where transaction_type = 'SAFE_ISSUE') as issued
                      from metal_transactions
                     where tenant_id = app_current_tenant() and metal_id is not null
                     group by metal_id) t on t.metal_id = m.id
               left join safe_supplies s
                 on s.tenant_id = m.tenant_id and s.metal_id = m.id and s.supply_type = 'FINE_METAL'
               left join (
                    select metal_id, sum(balance_grams) as balances
                      from company_metal_balances
                     where tenant_id = app_current_tenant()
                     group by metal_id) b on b.metal_id = m.id
               left join (
                    select metal_id, sum(fine_weight) as shipped
                      from shipments
                     where tenant_id = app_current_tenant() and metal_id is not null
                       and status <> 'RETURNED'
                     group by metal_id) h on h.metal_id = m.id
              where m.tenant_id = app_current_tenant() and ($1::int8 is null or m.id = $1)
              order by m.code, m.id",
            &[&metal],
        )
        .await?,
    )
}

/// One (order, department, metal) of the whole ledger, archived entries included (archiving hides
/// entries from lists; the metal is still where they put it).
#[derive(Debug, Clone)]
pub struct FloorUnitRow {
    pub metal_id: MetalId,
    pub pieces_in: Quantity,
    pub pieces_out: Quantity,
    pub gross_in: Grams,
    pub gross_out: Grams,
    pub fine_in: Grams,
    pub fine_out: Grams,
}

from_row!(FloorUnitRow {
    metal_id,
    pieces_in,
    pieces_out,
    gross_in,
    gross_out,
    fine_in,
    fine_out,
});

pub async fn floor_units(
    tx: &Tx<'_>,
    metal: Option<MetalId>,
) -> Result<Vec<FloorUnitRow>, DbError> {
    // The running totals of 0007, one row per unit, rather than a pass over the whole ledger.
    row::all(
        &tx.query(
            "select metal_id, pieces_in, pieces_out, gross_in, gross_out, fine_in, fine_out
               from ledger_unit_totals
              where tenant_id = app_current_tenant() and ($1::int8 is null or metal_id = $1)",
            &[&metal],
        )
        .await?,
    )
}
