//! Orders with line items (reference rules §8, decisions §3).
//!
//! * The contact is a body field: one of the tenant's contacts, else a 422 naming `contact_id`; the
//!   order's company is the contact's (also when an update changes the contact).
//! * An order has at least one line item; an update that sends `line_items` replaces them all.
//!   A line item's metal must be one of the tenant's metals (422 `line_items.N.metal_id`); an
//!   inactive one is accepted, so an old order can still be edited.
//! * Order numbers are `ORD-{tenant}-{n:06}` from the tenant's counter, never reused.
//! * Everything of one request happens in its transaction: a failing line item leaves no order.
//! * An order referred to by ledger entries, metal transactions or shipments cannot be deleted (409
//!   naming them).
//! * The timeline is derived from the order's non-archived ledger entries, per department in order
//!   of first appearance: IN and OUT `completed`, IN only `in_progress`, OUT only `pending`.

use futures_util::future::{join, join_all, join3, join4, try_join};
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::app::metal_accounting::{self, DepositRequest};
use crate::db::Tx;
use crate::domain::amount::{Grams, Money, non_negative};
use crate::domain::order::{self, order_status};
use crate::domain::permissions::{COMPANIES_WRITE, SAFE_WRITE};
use crate::domain::{ContactId, MetalId, NonBlank, OrderId, Page, optional_text};
use crate::error::{ApiError, ApiResult, OnConstraint};
use crate::repo::companies::{OrderHeader, OrderSummaryRow, PartySummary};
use crate::repo::orders::{self as repo, LineItemFields, OrderChanges as RepoChanges};

/// Answered by the API (and named in its OpenAPI document).
pub use crate::repo::orders::LineItemRow;

pub const DESCRIPTION_MAX: usize = 500;
pub const SPECIFICATIONS_MAX: usize = 2000;

const CONTACT_FK: &str = "orders_tenant_id_contact_id_fkey";
const LINE_ITEM_METAL_FK: &str = "order_line_items_tenant_id_metal_id_fkey";

/// An order as `GET /orders/` and `GET /orders/{id}` answer it: the header (with the total as
/// `price` and the legacy single-line fields), its line items, contact and company.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Order {
    #[serde(flatten)]
    pub order: OrderHeader,
    pub line_items: Vec<LineItemRow>,
    pub contact: PartySummary,
    pub company: PartySummary,
}

impl Order {
    fn new(row: OrderSummaryRow, line_items: Vec<LineItemRow>) -> Self {
        Order {
            order: row.order,
            line_items,
            contact: row.contact,
            company: row.company,
        }
    }
}

/// A line item as the app sends it, before validation.
#[derive(Debug, Clone, Default)]
pub struct LineItemInput {
    pub product_description: String,
    pub specifications: Option<String>,
    pub metal_id: Option<i64>,
    pub quantity: Option<i64>,
    pub target_weight_per_piece: Option<Grams>,
    pub initial_total_weight: Option<Grams>,
    pub price: Option<Money>,
    pub labor_cost: Option<Money>,
}

/// A valid line item.
#[derive(Debug, Clone)]
pub struct LineItem {
    product_description: NonBlank,
    specifications: Option<String>,
    metal_id: Option<MetalId>,
    quantity: i32,
    target_weight_per_piece: Option<Grams>,
    initial_total_weight: Option<Grams>,
    price: Option<Money>,
    labor_cost: Option<Money>,
}

fn item_field(index: usize, field: &str) -> String {
    format!("line_items.{index}.{field}")
}

impl LineItem {
    /// `index` names the item in errors (`line_items.1.quantity: …`).
    pub fn parse(index: usize, raw: LineItemInput) -> ApiResult<Self> {
        let f = |name: &str| item_field(index, name);
        let quantity = match raw.quantity {
            None => 1,
            Some(q) => i32::try_from(q).ok().filter(|q| *q >= 1).ok_or_else(|| {
                ApiError::field(&f("quantity"), "must be a whole number of at least 1")
            })?,
        };
        let metal_id = raw
            .metal_id
            .map(|m| {
                MetalId::new(m)
                    .ok_or_else(|| ApiError::field(&f("metal_id"), "must be a positive integer"))
            })
            .transpose()?;
        let amount =
            |name: &str, v: Option<Money>| v.map(|v| non_negative(&f(name), v)).transpose();
        let grams = |name: &str, v: Option<Grams>| v.map(|v| non_negative(&f(name), v)).transpose();
        Ok(LineItem {
            product_description: NonBlank::parse(
                &f("product_description"),
                &raw.product_description,
                DESCRIPTION_MAX,
            )?,
            specifications: optional_text(
                &f("specifications"),
                raw.specifications.as_deref(),
                SPECIFICATIONS_MAX,
            )?,
            metal_id,
            quantity,
            target_weight_per_piece: grams("target_weight_per_piece", raw.target_weight_per_piece)?,
            initial_total_weight: grams("initial_total_weight", raw.initial_total_weight)?,
            price: amount("price", raw.price)?,
            labor_cost: amount("labor_cost", raw.labor_cost)?,
        })
    }
}

/// At least one line item, each valid.
fn line_items(raw: Vec<LineItemInput>) -> ApiResult<Vec<LineItem>> {
    if raw.is_empty() {
        return Err(ApiError::field(
            "line_items",
            "must contain at least one line item",
        ));
    }
    raw.into_iter()
        .enumerate()
        .map(|(i, item)| LineItem::parse(i, item))
        .collect()
}

fn contact_id(raw: i64) -> ApiResult<ContactId> {
    ContactId::new(raw).ok_or_else(|| ApiError::field("contact_id", "must be a positive integer"))
}

fn contact_not_found(id: ContactId) -> ApiError {
    ApiError::field("contact_id", format!("Contact with id {id} not found"))
}

/// A valid order to create.
#[derive(Debug)]
pub struct NewOrder {
    contact: ContactId,
    status: &'static str,
    due_date: Option<DateTime<Utc>>,
    line_items: Vec<LineItem>,
    deposit: Option<DepositRequest>,
}

impl NewOrder {
    /// `deposit`: the order's inline `metal_deposit`, parsed with `DepositRequest::parse` (its
    /// errors name `metal_deposit.<field>`).
    pub fn parse(
        contact: i64,
        status: Option<&str>,
        due_date: Option<&str>,
        items: Vec<LineItemInput>,
        deposit: Option<DepositRequest>,
    ) -> ApiResult<Self> {
        Ok(NewOrder {
            deposit,
            contact: contact_id(contact)?,
            status: status.map(order_status).transpose()?.unwrap_or("PENDING"),
            due_date: due_date
                .map(|d| order::due_date("due_date", d))
                .transpose()?
                .flatten(),
            line_items: line_items(items)?,
        })
    }
}

/// A valid update: `None` keeps a field; `due_date: Some(None)` clears it; `line_items` replaces
/// all of them.
#[derive(Debug, Default)]
pub struct OrderChanges {
    contact: Option<ContactId>,
    status: Option<&'static str>,
    due_date: Option<Option<DateTime<Utc>>>,
    line_items: Option<Vec<LineItem>>,
}

impl OrderChanges {
    /// `due_date`: absent keeps it, `null` or blank clears it.
    pub fn parse(
        contact: Option<i64>,
        status: Option<&str>,
        due_date: Option<Option<&str>>,
        items: Option<Vec<LineItemInput>>,
    ) -> ApiResult<Self> {
        Ok(OrderChanges {
            contact: contact.map(contact_id).transpose()?,
            status: status.map(order_status).transpose()?,
            due_date: due_date
                .map(|d| {
                    d.map(|d| order::due_date("due_date", d))
                        .transpose()
                        .map(Option::flatten)
                })
                .transpose()?,
            line_items: items.map(line_items).transpose()?,
        })
    }
}

fn not_found(id: OrderId) -> ApiError {
    ApiError::not_found("Order", id)
}

/// The orders with their line items, read in one query for the whole page.
fn with_line_items(rows: Vec<OrderSummaryRow>, line_items: Vec<LineItemRow>) -> Vec<Order> {
    let mut items: HashMap<OrderId, Vec<LineItemRow>> = HashMap::new();
    for item in line_items {
        items.entry(item.order_id).or_default().push(item);
    }
    rows.into_iter()
        .map(|row| {
            let mine = items.remove(&row.order.id).unwrap_or_default();
            Order::new(row, mine)
        })
        .collect()
}

pub async fn list(tx: &Tx<'_>, page: Page) -> ApiResult<Vec<Order>> {
    // The line items select the page again instead of waiting for its ids: one flight, and the
    // same orders, as a read's transaction sees one snapshot (repeatable read).
    let (rows, items) = try_join(repo::list(tx, page), repo::line_items_of_page(tx, page)).await?;
    Ok(with_line_items(rows, items))
}

pub async fn get(tx: &Tx<'_>, id: OrderId) -> ApiResult<Order> {
    let (row, items) = try_join(repo::get(tx, id), repo::line_items(tx, &[id.get()])).await?;
    Ok(Order::new(row.ok_or_else(|| not_found(id))?, items))
}

/// The items, sent together (they need nothing of each other's answers); the first failure, in
/// the items' order, is the answer.
async fn insert_line_items(
    tx: &Tx<'_>,
    order: Option<OrderId>,
    items: &[LineItem],
) -> ApiResult<()> {
    let inserts = items.iter().enumerate().map(|(index, item)| async move {
        let fields = LineItemFields {
            product_description: item.product_description.as_str(),
            specifications: item.specifications.as_deref(),
            metal_id: item.metal_id,
            quantity: item.quantity,
            target_weight_per_piece: item.target_weight_per_piece,
            initial_total_weight: item.initial_total_weight,
            price: item.price,
            labor_cost: item.labor_cost,
        };
        repo::insert_line_item(tx, order, &fields)
            .await
            .on_constraint(LINE_ITEM_METAL_FK, || {
                ApiError::field(
                    &item_field(index, "metal_id"),
                    format!(
                        "Metal with id {} not found",
                        item.metal_id.map(|m| m.get()).unwrap_or_default()
                    ),
                )
            })
    });
    join_all(inserts).await.into_iter().collect()
}

/// Creates the order and its line items in the request's transaction.
/// The order, its line items and its inline deposit, all in the request's transaction: a failing
/// deposit leaves no order, no items and no used number. A deposit needs what the deposit endpoint
/// declares (`companies:write`, `safe:write`), checked before anything is written.
pub async fn create(tx: &Tx<'_>, new: NewOrder) -> ApiResult<Order> {
    if new.deposit.is_some() {
        let caller = tx.principal().await?;
        caller.require(COMPANIES_WRITE)?;
        caller.require(SAFE_WRITE)?;
    }
    let prefix = order::order_number_prefix(tx.tenant()?);
    // One flight: the numbered order, its items and the order read back, all naming the order by
    // the id the insert drew. Without the contact nothing is inserted, the items fail or land
    // nowhere they may stay: the 422 rolls them back.
    let (id, items, row, line_items) = join4(
        repo::insert_numbered(tx, &prefix, new.contact, new.status, new.due_date),
        insert_line_items(tx, None, &new.line_items),
        repo::get_inserted(tx),
        repo::line_items_of_inserted(tx),
    )
    .await;
    let id = id?.ok_or_else(|| contact_not_found(new.contact))?;
    items?;
    let order = Order::new(row?.ok_or_else(|| not_found(id))?, line_items?);
    if let Some(d) = new.deposit {
        metal_accounting::deposit(tx, order.order.company_id, &d)
            .await
            .map_err(|e| e.within("metal_deposit"))?;
    }
    Ok(order)
}

pub async fn update(tx: &Tx<'_>, id: OrderId, ch: OrderChanges) -> ApiResult<Order> {
    let changes = RepoChanges {
        contact: ch.contact,
        status: ch.status,
        due_date: ch.due_date,
    };
    // One flight: the update, the items replaced, the order read back; the first failure, in that
    // order, is the answer (and rolls back the rest).
    let (found, replaced, order) = join3(
        repo::update(tx, id, &changes),
        async {
            let Some(items) = &ch.line_items else {
                return Ok(());
            };
            let (deleted, inserted) = join(
                repo::delete_line_items(tx, id),
                insert_line_items(tx, Some(id), items),
            )
            .await;
            deleted?;
            inserted
        },
        get(tx, id),
    )
    .await;
    let found = found.on_constraint(CONTACT_FK, || match ch.contact {
        Some(c) => contact_not_found(c),
        None => ApiError::field("contact_id", "Contact not found"),
    })?;
    if !found {
        return Err(not_found(id));
    }
    replaced?;
    order
}

fn blocked_by(d: repo::OrderDependents) -> Option<String> {
    let names: Vec<&str> = [
        (d.ledger_entries, "ledger entries"),
        (d.metal_transactions, "metal transactions"),
        (d.shipments, "shipments"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(_, name)| name)
    .collect();
    match names.as_slice() {
        [] => None,
        [one] => Some((*one).to_string()),
        [init @ .., last] => Some(format!("{} and {last}", init.join(", "))),
    }
}

pub async fn delete(tx: &Tx<'_>, id: OrderId) -> ApiResult<()> {
    // Sent together: a refusal below returns an error, which rolls back whatever went out after
    // the check, so the write need not wait for the check's answer.
    let (found, deps, deleted) = join3(
        repo::get(tx, id),
        repo::dependents(tx, id),
        repo::delete(tx, id),
    )
    .await;
    if found?.is_none() {
        return Err(not_found(id));
    }
    if let Some(what) = blocked_by(deps?) {
        return Err(ApiError::Conflict(format!(
            "Cannot delete order with existing {what}"
        )));
    }
    // Something that refers to the order since the check: the foreign keys still refuse.
    let deleted = deleted.on_foreign_key(|| {
        ApiError::Conflict(
            "Cannot delete order with existing ledger entries, metal transactions or shipments"
                .into(),
        )
    })?;
    if deleted { Ok(()) } else { Err(not_found(id)) }
}

/// One department of an order's timeline.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct TimelineStep {
    /// The department's id.
    pub id: i64,
    /// The department's name.
    pub step_type: String,
    /// `pending` (OUT only), `in_progress` (IN only) or `completed` (IN and OUT).
    pub status: &'static str,
    pub department: String,
    /// Always null: ledger entries carry no durations.
    pub duration_hours: Option<f64>,
    /// The department's id.
    pub sequence_order: i64,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Timeline {
    pub order_id: OrderId,
    pub order_number: String,
    pub contact_name: String,
    pub product_description: String,
    pub steps: Vec<TimelineStep>,
    pub total_steps: usize,
}

/// Steps per department in order of first appearance.
fn steps(entries: &[repo::TimelineEntry]) -> Vec<TimelineStep> {
    // (department id, name, has IN, has OUT)
    let mut seen: Vec<(i64, String, bool, bool)> = Vec::new();
    for e in entries {
        let id = e.department_id.get();
        let pos = match seen.iter().position(|s| s.0 == id) {
            Some(p) => p,
            None => {
                seen.push((id, e.department_name.clone(), false, false));
                seen.len() - 1
            }
        };
        if e.direction == "IN" {
            seen[pos].2 = true;
        } else {
            seen[pos].3 = true;
        }
    }
    seen.into_iter()
        .map(|(id, name, has_in, has_out)| TimelineStep {
            id,
            step_type: name.clone(),
            status: match (has_in, has_out) {
                (true, true) => "completed",
                (true, false) => "in_progress",
                _ => "pending",
            },
            department: name,
            duration_hours: None,
            sequence_order: id,
        })
        .collect()
}

pub async fn timeline(tx: &Tx<'_>, id: OrderId) -> ApiResult<Timeline> {
    let (order, entries) = try_join(get(tx, id), async {
        Ok(repo::timeline_entries(tx, id).await?)
    })
    .await?;
    let product_description = match order.line_items.as_slice() {
        [] => order.order.product_description.clone().unwrap_or_default(),
        [first] => first.product_description.clone(),
        [first, rest @ ..] => format!("{} (+{} more)", first.product_description, rest.len()),
    };
    let steps = steps(&entries);
    Ok(Timeline {
        order_id: id,
        order_number: order.order.order_number,
        contact_name: order.contact.name,
        product_description,
        total_steps: steps.len(),
        steps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::DepartmentId;

    fn entry(dept: i64, direction: &str) -> repo::TimelineEntry {
        repo::TimelineEntry {
            department_id: DepartmentId::from_db(dept),
            department_name: format!("D{dept}"),
            direction: direction.into(),
        }
    }

    #[test]
    fn timeline_statuses_per_department_in_order_of_first_appearance() {
        let s = steps(&[
            entry(3, "IN"),
            entry(1, "OUT"),
            entry(3, "OUT"),
            entry(2, "IN"),
            entry(2, "IN"),
        ]);
        let got: Vec<(i64, &str)> = s.iter().map(|s| (s.id, s.status)).collect();
        assert_eq!(
            got,
            vec![(3, "completed"), (1, "pending"), (2, "in_progress")]
        );
        assert_eq!(s[0].step_type, "D3");
        assert_eq!(s[0].sequence_order, 3);
        assert!(steps(&[]).is_empty());
    }

    #[test]
    fn line_items_are_checked_with_their_index() {
        let item = |q: Option<i64>| LineItemInput {
            product_description: "Ring".into(),
            quantity: q,
            ..Default::default()
        };
        assert_eq!(
            line_items(vec![]).unwrap_err().detail(),
            "line_items: must contain at least one line item"
        );
        assert_eq!(
            line_items(vec![item(None), item(Some(0))])
                .unwrap_err()
                .detail(),
            "line_items.1.quantity: must be a whole number of at least 1"
        );
        let blank = LineItemInput {
            product_description: " ".into(),
            ..Default::default()
        };
        assert_eq!(
            line_items(vec![blank]).unwrap_err().detail(),
            "line_items.0.product_description: must not be blank"
        );
        assert_eq!(line_items(vec![item(None)]).unwrap()[0].quantity, 1);
    }

    #[test]
    fn delete_blockers_are_named() {
        let d = |l, m, s| repo::OrderDependents {
            ledger_entries: l,
            metal_transactions: m,
            shipments: s,
        };
        assert_eq!(blocked_by(d(0, 0, 0)), None);
        assert_eq!(blocked_by(d(0, 0, 2)).as_deref(), Some("shipments"));
        assert_eq!(
            blocked_by(d(1, 0, 1)).as_deref(),
            Some("ledger entries and shipments")
        );
        assert_eq!(
            blocked_by(d(1, 1, 1)).as_deref(),
            Some("ledger entries, metal transactions and shipments")
        );
    }
}
