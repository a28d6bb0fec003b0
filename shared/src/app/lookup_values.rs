//! Lookup values (reference rules §4): tenant-configurable enumerations, soft-deleted, seeded with
//! the defaults of `domain::defaults::LOOKUP_VALUES`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::catalogue::{self, Catalogue, code_not_upper_case};
use crate::db::Tx;
use crate::domain::lookup::LookupCode;
use crate::domain::{LookupValueId, NonBlank};
use crate::error::{ApiError, ApiResult, DbError, OnConstraint};
use crate::repo::lookup_values::{self as repo, LookupValuePatch, NewLookupValue};
use crate::repo::provisioning;

/// Answered by the API (and named in its OpenAPI document).
pub use crate::repo::lookup_values::LookupValueRow;

pub const CATEGORY_MAX: usize = 50;
pub const LABEL_MAX: usize = 255;

/// The list answer: a flat array (what the React app needs), or grouped by category on request.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "openapi", schemars(rename = "LookupValueListing"))]
#[serde(untagged)]
pub enum Listing {
    /// Without `grouped=true`: every value, ordered by category and sort order.
    Flat(Vec<LookupValueRow>),
    /// With `grouped=true`: the values of each category, keyed by category.
    Grouped(BTreeMap<String, Vec<LookupValueRow>>),
}

pub async fn list(
    tx: &Tx<'_>,
    category: Option<&str>,
    include_inactive: bool,
    grouped: bool,
) -> ApiResult<Listing> {
    let category = category.map(str::trim).filter(|c| !c.is_empty());
    let rows = repo::list(tx, category, include_inactive).await?;
    if !grouped {
        return Ok(Listing::Flat(rows));
    }
    let mut groups: BTreeMap<String, Vec<LookupValueRow>> = BTreeMap::new();
    for row in rows {
        groups.entry(row.category.clone()).or_default().push(row);
    }
    Ok(Listing::Grouped(groups))
}

pub struct NewLookup {
    pub category: NonBlank,
    pub code: LookupCode,
    pub display_label: NonBlank,
    pub sort_order: i32,
}

pub async fn create(tx: &Tx<'_>, v: NewLookup) -> ApiResult<LookupValueRow> {
    repo::insert(
        tx,
        &NewLookupValue {
            category: v.category.as_str(),
            code: v.code.as_str(),
            display_label: v.display_label.as_str(),
            sort_order: v.sort_order,
        },
    )
    .await
    .on_constraints(&[
        ("uq_tenant_category_code", &|| {
            ApiError::Conflict(format!(
                "Lookup value with code '{}' already exists in category '{}'",
                v.code.as_str(),
                v.category.as_str()
            ))
        }),
        // The database's upper() and Rust's disagree on a few letters (e.g. 'ß').
        ("lookup_values_code_check", &code_not_upper_case),
    ])
}

/// What an update may change: the label, the sort order and the active flag (code and category
/// are fixed).
#[derive(Debug, Default)]
pub struct LookupPatch {
    pub display_label: Option<NonBlank>,
    pub sort_order: Option<i32>,
    pub is_active: Option<bool>,
}

pub async fn update(
    tx: &Tx<'_>,
    id: LookupValueId,
    patch: LookupPatch,
) -> ApiResult<LookupValueRow> {
    let patch = LookupValuePatch {
        display_label: patch.display_label.map(NonBlank::into_string),
        sort_order: patch.sort_order,
        is_active: patch.is_active,
    };
    catalogue::update::<LookupValues>(tx, id, &patch).await
}

/// Soft delete: the value stays (rows that use its code keep meaning) but is no longer offered.
pub async fn deactivate(tx: &Tx<'_>, id: LookupValueId) -> ApiResult<()> {
    catalogue::deactivate::<LookupValues>(tx, id).await
}

/// Insert the defaults that are missing; returns how many were inserted (0 on a second call).
pub async fn seed(tx: &Tx<'_>) -> ApiResult<u64> {
    catalogue::seed::<LookupValues>(tx).await
}

/// The lookup values as a [`Catalogue`].
struct LookupValues;

impl Catalogue for LookupValues {
    type Id = LookupValueId;
    type Row = LookupValueRow;
    type Patch = LookupValuePatch;
    const ENTRY: &'static str = "Lookup value";

    fn deactivation() -> LookupValuePatch {
        LookupValuePatch {
            is_active: Some(false),
            ..Default::default()
        }
    }

    async fn apply(
        tx: &Tx<'_>,
        id: LookupValueId,
        patch: &LookupValuePatch,
    ) -> Result<Option<LookupValueRow>, DbError> {
        repo::update(tx, id, patch).await
    }

    async fn insert_defaults(tx: &Tx<'_>) -> Result<u64, DbError> {
        provisioning::insert_default_lookup_values(tx).await
    }
}
