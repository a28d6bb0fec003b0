//! Addresses of a company. At most one per company is the default (partial unique index
//! `one_default_address_per_company`); the rules that keep exactly one default live in
//! `app::addresses`, which switches defaults only while holding the company's row lock.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio_postgres::Row;

use super::row::{self, FromRow, from_row};
use crate::db::Tx;
use crate::domain::{AddressId, CompanyId, Page, TenantId};
use crate::error::DbError;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CompanyBrief {
    pub id: CompanyId,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AddressRow {
    pub id: AddressId,
    pub tenant_id: TenantId,
    pub company_id: CompanyId,
    pub street_address: String,
    pub city: String,
    pub state: String,
    pub zip_code: String,
    pub country: String,
    pub is_default: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub company: CompanyBrief,
}

const ADDRESS_SELECT: &str =
    "select a.id, a.tenant_id, a.company_id, a.street_address, a.city, a.state, a.zip_code,
        a.country, a.is_default, a.created_at, a.updated_at, c.name as company_name
   from addresses a
   join companies c on c.tenant_id = a.tenant_id and c.id = a.company_id";

from_row!(CompanyBrief {
    id: "company_id",
    name: "company_name",
});

impl FromRow for AddressRow {
    fn from_row(r: &Row) -> Result<Self, DbError> {
        Ok(AddressRow {
            id: row::get(r, "id")?,
            tenant_id: row::get(r, "tenant_id")?,
            company_id: row::get(r, "company_id")?,
            street_address: row::get(r, "street_address")?,
            city: row::get(r, "city")?,
            state: row::get(r, "state")?,
            zip_code: row::get(r, "zip_code")?,
            country: row::get(r, "country")?,
            is_default: row::get(r, "is_default")?,
            created_at: row::get(r, "created_at")?,
            updated_at: row::get(r, "updated_at")?,
            company: CompanyBrief::from_row(r)?,
        })
    }
}

/// The company's addresses, the default first, then oldest first.
pub async fn list(tx: &Tx<'_>, company: CompanyId, page: Page) -> Result<Vec<AddressRow>, DbError> {
    let sql = format!(
        "{ADDRESS_SELECT}
          where a.tenant_id = app_current_tenant() and a.company_id = $1
          order by a.is_default desc, a.id
         offset $2 limit $3"
    );
    let rows = tx
        .query(&sql, &[&company, &page.skip(), &page.limit()])
        .await?;
    row::all(&rows)
}

pub async fn get(tx: &Tx<'_>, id: AddressId) -> Result<Option<AddressRow>, DbError> {
    let sql = format!("{ADDRESS_SELECT} where a.id = $1 and a.tenant_id = app_current_tenant()");
    row::optional(tx.query_opt(&sql, &[&id]).await?)
}

pub async fn default_of(tx: &Tx<'_>, company: CompanyId) -> Result<Option<AddressRow>, DbError> {
    let sql = format!(
        "{ADDRESS_SELECT} where a.tenant_id = app_current_tenant() and a.company_id = $1 and a.is_default"
    );
    row::optional(tx.query_opt(&sql, &[&company]).await?)
}

/// The company's number of addresses and whether one of them is the default.
pub async fn census(tx: &Tx<'_>, company: CompanyId) -> Result<(i64, bool), DbError> {
    let row = tx
        .query_one(
            "select count(*) as addresses, coalesce(bool_or(is_default), false) as has_default
               from addresses
              where tenant_id = app_current_tenant() and company_id = $1",
            &[&company],
        )
        .await?;
    Ok((row::get(&row, "addresses")?, row::get(&row, "has_default")?))
}

pub struct AddressFields<'a> {
    pub street_address: &'a str,
    pub city: &'a str,
    pub state: &'a str,
    pub zip_code: &'a str,
    pub country: &'a str,
}

pub async fn insert(
    tx: &Tx<'_>,
    company: CompanyId,
    f: &AddressFields<'_>,
    is_default: bool,
) -> Result<AddressId, DbError> {
    let row = tx
        .query_one(
            "insert into addresses (company_id, street_address, city, state, zip_code, country, is_default)
             values ($1, $2, $3, $4, $5, $6, $7) returning id",
            &[
                &company.get(),
                &f.street_address,
                &f.city,
                &f.state,
                &f.zip_code,
                &f.country,
                &is_default,
            ],
        )
        .await?;
    row::get(&row, "id")
}

pub struct AddressChanges<'a> {
    pub street_address: Option<&'a str>,
    pub city: Option<&'a str>,
    pub state: Option<&'a str>,
    pub zip_code: Option<&'a str>,
    pub country: Option<&'a str>,
}

pub async fn update(tx: &Tx<'_>, id: AddressId, ch: &AddressChanges<'_>) -> Result<(), DbError> {
    tx.execute(
        "update addresses
            set street_address = coalesce($2, street_address),
                city = coalesce($3, city),
                state = coalesce($4, state),
                zip_code = coalesce($5, zip_code),
                country = coalesce($6, country)
          where id = $1 and tenant_id = app_current_tenant()",
        &[
            &id.get(),
            &ch.street_address,
            &ch.city,
            &ch.state,
            &ch.zip_code,
            &ch.country,
        ],
    )
    .await?;
    Ok(())
}

/// Make `id` the company's only default: the old default is cleared first so the partial unique
/// index never sees two. Call only while holding the company's lock (`companies::lock`).
pub async fn make_default(tx: &Tx<'_>, company: CompanyId, id: AddressId) -> Result<(), DbError> {
    // Sent together, run in order: the second needs nothing from the first's answer.
    let (cleared, set) = futures_util::future::join(
        tx.execute(
            "update addresses set is_default = false
              where tenant_id = app_current_tenant() and company_id = $1 and is_default and id <> $2",
            &[&company.get(), &id.get()],
        ),
        tx.execute(
            "update addresses set is_default = true
              where tenant_id = app_current_tenant() and company_id = $1 and id = $2 and not is_default",
            &[&company.get(), &id.get()],
        ),
    )
    .await;
    cleared?;
    set?;
    Ok(())
}

/// Clear the company's default (before inserting a new default address).
pub async fn clear_default(tx: &Tx<'_>, company: CompanyId) -> Result<(), DbError> {
    tx.execute(
        "update addresses set is_default = false
          where tenant_id = app_current_tenant() and company_id = $1 and is_default",
        &[&company.get()],
    )
    .await?;
    Ok(())
}

pub async fn delete(tx: &Tx<'_>, id: AddressId) -> Result<bool, DbError> {
    Ok(tx
        .execute(
            "delete from addresses where id = $1 and tenant_id = app_current_tenant()",
            &[&id.get()],
        )
        .await?
        > 0)
}
