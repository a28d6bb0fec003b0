//! Companies (customers of the tenant), their balance and statistics, and the order summaries shown on
//! a company's and a contact's page.
//!
//! Money formulas (decisions §3): an order's total is the sum of its line items' `price` (a NULL price
//! counts 0); a company's `total_balance` is the sum of the totals of its orders that are not CANCELLED.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::row::{self, FromRow, from_row};
use crate::db::Tx;
use crate::domain::amount::{Grams, Money};
use crate::domain::{CompanyId, ContactId, MetalId, OrderId, Page, TenantId};
use crate::error::DbError;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CompanyRow {
    pub id: CompanyId,
    pub tenant_id: TenantId,
    pub name: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COMPANY_COLUMNS: &str =
    "c.id, c.tenant_id, c.name, c.address, c.phone, c.email, c.created_at, c.updated_at";

from_row!(CompanyRow {
    id,
    tenant_id,
    name,
    address,
    phone,
    email,
    created_at,
    updated_at,
});

/// `{id, name, email, phone}`: a contact inside a company answer, or a company inside a contact answer.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PartySummary {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

from_row!(PartySummary {
    id,
    name,
    email,
    phone
});

/// `total_balance` of the company aliased `c` (numeric: the prices' scale, 2 places).
const BALANCE_OF_C: &str = "(select coalesce(sum(i.price), 0)
       from orders o
       join order_line_items i on i.tenant_id = o.tenant_id and i.order_id = o.id
      where o.tenant_id = c.tenant_id and o.company_id = c.id and o.status <> 'CANCELLED')";

/// Companies whose name contains `search` (case-insensitive), by name, each with its balance.
pub async fn list(
    tx: &Tx<'_>,
    search: Option<&str>,
    page: Page,
) -> Result<Vec<(CompanyRow, Money)>, DbError> {
    // strpos instead of ILIKE: the user's `%` and `_` are plain characters, not wildcards.
    let sql = format!(
        "select {COMPANY_COLUMNS}, {BALANCE_OF_C} as total_balance
           from companies c
          where c.tenant_id = app_current_tenant()
            and ($1::text is null or strpos(lower(c.name), lower($1)) > 0)
          order by lower(c.name), c.id
         offset $2 limit $3"
    );
    let rows = tx
        .query(&sql, &[&search, &page.skip(), &page.limit()])
        .await?;
    rows.iter()
        .map(|r| Ok((CompanyRow::from_row(r)?, row::get(r, "total_balance")?)))
        .collect()
}

pub async fn get(tx: &Tx<'_>, id: CompanyId) -> Result<Option<CompanyRow>, DbError> {
    let sql = format!(
        "select {COMPANY_COLUMNS} from companies c where c.id = $1 and c.tenant_id = app_current_tenant()"
    );
    row::optional(tx.query_opt(&sql, &[&id]).await?)
}

pub async fn exists(tx: &Tx<'_>, id: CompanyId) -> Result<bool, DbError> {
    Ok(tx
        .query_opt(
            "select 1 from companies where id = $1 and tenant_id = app_current_tenant()",
            &[&id.get()],
        )
        .await?
        .is_some())
}

/// Lock the company row until the end of the transaction; `false` if it does not exist here.
/// Serialises the default-address switches of one company (`for no key update` does not block
/// inserts of rows that merely reference the company).
pub async fn lock(tx: &Tx<'_>, id: CompanyId) -> Result<bool, DbError> {
    Ok(tx
        .query_opt(
            "select 1 from companies where id = $1 and tenant_id = app_current_tenant() for no key update",
            &[&id.get()],
        )
        .await?
        .is_some())
}

pub struct CompanyFields<'a> {
    pub name: &'a str,
    pub address: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub email: Option<&'a str>,
}

/// A taken name is `DbError::Unique { uq_company_name_per_tenant }`.
pub async fn insert(tx: &Tx<'_>, f: &CompanyFields<'_>) -> Result<CompanyRow, DbError> {
    let sql = format!(
        "insert into companies as c (name, address, phone, email) values ($1, $2, $3, $4)
         returning {COMPANY_COLUMNS}"
    );
    let row = tx
        .query_one(&sql, &[&f.name, &f.address, &f.phone, &f.email])
        .await?;
    row::one(row)
}

/// A change of an optional column: `None` keeps it, `Some(None)` clears it.
pub type Change<'a> = Option<Option<&'a str>>;

pub struct CompanyChanges<'a> {
    pub name: Option<&'a str>,
    pub address: Change<'a>,
    pub phone: Change<'a>,
    pub email: Change<'a>,
}

pub async fn update(
    tx: &Tx<'_>,
    id: CompanyId,
    ch: &CompanyChanges<'_>,
) -> Result<Option<CompanyRow>, DbError> {
    let sql = format!(
        "update companies as c
            set name = coalesce($2, c.name),
                address = case when $3 then $4 else c.address end,
                phone = case when $5 then $6 else c.phone end,
                email = case when $7 then $8 else c.email end
          where c.id = $1 and c.tenant_id = app_current_tenant()
         returning {COMPANY_COLUMNS}"
    );
    let row = tx
        .query_opt(
            &sql,
            &[
                &id.get(),
                &ch.name,
                &ch.address.is_some(),
                &ch.address.flatten(),
                &ch.phone.is_some(),
                &ch.phone.flatten(),
                &ch.email.is_some(),
                &ch.email.flatten(),
            ],
        )
        .await?;
    row::optional(row)
}

/// Rows that keep a company from being deleted (addresses are deleted with it).
#[derive(Debug, Clone, Copy, Default)]
pub struct CompanyDependents {
    pub contacts: i64,
    pub orders: i64,
    pub metal_balances: i64,
    pub metal_transactions: i64,
}

from_row!(CompanyDependents {
    contacts,
    orders,
    metal_balances,
    metal_transactions,
});

pub async fn dependents(tx: &Tx<'_>, id: CompanyId) -> Result<CompanyDependents, DbError> {
    let row = tx
        .query_one(
            "select (select count(*) from contacts where tenant_id = app_current_tenant() and company_id = $1)
                        as contacts,
                    (select count(*) from orders where tenant_id = app_current_tenant() and company_id = $1)
                        as orders,
                    (select count(*) from company_metal_balances
                      where tenant_id = app_current_tenant() and company_id = $1) as metal_balances,
                    (select count(*) from metal_transactions
                      where tenant_id = app_current_tenant() and company_id = $1) as metal_transactions",
            &[&id],
        )
        .await?;
    row::one(row)
}

/// Whether a row was deleted. A row still referenced is `DbError::ForeignKey`.
pub async fn delete(tx: &Tx<'_>, id: CompanyId) -> Result<bool, DbError> {
    Ok(tx
        .execute(
            "delete from companies where id = $1 and tenant_id = app_current_tenant()",
            &[&id.get()],
        )
        .await?
        > 0)
}

/// The contacts of several companies at once (for lists), as `(company_id, contact)` by name.
pub async fn contacts_of_many(
    tx: &Tx<'_>,
    companies: Vec<i64>,
) -> Result<Vec<(CompanyId, PartySummary)>, DbError> {
    let rows = tx
        .query(
            "select company_id, id, name, email, phone from contacts
              where tenant_id = app_current_tenant() and company_id = any($1)
              order by lower(name), id",
            &[&companies],
        )
        .await?;
    rows.iter()
        .map(|r| Ok((row::get(r, "company_id")?, PartySummary::from_row(r)?)))
        .collect()
}

/// The contacts of the companies `list` answers for the same `search` and `page`, selecting that
/// page itself: sent with `list`, not after it.
pub async fn contacts_of_page(
    tx: &Tx<'_>,
    search: Option<&str>,
    page: Page,
) -> Result<Vec<(CompanyId, PartySummary)>, DbError> {
    let rows = tx
        .query(
            // The page's ids as one array (an InitPlan), probed through the (tenant_id, company_id)
            // index: with `company_id in (page)` the planner hashes the page and scans every contact
            // of the tenant once it has a few thousand (README, Performance → Scale), so the page
            // grew with the data.
            "select company_id, id, name, email, phone from contacts
              where tenant_id = app_current_tenant()
                and company_id = any(array(
                    select c.id from companies c
                     where c.tenant_id = app_current_tenant()
                       and ($1::text is null or strpos(lower(c.name), lower($1)) > 0)
                     order by lower(c.name), c.id
                    offset $2 limit $3))
              order by lower(name), id",
            &[&search, &page.skip(), &page.limit()],
        )
        .await?;
    rows.iter()
        .map(|r| Ok((row::get(r, "company_id")?, PartySummary::from_row(r)?)))
        .collect()
}

pub async fn contacts_of(
    tx: &Tx<'_>,
    id: CompanyId,
    page: Page,
) -> Result<Vec<PartySummary>, DbError> {
    let rows = tx
        .query(
            "select id, name, email, phone from contacts
              where tenant_id = app_current_tenant() and company_id = $1
              order by lower(name), id
             offset $2 limit $3",
            &[&id, &page.skip(), &page.limit()],
        )
        .await?;
    row::all(&rows)
}

/// The company's balance; `None` if the company does not exist here.
pub async fn balance(tx: &Tx<'_>, id: CompanyId) -> Result<Option<Money>, DbError> {
    let sql = format!(
        "select {BALANCE_OF_C} as total_balance
           from companies c where c.id = $1 and c.tenant_id = app_current_tenant()"
    );
    tx.query_opt(&sql, &[&id])
        .await?
        .map(|r| row::get(&r, "total_balance"))
        .transpose()
}

#[derive(Debug, Clone, Copy)]
pub struct CompanyFigures {
    pub total_balance: Money,
    pub contact_count: i64,
    /// All orders, cancelled ones included.
    pub order_count: i64,
    /// The orders that make up the balance (not cancelled).
    pub billable_order_count: i64,
}

from_row!(CompanyFigures {
    total_balance,
    contact_count,
    order_count,
    billable_order_count,
});

pub async fn figures(tx: &Tx<'_>, id: CompanyId) -> Result<Option<CompanyFigures>, DbError> {
    let sql = format!(
        "select {BALANCE_OF_C} as total_balance,
                (select count(*) from contacts x where x.tenant_id = c.tenant_id and x.company_id = c.id)
                    as contact_count,
                (select count(*) from orders o where o.tenant_id = c.tenant_id and o.company_id = c.id)
                    as order_count,
                (select count(*) from orders o
                  where o.tenant_id = c.tenant_id and o.company_id = c.id and o.status <> 'CANCELLED')
                    as billable_order_count
           from companies c where c.id = $1 and c.tenant_id = app_current_tenant()"
    );
    row::optional(tx.query_opt(&sql, &[&id]).await?)
}

/// The order header of an order summary, with its total as `price` (the sum of its line items'
/// prices).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct OrderHeader {
    pub id: OrderId,
    pub tenant_id: TenantId,
    pub order_number: String,
    pub contact_id: ContactId,
    pub company_id: CompanyId,
    pub status: String,
    pub due_date: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The legacy header description, else the first line item's (`" (+N more)"` for further items).
    pub product_description: Option<String>,
    pub specifications: Option<String>,
    /// Pieces: the sum of the line items' quantities (each an `int4`, so the sum is an `int8`).
    pub quantity: i64,
    /// The order's total: the sum of its line items' prices.
    pub price: Money,
    pub metal_id: Option<MetalId>,
    pub metal_name: Option<String>,
    pub target_weight_per_piece: Option<Grams>,
    pub initial_total_weight: Option<Grams>,
    pub labor_cost: Option<Money>,
}

from_row!(OrderHeader {
    id,
    tenant_id,
    order_number,
    contact_id,
    company_id,
    status,
    due_date,
    created_at,
    updated_at,
    product_description,
    specifications,
    quantity,
    price,
    metal_id,
    metal_name,
    target_weight_per_piece,
    initial_total_weight,
    labor_cost,
});

/// One order of the order tabs of a company or a contact: its header and its contact's and
/// company's summaries (the API answer is `app::companies::OrderSummary`).
#[derive(Debug, Clone)]
pub struct OrderSummaryRow {
    pub order: OrderHeader,
    pub contact: PartySummary,
    pub company: PartySummary,
}

impl FromRow for OrderSummaryRow {
    fn from_row(r: &tokio_postgres::Row) -> Result<Self, DbError> {
        let order = OrderHeader::from_row(r)?;
        Ok(OrderSummaryRow {
            contact: PartySummary {
                id: order.contact_id.get(),
                name: row::get(r, "contact_name")?,
                email: row::get(r, "contact_email")?,
                phone: row::get(r, "contact_phone")?,
            },
            company: PartySummary {
                id: order.company_id.get(),
                name: row::get(r, "company_name")?,
                email: row::get(r, "company_email")?,
                phone: row::get(r, "company_phone")?,
            },
            order,
        })
    }
}

#[derive(Debug, Clone, Copy)]
pub enum OrdersOf {
    Company(CompanyId),
    Contact(ContactId),
}

/// Orders of a company or a contact, newest first.
pub async fn orders_of(
    tx: &Tx<'_>,
    of: OrdersOf,
    page: Page,
) -> Result<Vec<OrderSummaryRow>, DbError> {
    let (column, id) = match of {
        OrdersOf::Company(id) => ("company_id", id.get()),
        OrdersOf::Contact(id) => ("contact_id", id.get()),
    };
    let sql = format!(
        "select o.id, o.tenant_id, o.order_number, o.contact_id, o.company_id, o.status, o.due_date,
                o.created_at, o.updated_at,
                coalesce(o.product_description,
                         li.first_description
                           || case when li.n > 1 then ' (+' || (li.n - 1) || ' more)' else '' end)
                    as product_description,
                o.specifications, o.quantity::int8 as quantity, coalesce(li.total, 0) as price, o.metal_id,
                m.name as metal_name, o.target_weight_per_piece, o.initial_total_weight, o.labor_cost,
                ct.name as contact_name, ct.email as contact_email, ct.phone as contact_phone,
                co.name as company_name, co.email as company_email, co.phone as company_phone
           from orders o
           join contacts ct on ct.tenant_id = o.tenant_id and ct.id = o.contact_id
           join companies co on co.tenant_id = o.tenant_id and co.id = o.company_id
           left join metals m on m.tenant_id = o.tenant_id and m.id = o.metal_id
           left join lateral (
                select sum(i.price) as total, count(*) as n,
                       (array_agg(i.product_description order by i.id))[1] as first_description
                  from order_line_items i
                 where i.tenant_id = o.tenant_id and i.order_id = o.id
           ) li on true
          where o.tenant_id = app_current_tenant() and o.{column} = $1
          order by o.created_at desc, o.id desc
         offset $2 limit $3"
    );
    row::all(&tx.query(&sql, &[&id, &page.skip(), &page.limit()]).await?)
}
