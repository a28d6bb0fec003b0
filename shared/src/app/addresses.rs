//! Company addresses and the default (shipping) address (reference rules §9, decisions §3).
//!
//! Invariant: a company that has addresses has exactly one default.
//! * The first address of a company becomes its default; creating with `is_default` or
//!   `?set_as_default=true`, updating with `is_default: true`, or `POST …/set-default` moves the default.
//! * The default cannot be unset or deleted while the company has other addresses (409: make another
//!   address the default first); the last remaining address may be deleted.
//! * Every default switch runs while holding the company's row lock and clears the old default before
//!   setting the new one, so concurrent switches serialise and the partial unique index
//!   `one_default_address_per_company` never sees two defaults.
//! * Updates work without `company_id` (the old service failed with a 500 on them).

use futures_util::future::{join4, try_join};
use serde::Serialize;

use crate::db::Tx;
use crate::domain::{AddressId, CompanyId, NonBlank, Page};
use crate::error::{ApiError, ApiResult};
use crate::repo::addresses::{self as repo, AddressChanges as RepoChanges, AddressFields};
use crate::repo::companies as companies_repo;

/// Answered by the API (and named in its OpenAPI document).
pub use crate::repo::addresses::{AddressRow, CompanyBrief};

pub const STREET_MAX: usize = 255;
pub const CITY_MAX: usize = 100;
pub const STATE_MAX: usize = 50;
pub const ZIP_MIN: usize = 5;
pub const ZIP_MAX: usize = 20;
pub const COUNTRY_MAX: usize = 100;
pub const DEFAULT_COUNTRY: &str = "USA";

/// 5–20 characters after trimming.
fn zip_code(raw: &str) -> ApiResult<String> {
    let t = raw.trim();
    let n = t.chars().count();
    if !(ZIP_MIN..=ZIP_MAX).contains(&n) {
        return Err(ApiError::field(
            "zip_code",
            format!("must be {ZIP_MIN} to {ZIP_MAX} characters"),
        ));
    }
    Ok(t.to_string())
}

/// At most 100 characters; blank means the default country.
fn country(raw: &str) -> ApiResult<String> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(DEFAULT_COUNTRY.to_string());
    }
    if t.chars().count() > COUNTRY_MAX {
        return Err(ApiError::field(
            "country",
            format!("must be at most {COUNTRY_MAX} characters"),
        ));
    }
    Ok(t.to_string())
}

#[derive(Debug)]
pub struct NewAddress {
    street_address: NonBlank,
    city: NonBlank,
    state: NonBlank,
    zip_code: String,
    country: String,
    is_default: bool,
}

impl NewAddress {
    pub fn parse(
        street_address: &str,
        city: &str,
        state: &str,
        zip: &str,
        country_raw: Option<&str>,
        is_default: bool,
    ) -> ApiResult<Self> {
        Ok(NewAddress {
            street_address: NonBlank::parse("street_address", street_address, STREET_MAX)?,
            city: NonBlank::parse("city", city, CITY_MAX)?,
            state: NonBlank::parse("state", state, STATE_MAX)?,
            zip_code: zip_code(zip)?,
            country: country(country_raw.unwrap_or_default())?,
            is_default,
        })
    }
}

/// A partial update; `None` keeps a field.
#[derive(Debug, Default)]
pub struct AddressChanges {
    street_address: Option<NonBlank>,
    city: Option<NonBlank>,
    state: Option<NonBlank>,
    zip_code: Option<String>,
    country: Option<String>,
    is_default: Option<bool>,
}

impl AddressChanges {
    pub fn parse(
        street_address: Option<&str>,
        city: Option<&str>,
        state: Option<&str>,
        zip: Option<&str>,
        country_raw: Option<&str>,
        is_default: Option<bool>,
    ) -> ApiResult<Self> {
        Ok(AddressChanges {
            street_address: street_address
                .map(|s| NonBlank::parse("street_address", s, STREET_MAX))
                .transpose()?,
            city: city
                .map(|s| NonBlank::parse("city", s, CITY_MAX))
                .transpose()?,
            state: state
                .map(|s| NonBlank::parse("state", s, STATE_MAX))
                .transpose()?,
            zip_code: zip.map(zip_code).transpose()?,
            country: country_raw.map(country).transpose()?,
            is_default,
        })
    }
}

/// The fields the shipment form pre-fills from the company's default address.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ShipmentAddress {
    pub street_address: String,
    pub city: String,
    pub state: String,
    pub zip_code: String,
    pub country: String,
}

fn not_found(id: AddressId) -> ApiError {
    ApiError::not_found("Address", id)
}

fn company_not_found(id: CompanyId) -> ApiError {
    ApiError::not_found("Company", id)
}

fn default_is_pinned(action: &str) -> ApiError {
    ApiError::Conflict(format!(
        "Cannot {action} the default address; make another address the default first"
    ))
}

/// Lock the company for a default switch; 404 if it is gone.
async fn lock_company(tx: &Tx<'_>, company: CompanyId) -> ApiResult<()> {
    if companies_repo::lock(tx, company).await? {
        Ok(())
    } else {
        Err(company_not_found(company))
    }
}

async fn reread(tx: &Tx<'_>, id: AddressId) -> ApiResult<AddressRow> {
    repo::get(tx, id).await?.ok_or_else(|| not_found(id))
}

pub async fn list(tx: &Tx<'_>, company: CompanyId, page: Page) -> ApiResult<Vec<AddressRow>> {
    let (exists, list) = try_join(
        companies_repo::exists(tx, company),
        repo::list(tx, company, page),
    )
    .await?;
    if !exists {
        return Err(company_not_found(company));
    }
    Ok(list)
}

pub async fn get(tx: &Tx<'_>, id: AddressId) -> ApiResult<AddressRow> {
    reread(tx, id).await
}

pub async fn create(
    tx: &Tx<'_>,
    company: CompanyId,
    new: NewAddress,
    set_as_default: bool,
) -> ApiResult<AddressRow> {
    lock_company(tx, company).await?;
    let (_, has_default) = repo::census(tx, company).await?;
    let make_default = new.is_default || set_as_default || !has_default;
    if make_default {
        repo::clear_default(tx, company).await?;
    }
    let fields = AddressFields {
        street_address: new.street_address.as_str(),
        city: new.city.as_str(),
        state: new.state.as_str(),
        zip_code: &new.zip_code,
        country: &new.country,
    };
    let id = repo::insert(tx, company, &fields, make_default).await?;
    reread(tx, id).await
}

pub async fn update(tx: &Tx<'_>, id: AddressId, ch: AddressChanges) -> ApiResult<AddressRow> {
    let mut current = reread(tx, id).await?;
    let company = current.company_id;
    if ch.is_default.is_some() {
        // Decide on the default under the company's lock, with a fresh view of the address.
        lock_company(tx, company).await?;
        current = reread(tx, id).await?;
    }
    match ch.is_default {
        Some(true) if !current.is_default => repo::make_default(tx, company, id).await?,
        Some(false) if current.is_default => {
            let (count, _) = repo::census(tx, company).await?;
            if count > 1 {
                return Err(default_is_pinned("unset"));
            }
            // The only address stays the default: a company with addresses always has one.
        }
        _ => {}
    }
    let changes = RepoChanges {
        street_address: ch.street_address.as_ref().map(NonBlank::as_str),
        city: ch.city.as_ref().map(NonBlank::as_str),
        state: ch.state.as_ref().map(NonBlank::as_str),
        zip_code: ch.zip_code.as_deref(),
        country: ch.country.as_deref(),
    };
    repo::update(tx, id, &changes).await?;
    reread(tx, id).await
}

pub async fn delete(tx: &Tx<'_>, id: AddressId) -> ApiResult<()> {
    let company = reread(tx, id).await?.company_id;
    lock_company(tx, company).await?;
    let current = reread(tx, id).await?;
    if current.is_default {
        let (count, _) = repo::census(tx, company).await?;
        if count > 1 {
            return Err(default_is_pinned("delete"));
        }
    }
    if repo::delete(tx, id).await? {
        Ok(())
    } else {
        Err(not_found(id))
    }
}

/// `POST /addresses/{id}/set-default?company_id=`: the company must be the address's own (400).
pub async fn set_default(tx: &Tx<'_>, id: AddressId, company: CompanyId) -> ApiResult<AddressRow> {
    // One flight: the address, the lock, the switch and the address read back. A refusal returns an
    // error, which rolls back what was sent behind its check.
    let (current, locked, switched, after) = join4(
        reread(tx, id),
        lock_company(tx, company),
        repo::make_default(tx, company, id),
        reread(tx, id),
    )
    .await;
    if current?.company_id != company {
        return Err(ApiError::BadRequest(format!(
            "Address {id} does not belong to company {company}"
        )));
    }
    locked?;
    switched?;
    after
}

pub async fn default_of(tx: &Tx<'_>, company: CompanyId) -> ApiResult<Option<AddressRow>> {
    let (exists, default) = try_join(
        companies_repo::exists(tx, company),
        repo::default_of(tx, company),
    )
    .await?;
    if !exists {
        return Err(company_not_found(company));
    }
    Ok(default)
}

pub async fn shipment_default(
    tx: &Tx<'_>,
    company: CompanyId,
) -> ApiResult<Option<ShipmentAddress>> {
    Ok(default_of(tx, company).await?.map(|a| ShipmentAddress {
        street_address: a.street_address,
        city: a.city,
        state: a.state,
        zip_code: a.zip_code,
        country: a.country,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_fields_are_validated() {
        let a =
            NewAddress::parse(" 1 Main St ", "Springfield", "IL", " 62701 ", None, false).unwrap();
        assert_eq!(a.street_address.as_str(), "1 Main St");
        assert_eq!(a.zip_code, "62701");
        assert_eq!(a.country, "USA");
        let cases = [
            (" ", "c", "s", "12345", "street_address: must not be blank"),
            ("s", "", "s", "12345", "city: must not be blank"),
            ("s", "c", " ", "12345", "state: must not be blank"),
            (
                "s",
                "c",
                "s",
                " 1234 ",
                "zip_code: must be 5 to 20 characters",
            ),
            (
                "s",
                "c",
                "s",
                &"9".repeat(21),
                "zip_code: must be 5 to 20 characters",
            ),
            (
                "s",
                "c",
                &"x".repeat(51),
                "12345",
                "state: must be at most 50 characters",
            ),
        ];
        for (street, city, state, zip, want) in cases {
            let e = NewAddress::parse(street, city, state, zip, None, false).unwrap_err();
            assert_eq!(e.detail(), want);
        }
        assert!(NewAddress::parse("s", "c", "s", "12345", Some(&"x".repeat(101)), false).is_err());
        assert_eq!(
            NewAddress::parse("s", "c", "s", "12345", Some(" "), false)
                .unwrap()
                .country,
            "USA"
        );
    }

    #[test]
    fn changes_are_validated_only_when_sent() {
        let ch = AddressChanges::parse(None, Some(" Paris "), None, None, None, None).unwrap();
        assert_eq!(ch.city.unwrap().as_str(), "Paris");
        assert!(ch.zip_code.is_none());
        assert!(AddressChanges::parse(None, None, None, Some("123"), None, None).is_err());
    }
}
