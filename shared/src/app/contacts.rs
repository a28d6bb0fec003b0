//! Contacts: people at a customer company (reference rules §9).
//!
//! * A contact belongs to one company of the caller's tenant. `company_id` is a body field, so an
//!   unknown company (or another tenant's) is a 422 naming it (decisions §2), decided by the composite
//!   foreign key rather than a racy check.
//! * The e-mail is optional and unique within the company (409).
//! * A contact with orders cannot be deleted (409).

use super::companies::OrderSummary;
use crate::db::Tx;
use crate::domain::{CompanyId, ContactId, Email, NonBlank, Page, optional_text};
use crate::error::{ApiError, ApiResult, DbError, OnConstraint};
use crate::repo::companies::OrdersOf;
use crate::repo::contacts::{self as repo, ContactChanges as RepoChanges, ContactFields};
use futures_util::future::{join, join3, try_join};

/// Answered by the API (and named in its OpenAPI document).
pub use crate::repo::contacts::ContactRow;

pub const NAME_MAX: usize = 255;
pub const PHONE_MAX: usize = 50;

const COMPANY_FK: &str = "contacts_tenant_id_company_id_fkey";
const EMAIL_UNIQUE: &str = "uq_contact_email_per_company";

fn company_id(raw: i64) -> ApiResult<CompanyId> {
    CompanyId::new(raw).ok_or_else(|| ApiError::field("company_id", "must be a positive integer"))
}

#[derive(Debug)]
pub struct NewContact {
    company: CompanyId,
    name: NonBlank,
    email: Option<Email>,
    phone: Option<String>,
}

impl NewContact {
    pub fn parse(
        company: i64,
        name: &str,
        email: Option<&str>,
        phone: Option<&str>,
    ) -> ApiResult<Self> {
        Ok(NewContact {
            name: NonBlank::parse("name", name, NAME_MAX)?,
            company: company_id(company)?,
            email: Email::parse_optional("email", email)?,
            phone: optional_text("phone", phone, PHONE_MAX)?,
        })
    }
}

/// A partial update: `None` keeps a field; for e-mail and phone `Some(None)` clears it.
#[derive(Debug, Default)]
pub struct ContactChanges {
    company: Option<CompanyId>,
    name: Option<NonBlank>,
    email: Option<Option<Email>>,
    phone: Option<Option<String>>,
}

impl ContactChanges {
    pub fn parse(
        company: Option<i64>,
        name: Option<&str>,
        email: Option<Option<&str>>,
        phone: Option<Option<&str>>,
    ) -> ApiResult<Self> {
        Ok(ContactChanges {
            name: name
                .map(|n| NonBlank::parse("name", n, NAME_MAX))
                .transpose()?,
            company: company.map(company_id).transpose()?,
            email: email
                .map(|e| Email::parse_optional("email", e))
                .transpose()?,
            phone: phone
                .map(|p| optional_text("phone", p, PHONE_MAX))
                .transpose()?,
        })
    }
}

fn not_found(id: ContactId) -> ApiError {
    ApiError::not_found("Contact", id)
}

/// Constraint violations of an insert or update, as the client should see them.
fn on_write_error<T>(
    result: Result<T, DbError>,
    company: Option<CompanyId>,
    email: Option<&str>,
) -> ApiResult<T> {
    result.on_constraints(&[
        (COMPANY_FK, &|| {
            ApiError::field(
                "company_id",
                match company {
                    Some(c) => format!("Company with id {c} not found"),
                    None => "Company not found".to_string(),
                },
            )
        }),
        (EMAIL_UNIQUE, &|| {
            ApiError::Conflict(format!(
                "A contact with email '{}' already exists for this company",
                email.unwrap_or_default()
            ))
        }),
    ])
}

pub async fn list(
    tx: &Tx<'_>,
    search: Option<&str>,
    company: Option<CompanyId>,
    page: Page,
) -> ApiResult<Vec<ContactRow>> {
    let search = super::companies::search_term(search);
    Ok(repo::list(tx, search, company, page).await?)
}

pub async fn get(tx: &Tx<'_>, id: ContactId) -> ApiResult<ContactRow> {
    repo::get(tx, id).await?.ok_or_else(|| not_found(id))
}

pub async fn create(tx: &Tx<'_>, new: NewContact) -> ApiResult<ContactRow> {
    let email = new.email.as_ref().map(Email::as_str);
    let fields = ContactFields {
        company: new.company,
        name: new.name.as_str(),
        email,
        phone: new.phone.as_deref(),
    };
    // Read back in the same flight, by the id the insert drew.
    let (id, row) = join(repo::insert(tx, &fields), repo::get_inserted(tx)).await;
    let id = on_write_error(id, Some(new.company), email)?;
    row?.ok_or_else(|| not_found(id))
}

pub async fn update(tx: &Tx<'_>, id: ContactId, ch: ContactChanges) -> ApiResult<ContactRow> {
    let email = ch
        .email
        .as_ref()
        .and_then(|e| e.as_ref().map(Email::as_str));
    let changes = RepoChanges {
        company: ch.company,
        name: ch.name.as_ref().map(NonBlank::as_str),
        email: ch.email.as_ref().map(|e| e.as_ref().map(Email::as_str)),
        phone: ch.phone.as_ref().map(|p| p.as_deref()),
    };
    // Read back after the update, in the same flight.
    let (found, row) = join(repo::update(tx, id, &changes), repo::get(tx, id)).await;
    if !on_write_error(found, ch.company, email)? {
        return Err(not_found(id));
    }
    row?.ok_or_else(|| not_found(id))
}

pub async fn delete(tx: &Tx<'_>, id: ContactId) -> ApiResult<()> {
    // Sent together: a refusal below returns an error, which rolls back whatever went out after
    // the check, so the write need not wait for the check's answer.
    let (exists, orders, deleted) = join3(
        repo::exists(tx, id),
        repo::order_count(tx, id),
        repo::delete(tx, id),
    )
    .await;
    if !exists? {
        return Err(not_found(id));
    }
    if orders? > 0 {
        return Err(ApiError::Conflict(
            "Cannot delete contact with existing orders".into(),
        ));
    }
    // An order placed since the count: the foreign key still refuses the delete.
    let deleted = deleted.on_foreign_key(|| {
        ApiError::Conflict("Cannot delete contact with existing orders".into())
    })?;
    if deleted { Ok(()) } else { Err(not_found(id)) }
}

/// The contact's orders, newest first, without line items (its endpoint declares `orders:read` too).
pub async fn orders(tx: &Tx<'_>, id: ContactId, page: Page) -> ApiResult<Vec<OrderSummary>> {
    let (exists, orders) = try_join(
        repo::exists(tx, id),
        crate::repo::companies::orders_of(tx, OrdersOf::Contact(id), page),
    )
    .await?;
    if !exists {
        return Err(not_found(id));
    }
    Ok(orders.into_iter().map(OrderSummary::from).collect())
}
