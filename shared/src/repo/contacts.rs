//! Contacts: people at a customer company. A contact belongs to exactly one company of the same tenant
//! (composite foreign key `contacts_tenant_id_company_id_fkey`); its e-mail is unique within the
//! company (`uq_contact_email_per_company`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio_postgres::Row;

use super::companies::{Change, PartySummary};
use super::row::{self, FromRow};
use crate::db::Tx;
use crate::domain::{CompanyId, ContactId, Page, TenantId};
use crate::error::DbError;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ContactRow {
    pub id: ContactId,
    pub tenant_id: TenantId,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company_id: CompanyId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub company: PartySummary,
}

const CONTACT_SELECT: &str =
    "select x.id, x.tenant_id, x.name, x.email, x.phone, x.company_id, x.created_at, x.updated_at,
        c.name as company_name, c.email as company_email, c.phone as company_phone
   from contacts x
   join companies c on c.tenant_id = x.tenant_id and c.id = x.company_id";

impl FromRow for ContactRow {
    fn from_row(r: &Row) -> Result<Self, DbError> {
        let company_id: CompanyId = row::get(r, "company_id")?;
        Ok(ContactRow {
            id: row::get(r, "id")?,
            tenant_id: row::get(r, "tenant_id")?,
            name: row::get(r, "name")?,
            email: row::get(r, "email")?,
            phone: row::get(r, "phone")?,
            company_id,
            created_at: row::get(r, "created_at")?,
            updated_at: row::get(r, "updated_at")?,
            company: PartySummary {
                id: company_id.get(),
                name: row::get(r, "company_name")?,
                email: row::get(r, "company_email")?,
                phone: row::get(r, "company_phone")?,
            },
        })
    }
}

/// Contacts by name; `search` is a case-insensitive substring of the name or the e-mail.
pub async fn list(
    tx: &Tx<'_>,
    search: Option<&str>,
    company: Option<CompanyId>,
    page: Page,
) -> Result<Vec<ContactRow>, DbError> {
    let sql = format!(
        "{CONTACT_SELECT}
          where x.tenant_id = app_current_tenant()
            and ($1::text is null
                 or strpos(lower(x.name), lower($1)) > 0
                 or strpos(lower(coalesce(x.email, '')), lower($1)) > 0)
            and ($2::int8 is null or x.company_id = $2)
          order by lower(x.name), x.id
         offset $3 limit $4"
    );
    let rows = tx
        .query(
            &sql,
            &[
                &search,
                &company.map(CompanyId::get),
                &page.skip(),
                &page.limit(),
            ],
        )
        .await?;
    row::all(&rows)
}

pub async fn get(tx: &Tx<'_>, id: ContactId) -> Result<Option<ContactRow>, DbError> {
    let sql = format!("{CONTACT_SELECT} where x.id = $1 and x.tenant_id = app_current_tenant()");
    row::optional(tx.query_opt(&sql, &[&id]).await?)
}

/// The contact this session inserted last (`currval` of the table's identity): for reading back an
/// insert sent in the same flight, before its id is known. `currval` in a subquery: evaluated
/// once, so the id can be looked up in the index (a volatile call per row could not).
pub async fn get_inserted(tx: &Tx<'_>) -> Result<Option<ContactRow>, DbError> {
    let sql = format!(
        "{CONTACT_SELECT} where x.id = (select currval(pg_get_serial_sequence('contacts', 'id')))
            and x.tenant_id = app_current_tenant()"
    );
    row::optional(tx.query_opt(&sql, &[]).await?)
}

pub struct ContactFields<'a> {
    pub company: CompanyId,
    pub name: &'a str,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
}

/// A company that is not this tenant's is `DbError::ForeignKey { contacts_tenant_id_company_id_fkey }`;
/// a taken e-mail is `DbError::Unique { uq_contact_email_per_company }`.
pub async fn insert(tx: &Tx<'_>, f: &ContactFields<'_>) -> Result<ContactId, DbError> {
    let row = tx
        .query_one(
            "insert into contacts (company_id, name, email, phone) values ($1, $2, $3, $4) returning id",
            &[&f.company, &f.name, &f.email, &f.phone],
        )
        .await?;
    row::get(&row, "id")
}

pub struct ContactChanges<'a> {
    pub company: Option<CompanyId>,
    pub name: Option<&'a str>,
    pub email: Change<'a>,
    pub phone: Change<'a>,
}

/// Whether the contact exists. Same constraint errors as `insert`.
pub async fn update(tx: &Tx<'_>, id: ContactId, ch: &ContactChanges<'_>) -> Result<bool, DbError> {
    Ok(tx
        .execute(
            "update contacts
                set company_id = coalesce($2, company_id),
                    name = coalesce($3, name),
                    email = case when $4 then $5 else email end,
                    phone = case when $6 then $7 else phone end
              where id = $1 and tenant_id = app_current_tenant()",
            &[
                &id.get(),
                &ch.company.map(CompanyId::get),
                &ch.name,
                &ch.email.is_some(),
                &ch.email.flatten(),
                &ch.phone.is_some(),
                &ch.phone.flatten(),
            ],
        )
        .await?
        > 0)
}

pub async fn order_count(tx: &Tx<'_>, id: ContactId) -> Result<i64, DbError> {
    let r = tx
        .query_one(
            "select count(*) as orders from orders where tenant_id = app_current_tenant() and contact_id = $1",
            &[&id],
        )
        .await?;
    row::get(&r, "orders")
}

/// Whether a row was deleted. A contact still referenced by orders is `DbError::ForeignKey`.
pub async fn delete(tx: &Tx<'_>, id: ContactId) -> Result<bool, DbError> {
    Ok(tx
        .execute(
            "delete from contacts where id = $1 and tenant_id = app_current_tenant()",
            &[&id.get()],
        )
        .await?
        > 0)
}

pub async fn exists(tx: &Tx<'_>, id: ContactId) -> Result<bool, DbError> {
    Ok(tx
        .query_opt(
            "select 1 from contacts where id = $1 and tenant_id = app_current_tenant()",
            &[&id.get()],
        )
        .await?
        .is_some())
}
