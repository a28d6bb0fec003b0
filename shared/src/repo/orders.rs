//! Orders, their line items and the per-tenant order counter; the ledger entries an order's timeline
//! is made of.
//!
//! * An order's `price` is its total: the sum of its line items' prices (a NULL price counts 0).
//! * The legacy single-line fields of an answer fall back to the line items: `product_description` is
//!   the first item's (`" (+N more)"` for further ones), `quantity` the pieces of all items,
//!   `metal_id`/`metal_name` the first item's metal.
//! * Order numbers come from `tenant_order_counters`, incremented in one statement: concurrent
//!   creations queue on the counter row's lock, and a number is never handed out twice.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::companies::OrderSummaryRow;
use super::row::{self, from_row};
use crate::db::{Param, Tx};
use crate::domain::amount::{Grams, Money};
use crate::domain::{ContactId, DepartmentId, MetalId, OrderId, Page};
use crate::error::DbError;

/// The header of orders aliased `o`, with contact `ct`, company `co` and the line-item aggregate `li`.
const ORDER_SELECT: &str = "
    select o.id, o.tenant_id, o.order_number, o.contact_id, o.company_id, o.status, o.due_date,
           o.created_at, o.updated_at,
           coalesce(o.product_description,
                    li.first_description
                      || case when li.n > 1 then ' (+' || (li.n - 1) || ' more)' else '' end)
               as product_description,
           o.specifications, coalesce(li.pieces, o.quantity)::int8 as quantity,
           coalesce(li.total, 0) as price, coalesce(o.metal_id, li.first_metal_id) as metal_id,
           m.name as metal_name, o.target_weight_per_piece, o.initial_total_weight, o.labor_cost,
           ct.name as contact_name, ct.email as contact_email, ct.phone as contact_phone,
           co.name as company_name, co.email as company_email, co.phone as company_phone
      from orders o
      join contacts ct on ct.tenant_id = o.tenant_id and ct.id = o.contact_id
      join companies co on co.tenant_id = o.tenant_id and co.id = o.company_id
      left join lateral (
           select sum(i.price) as total, count(*) as n, sum(i.quantity) as pieces,
                  (array_agg(i.product_description order by i.id))[1] as first_description,
                  (array_agg(i.metal_id order by i.id) filter (where i.metal_id is not null))[1]
                      as first_metal_id
             from order_line_items i
            where i.tenant_id = o.tenant_id and i.order_id = o.id
      ) li on true
      left join metals m on m.tenant_id = o.tenant_id and m.id = coalesce(o.metal_id, li.first_metal_id)";

/// One line item as the order answers show it, with its metal's name.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct LineItemRow {
    pub id: i64,
    pub order_id: OrderId,
    pub product_description: String,
    pub specifications: Option<String>,
    pub metal_id: Option<MetalId>,
    pub metal_name: Option<String>,
    pub quantity: i32,
    pub target_weight_per_piece: Option<Grams>,
    pub initial_total_weight: Option<Grams>,
    pub price: Option<Money>,
    pub labor_cost: Option<Money>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

from_row!(LineItemRow {
    id,
    order_id,
    product_description,
    specifications,
    metal_id,
    metal_name,
    quantity,
    target_weight_per_piece,
    initial_total_weight,
    price,
    labor_cost,
    created_at,
    updated_at,
});

/// The tenant's orders, newest first.
pub async fn list(tx: &Tx<'_>, page: Page) -> Result<Vec<OrderSummaryRow>, DbError> {
    let sql = format!(
        "{ORDER_SELECT}
          where o.tenant_id = app_current_tenant()
          order by o.created_at desc, o.id desc
         offset $1 limit $2"
    );
    row::all(&tx.query(&sql, &[&page.skip(), &page.limit()]).await?)
}

pub async fn get(tx: &Tx<'_>, id: OrderId) -> Result<Option<OrderSummaryRow>, DbError> {
    let sql = format!("{ORDER_SELECT} where o.id = $1 and o.tenant_id = app_current_tenant()");
    row::optional(tx.query_opt(&sql, &[&id]).await?)
}

/// The line items of the orders `list` answers for the same `page`, selecting that page itself:
/// sent with `list`, not after it.
pub async fn line_items_of_page(tx: &Tx<'_>, page: Page) -> Result<Vec<LineItemRow>, DbError> {
    line_items_where(
        tx,
        "i.order_id in (select o.id from orders o
                         where o.tenant_id = app_current_tenant()
                         order by o.created_at desc, o.id desc
                        offset $1 limit $2)",
        &[&page.skip(), &page.limit()],
    )
    .await
}

/// The order just inserted by this session (`insert_numbered`), with its line items' join.
pub async fn get_inserted(tx: &Tx<'_>) -> Result<Option<OrderSummaryRow>, DbError> {
    let sql = format!(
        "{ORDER_SELECT} where o.id = (select currval(pg_get_serial_sequence('orders', 'id'))) and o.tenant_id = app_current_tenant()"
    );
    row::optional(tx.query_opt(&sql, &[]).await?)
}

/// The line items of the order just inserted by this session (`insert_numbered`).
pub async fn line_items_of_inserted(tx: &Tx<'_>) -> Result<Vec<LineItemRow>, DbError> {
    line_items_where(
        tx,
        "i.order_id = (select currval(pg_get_serial_sequence('orders', 'id')))",
        &[],
    )
    .await
}

/// The line items of the given orders, by order and then in the order they were entered.
pub async fn line_items(tx: &Tx<'_>, orders: &[i64]) -> Result<Vec<LineItemRow>, DbError> {
    line_items_where(tx, "i.order_id = any($1)", &[&orders]).await
}

/// The tenant's line items of the orders `which` selects, by order and then as entered.
async fn line_items_where(
    tx: &Tx<'_>,
    which: &str,
    params: &[&dyn Param],
) -> Result<Vec<LineItemRow>, DbError> {
    let sql = format!(
        "select i.id, i.order_id, i.product_description, i.specifications, i.metal_id,
                    m.name as metal_name, i.quantity, i.target_weight_per_piece,
                    i.initial_total_weight, i.price, i.labor_cost, i.created_at, i.updated_at
               from order_line_items i
               left join metals m on m.tenant_id = i.tenant_id and m.id = i.metal_id
              where i.tenant_id = app_current_tenant()
                and {which}
              order by i.order_id, i.id"
    );
    row::all(&tx.query(&sql, params).await?)
}

/// Inserts the order header for the tenant's contact `contact` (its company is the contact's);
/// `None` when there is no such contact in the tenant.
/// Insert an order numbered from the tenant's counter, incremented in the same statement: one
/// atomic increment (the counter is created on first use), so concurrent transactions wait for
/// each other on the row lock and a number is never issued twice, deleted orders included. The
/// number is `prefix` and the counter's value padded to six digits, as
/// `domain::order::order_number` writes it. `None` if the contact is not the tenant's.
pub async fn insert_numbered(
    tx: &Tx<'_>,
    prefix: &str,
    contact: ContactId,
    status: &str,
    due_date: Option<DateTime<Utc>>,
) -> Result<Option<OrderId>, DbError> {
    tx.query_opt(
        "with n as (insert into tenant_order_counters (tenant_id, last_number)
                    values (app_current_tenant(), 1)
                    on conflict (tenant_id)
                    do update set last_number = tenant_order_counters.last_number + 1
                    returning last_number::text as n)
         insert into orders (order_number, contact_id, company_id, status, due_date)
         select $1 || lpad(n.n, greatest(6, length(n.n)), '0'), c.id, c.company_id, $3, $4
           from contacts c, n
          where c.id = $2 and c.tenant_id = app_current_tenant()
         returning id",
        &[&prefix, &contact, &status, &due_date],
    )
    .await?
    .map(|r| row::get(&r, "id"))
    .transpose()
}

pub struct LineItemFields<'a> {
    pub product_description: &'a str,
    pub specifications: Option<&'a str>,
    pub metal_id: Option<MetalId>,
    pub quantity: i32,
    pub target_weight_per_piece: Option<Grams>,
    pub initial_total_weight: Option<Grams>,
    pub price: Option<Money>,
    pub labor_cost: Option<Money>,
}

/// A metal that is not the tenant's is `DbError::ForeignKey { order_line_items_tenant_id_metal_id_fkey }`.
/// A line item of `order`, or (`None`) of the order just inserted by this session.
pub async fn insert_line_item(
    tx: &Tx<'_>,
    order: Option<OrderId>,
    f: &LineItemFields<'_>,
) -> Result<(), DbError> {
    tx.execute(
        "insert into order_line_items (order_id, product_description, specifications, metal_id,
                                       quantity, target_weight_per_piece, initial_total_weight,
                                       price, labor_cost)
         values (coalesce($1, (select currval(pg_get_serial_sequence('orders', 'id')))), $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            &order,
            &f.product_description,
            &f.specifications,
            &f.metal_id,
            &f.quantity,
            &f.target_weight_per_piece,
            &f.initial_total_weight,
            &f.price,
            &f.labor_cost,
        ],
    )
    .await?;
    Ok(())
}

pub async fn delete_line_items(tx: &Tx<'_>, order: OrderId) -> Result<(), DbError> {
    tx.execute(
        "delete from order_line_items where tenant_id = app_current_tenant() and order_id = $1",
        &[&order],
    )
    .await?;
    Ok(())
}

pub struct OrderChanges<'a> {
    pub contact: Option<ContactId>,
    pub status: Option<&'a str>,
    /// `Some(None)` clears the due date.
    pub due_date: Option<Option<DateTime<Utc>>>,
}

/// Whether the order exists. A new contact moves the order to the contact's company; a contact
/// that is not the tenant's is `DbError::ForeignKey { orders_tenant_id_contact_id_fkey }`.
pub async fn update(tx: &Tx<'_>, id: OrderId, ch: &OrderChanges<'_>) -> Result<bool, DbError> {
    Ok(tx
        .execute(
            "update orders o
                set contact_id = coalesce($2, o.contact_id),
                    company_id = coalesce((select c.company_id from contacts c
                                            where c.tenant_id = o.tenant_id and c.id = $2),
                                          o.company_id),
                    status = coalesce($3, o.status),
                    due_date = case when $4 then $5 else o.due_date end
              where o.id = $1 and o.tenant_id = app_current_tenant()",
            &[
                &id,
                &ch.contact,
                &ch.status,
                &ch.due_date.is_some(),
                &ch.due_date.flatten(),
            ],
        )
        .await?
        > 0)
}

/// What still refers to an order and so blocks its deletion.
#[derive(Debug, Clone, Copy)]
pub struct OrderDependents {
    pub ledger_entries: i64,
    pub metal_transactions: i64,
    pub shipments: i64,
}

from_row!(OrderDependents {
    ledger_entries,
    metal_transactions,
    shipments,
});

pub async fn dependents(tx: &Tx<'_>, id: OrderId) -> Result<OrderDependents, DbError> {
    let r = tx
        .query_one(
            "select (select count(*) from department_ledger_entries
                      where tenant_id = app_current_tenant() and order_id = $1) as ledger_entries,
                    (select count(*) from metal_transactions
                      where tenant_id = app_current_tenant() and order_id = $1) as metal_transactions,
                    (select count(*) from shipments
                      where tenant_id = app_current_tenant() and order_id = $1) as shipments",
            &[&id],
        )
        .await?;
    row::one(r)
}

/// Whether a row was deleted (its line items go with it). An order still referenced is
/// `DbError::ForeignKey`.
pub async fn delete(tx: &Tx<'_>, id: OrderId) -> Result<bool, DbError> {
    Ok(tx
        .execute(
            "delete from orders where id = $1 and tenant_id = app_current_tenant()",
            &[&id],
        )
        .await?
        > 0)
}

/// One non-archived ledger entry of an order, for its timeline.
#[derive(Debug, Clone)]
pub struct TimelineEntry {
    pub department_id: DepartmentId,
    pub department_name: String,
    pub direction: String,
}

from_row!(TimelineEntry {
    department_id,
    department_name,
    direction,
});

/// The order's non-archived ledger entries by (date, created_at).
pub async fn timeline_entries(tx: &Tx<'_>, id: OrderId) -> Result<Vec<TimelineEntry>, DbError> {
    let rows = tx
        .query(
            "select e.department_id, d.name as department_name, e.direction
               from department_ledger_entries e
               join departments d on d.tenant_id = e.tenant_id and d.id = e.department_id
              where e.tenant_id = app_current_tenant() and e.order_id = $1 and not e.is_archived
              order by e.date, e.created_at, e.id",
            &[&id],
        )
        .await?;
    row::all(&rows)
}
