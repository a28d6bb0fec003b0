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
    // qualify: the `exists` keeps a month's report from summing the whole ledger.
    row::all(
        &tx.query(
            "select e.order_id, o.order_number, e.department_id, d.name as department_name,
                    d.loss_tolerance_percent, e.metal_id, m.code as metal_code,
                    m.name as metal_name, m.fine_percentage, m.average_cost_per_gram,
                    coalesce(sum(e.quantity) filter (where e.direction = 'IN'), 0) as pieces_in,
                    coalesce(sum(e.quantity) filter (where e.direction = 'OUT'), 0) as pieces_out,
                    coalesce(sum(e.weight) filter (where e.direction = 'IN'), 0) as gross_in,
                    coalesce(sum(e.weight) filter (where e.direction = 'OUT'), 0) as gross_out,
                    coalesce(max(e.date) filter (where e.direction = 'OUT'), max(e.date)) as day
               from department_ledger_entries e
               join orders o on o.tenant_id = e.tenant_id and o.id = e.order_id
               join departments d on d.tenant_id = e.tenant_id and d.id = e.department_id
               join metals m on m.tenant_id = e.tenant_id and m.id = e.metal_id
              where e.tenant_id = app_current_tenant()
                and ($5 or not e.is_archived)
                and ($3::int8 is null or e.department_id = $3)
                and ($4::int8 is null or e.order_id = $4)
                and ($6::int8 is null or e.metal_id = $6)
                and ($1::date is null and $2::date is null or exists (
                      select 1 from department_ledger_entries r
                       where r.tenant_id = e.tenant_id and r.order_id = e.order_id
                         and r.department_id = e.department_id and r.metal_id = e.metal_id
                         and ($1::date is null or r.date >= $1)
                         and ($2::date is null or r.date <= $2)))
              group by e.order_id, o.order_number, e.department_id, d.name,
                       d.loss_tolerance_percent, e.metal_id, m.code, m.name, m.fine_percentage,
                       m.average_cost_per_gram
             having ($1::date is null
                     or coalesce(max(e.date) filter (where e.direction = 'OUT'), max(e.date)) >= $1)
                and ($2::date is null
                     or coalesce(max(e.date) filter (where e.direction = 'OUT'), max(e.date)) <= $2)",
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
