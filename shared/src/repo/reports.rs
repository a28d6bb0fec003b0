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
