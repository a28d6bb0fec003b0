//! Companies: the tenant's customers (reference rules §9, decisions §3).
//!
//! * The name is unique per tenant (409 `Company with name 'X' already exists`).
//! * `total_balance` is the sum of the totals of the company's orders that are not CANCELLED, where an
//!   order's total is the sum of its line items' `price` (NULL prices count 0). It is always a JSON
//!   number.
//! * Statistics: `order_count` counts every order; `average_order_value` is the balance divided by the
//!   number of orders that make it up (the non-cancelled ones), 0 when there are none, so a cancelled
//!   order never drags the average down.
//! * A company cannot be deleted while contacts, orders or metal records refer to it (409 naming
//!   them); its addresses go with it.

use futures_util::future::{join, join3, try_join, try_join3};
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::db::Tx;
use crate::domain::amount::{Money, Number, average};
use crate::domain::{CompanyId, Email, NonBlank, Page, optional_text};
use crate::error::{ApiError, ApiResult, OnConstraint};
use crate::repo::companies::{self as repo, CompanyFields, OrderHeader, OrderSummaryRow, OrdersOf};

/// Answered by the API (and named in its OpenAPI document).
pub use crate::repo::companies::{CompanyRow, PartySummary};

pub const NAME_MAX: usize = 255;
pub const ADDRESS_MAX: usize = 500;
pub const PHONE_MAX: usize = 50;

/// A valid company to create.
#[derive(Debug)]
pub struct NewCompany {
    name: NonBlank,
    address: Option<String>,
    phone: Option<String>,
    email: Option<Email>,
}

impl NewCompany {
    pub fn parse(
        name: &str,
        address: Option<&str>,
        phone: Option<&str>,
        email: Option<&str>,
    ) -> ApiResult<Self> {
        Ok(NewCompany {
            name: NonBlank::parse("name", name, NAME_MAX)?,
            address: optional_text("address", address, ADDRESS_MAX)?,
            phone: optional_text("phone", phone, PHONE_MAX)?,
            email: Email::parse_optional("email", email)?,
        })
    }
}

/// A valid partial update: `None` keeps a field; for the optional fields `Some(None)` clears it.
#[derive(Debug, Default)]
pub struct CompanyChanges {
    name: Option<NonBlank>,
    address: Option<Option<String>>,
    phone: Option<Option<String>>,
    email: Option<Option<Email>>,
}

impl CompanyChanges {
    /// Each argument: `None` = not sent, `Some(None)` = sent as null. A blank optional text clears it.
    pub fn parse(
        name: Option<&str>,
        address: Option<Option<&str>>,
        phone: Option<Option<&str>>,
        email: Option<Option<&str>>,
    ) -> ApiResult<Self> {
        Ok(CompanyChanges {
            name: name
                .map(|n| NonBlank::parse("name", n, NAME_MAX))
                .transpose()?,
            address: address
                .map(|a| optional_text("address", a, ADDRESS_MAX))
                .transpose()?,
            phone: phone
                .map(|p| optional_text("phone", p, PHONE_MAX))
                .transpose()?,
            email: email
                .map(|e| Email::parse_optional("email", e))
                .transpose()?,
        })
    }
}

/// A company as the API answers it (`CompanyResponse`).
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CompanyView {
    #[serde(flatten)]
    pub company: CompanyRow,
    /// Filled in lists and when asked for (`include_contacts`); null otherwise.
    pub contacts: Option<Vec<PartySummary>>,
    /// Always null: kept for the old response shape; addresses have their own endpoints.
    pub addresses: Option<Vec<serde_json::Value>>,
    /// The sum of the totals of the company's non-cancelled orders; null when not asked for
    /// (`include_balance=false`).
    pub total_balance: Option<Money>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CompanyBalance {
    pub company_id: i64,
    pub total_balance: Money,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CompanyStatistics {
    pub company_id: i64,
    pub total_balance: Money,
    pub contact_count: i64,
    pub order_count: i64,
    /// `total_balance` over the non-cancelled orders, rounded half away from zero to 10 places.
    pub average_order_value: Number,
}

/// One order in the order tabs of a company or a contact: the order header with its total as
/// `price`, without line items (`line_items` is always empty here).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct OrderSummary {
    #[serde(flatten)]
    pub order: OrderHeader,
    /// When the order was placed (= `created_at`); the contact page shows it.
    pub order_date: DateTime<Utc>,
    pub line_items: Vec<serde_json::Value>,
    pub contact: PartySummary,
    pub company: PartySummary,
}

impl From<OrderSummaryRow> for OrderSummary {
    fn from(o: OrderSummaryRow) -> Self {
        OrderSummary {
            order_date: o.order.created_at,
            order: o.order,
            line_items: Vec::new(),
            contact: o.contact,
            company: o.company,
        }
    }
}

fn not_found(id: CompanyId) -> ApiError {
    ApiError::not_found("Company", id)
}

const NAME_UNIQUE: &str = "uq_company_name_per_tenant";

fn name_taken(name: &str) -> ApiError {
    ApiError::Conflict(format!("Company with name '{name}' already exists"))
}

/// A search term as typed: surrounding blanks ignored, an empty term means no filter.
pub fn search_term(raw: Option<&str>) -> Option<&str> {
    raw.map(str::trim).filter(|s| !s.is_empty())
}

/// Companies by name, each with its contacts and balance.
pub async fn list(tx: &Tx<'_>, search: Option<&str>, page: Page) -> ApiResult<Vec<CompanyView>> {
    let search = search_term(search);
    // The page's contacts select the page again instead of waiting for its ids: one flight, and
    // the same rows, as a read's transaction sees one snapshot (repeatable read).
    let (rows, page_contacts) = try_join(
        repo::list(tx, search, page),
        repo::contacts_of_page(tx, search, page),
    )
    .await?;
    let mut contacts: HashMap<CompanyId, Vec<PartySummary>> = HashMap::new();
    for (company_id, contact) in page_contacts {
        contacts.entry(company_id).or_default().push(contact);
    }
    Ok(rows
        .into_iter()
        .map(|(company, balance)| {
            let mine = contacts.remove(&company.id).unwrap_or_default();
            CompanyView {
                company,
                contacts: Some(mine),
                addresses: None,
                total_balance: Some(balance),
            }
        })
        .collect())
}

pub async fn create(tx: &Tx<'_>, new: NewCompany) -> ApiResult<CompanyView> {
    let fields = CompanyFields {
        name: new.name.as_str(),
        address: new.address.as_deref(),
        phone: new.phone.as_deref(),
        email: new.email.as_ref().map(Email::as_str),
    };
    let company = repo::insert(tx, &fields)
        .await
        .on_constraint(NAME_UNIQUE, || name_taken(new.name.as_str()))?;
    Ok(CompanyView {
        company,
        contacts: Some(Vec::new()),
        addresses: None,
        total_balance: Some(Money::ZERO),
    })
}

pub async fn get(
    tx: &Tx<'_>,
    id: CompanyId,
    include_contacts: bool,
    include_balance: bool,
) -> ApiResult<CompanyView> {
    // One flight: none of the three needs another's answer.
    let (company, contacts, total_balance) = try_join3(
        repo::get(tx, id),
        async {
            Ok(match include_contacts {
                true => Some(repo::contacts_of_many(tx, vec![id.get()]).await?),
                false => None,
            })
        },
        async {
            Ok(match include_balance {
                true => repo::balance(tx, id).await?,
                false => None,
            })
        },
    )
    .await?;
    let company = company.ok_or_else(|| not_found(id))?;
    let contacts = contacts.map(|all| all.into_iter().map(|(_, c)| c).collect());
    Ok(CompanyView {
        company,
        contacts,
        addresses: None,
        total_balance,
    })
}

pub async fn update(tx: &Tx<'_>, id: CompanyId, ch: CompanyChanges) -> ApiResult<CompanyView> {
    let changes = repo::CompanyChanges {
        name: ch.name.as_ref().map(NonBlank::as_str),
        address: ch.address.as_ref().map(|a| a.as_deref()),
        phone: ch.phone.as_ref().map(|p| p.as_deref()),
        email: ch.email.as_ref().map(|e| e.as_ref().map(Email::as_str)),
    };
    // The balance is read after the update, in the same flight.
    let (company, total_balance) =
        join(repo::update(tx, id, &changes), repo::balance(tx, id)).await;
    let company = company
        .on_constraint(NAME_UNIQUE, || name_taken(changes.name.unwrap_or_default()))?
        .ok_or_else(|| not_found(id))?;
    let total_balance = total_balance?;
    Ok(CompanyView {
        company,
        contacts: None,
        addresses: None,
        total_balance,
    })
}

pub async fn delete(tx: &Tx<'_>, id: CompanyId) -> ApiResult<()> {
    // Sent together: a refusal below returns an error, which rolls back whatever went out after
    // the check, so the write need not wait for the check's answer.
    let (exists, deps, deleted) = join3(
        repo::exists(tx, id),
        repo::dependents(tx, id),
        repo::delete(tx, id),
    )
    .await;
    if !exists? {
        return Err(not_found(id));
    }
    let deps = deps?;
    let blockers: Vec<&str> = [
        (deps.contacts, "contacts"),
        (deps.orders, "orders"),
        (deps.metal_balances, "metal balances"),
        (deps.metal_transactions, "metal transactions"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(_, what)| what)
    .collect();
    if !blockers.is_empty() {
        return Err(ApiError::Conflict(format!(
            "Cannot delete company with existing {}",
            join_and(&blockers)
        )));
    }
    // A dependent added since the count still cannot slip through: the foreign key refuses it.
    let deleted = deleted.on_foreign_key(|| {
        ApiError::Conflict("Cannot delete company: other records still refer to it".into())
    })?;
    if deleted { Ok(()) } else { Err(not_found(id)) }
}

/// "a", "a and b", "a, b and c".
fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

pub async fn contacts(tx: &Tx<'_>, id: CompanyId, page: Page) -> ApiResult<Vec<PartySummary>> {
    let (exists, contacts) =
        try_join(repo::exists(tx, id), repo::contacts_of(tx, id, page)).await?;
    if !exists {
        return Err(not_found(id));
    }
    Ok(contacts)
}

/// The company's orders, newest first, without line items. Orders are order data: the endpoints that
/// call this declare `orders:read` besides the company permission.
pub async fn orders(tx: &Tx<'_>, id: CompanyId, page: Page) -> ApiResult<Vec<OrderSummary>> {
    let (exists, orders) = try_join(
        repo::exists(tx, id),
        repo::orders_of(tx, OrdersOf::Company(id), page),
    )
    .await?;
    if !exists {
        return Err(not_found(id));
    }
    Ok(orders.into_iter().map(OrderSummary::from).collect())
}

pub async fn balance(tx: &Tx<'_>, id: CompanyId) -> ApiResult<CompanyBalance> {
    let total_balance = repo::balance(tx, id).await?.ok_or_else(|| not_found(id))?;
    Ok(CompanyBalance {
        company_id: id.get(),
        total_balance,
    })
}

pub async fn statistics(tx: &Tx<'_>, id: CompanyId) -> ApiResult<CompanyStatistics> {
    let f = repo::figures(tx, id).await?.ok_or_else(|| not_found(id))?;
    Ok(CompanyStatistics {
        company_id: id.get(),
        total_balance: f.total_balance,
        contact_count: f.contact_count,
        order_count: f.order_count,
        average_order_value: average(f.total_balance.get(), f.billable_order_count),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blockers_read_as_a_sentence() {
        assert_eq!(join_and(&["contacts"]), "contacts");
        assert_eq!(join_and(&["contacts", "orders"]), "contacts and orders");
        assert_eq!(
            join_and(&["contacts", "orders", "metal balances"]),
            "contacts, orders and metal balances"
        );
    }

    fn money(s: &str) -> Money {
        s.parse().unwrap()
    }

    fn average_order_value(total: &str, orders: i64) -> String {
        serde_json::to_string(&average(money(total).get(), orders)).unwrap()
    }

    #[test]
    fn average_order_value_is_rounded_to_ten_places() {
        assert_eq!(average_order_value("0", 0), "0.0", "no orders: zero");
        assert_eq!(average_order_value("300", 2), "150.0");
        // 349.75 / 3 = 116.58333… → 116.5833333333 (half away from zero).
        assert_eq!(average_order_value("349.75", 3), "116.5833333333");
        // 2 / 3 = 0.66666… rounds up in the tenth place.
        assert_eq!(average_order_value("2", 3), "0.6666666667");
        // Three orders of 0.1 average exactly 0.1 (floats: 0.30000000000000004 / 3).
        let three = Money::total([money("0.1"), money("0.1"), money("0.1")]).unwrap();
        assert_eq!(serde_json::to_string(&three).unwrap(), "0.3");
        assert_eq!(average_order_value("0.3", 3), "0.1");
        // Ten orders of 0.1: a balance of exactly 1.
        let ten = Money::total(std::iter::repeat_n(money("0.1"), 10)).unwrap();
        assert_eq!(serde_json::to_string(&ten).unwrap(), "1.0");
    }

    #[test]
    fn company_input_is_parsed() {
        assert!(NewCompany::parse("  ", None, None, None).is_err());
        assert_eq!(
            NewCompany::parse("Acme", None, None, Some("nope"))
                .unwrap_err()
                .detail(),
            "email: value is not a valid email address"
        );
        let c = NewCompany::parse(" Acme ", Some(" "), Some(" 555 "), Some("")).unwrap();
        assert_eq!(c.name.as_str(), "Acme");
        assert_eq!(c.address, None);
        assert_eq!(c.phone.as_deref(), Some("555"));
        assert!(c.email.is_none());
        let ch = CompanyChanges::parse(None, Some(None), None, Some(Some(" "))).unwrap();
        assert!(ch.name.is_none());
        assert_eq!(ch.address, Some(None));
        assert!(ch.phone.is_none());
        assert_eq!(ch.email, Some(None));
    }
}
