//! The generic inventory (legacy `/supplies`). A supply's `type` must be one of the tenant's active
//! `supply_type` lookup codes, unless the tenant has none (reference rules §4).

use crate::db::Tx;
use crate::domain::amount::{Quantity, UnitPrice};
use crate::domain::lookup::{SUPPLY_TYPE, check_code};
use crate::domain::page::Page;
use crate::domain::{NonBlank, SupplyId};
use crate::error::{ApiError, ApiResult};
use crate::repo::lookup_values;
use crate::repo::supplies::{self as repo, NewSupply, SupplyPatch};

/// Answered by the API (and named in its OpenAPI document).
pub use crate::repo::supplies::SupplyRow;

pub const NAME_MAX: usize = 255;
/// `supplies.type` is `varchar(50)`.
pub const TYPE_MAX: usize = 50;
pub const UNIT_MAX: usize = 50;
pub const TEXT_MAX: usize = 2000;

pub async fn list(tx: &Tx<'_>, page: Page) -> ApiResult<Vec<SupplyRow>> {
    Ok(repo::list(tx, page.skip(), page.limit()).await?)
}

pub async fn get(tx: &Tx<'_>, id: SupplyId) -> ApiResult<SupplyRow> {
    repo::get(tx, id).await?.ok_or_else(|| not_found(id))
}

pub struct NewSupplyInput {
    pub name: NonBlank,
    pub kind: NonBlank,
    pub quantity: Quantity,
    pub unit: NonBlank,
    pub cost_per_unit: Option<UnitPrice>,
    pub supplier: Option<String>,
    pub notes: Option<String>,
}

pub async fn create(tx: &Tx<'_>, s: NewSupplyInput) -> ApiResult<SupplyRow> {
    let new = NewSupply {
        name: s.name.as_str(),
        kind: s.kind.as_str(),
        quantity: s.quantity,
        unit: s.unit.as_str(),
        cost_per_unit: s.cost_per_unit,
        supplier: s.supplier.as_deref(),
        notes: s.notes.as_deref(),
    };
    // Sent together: an unknown type returns an error, which rolls the insert back.
    let (checked, inserted) =
        futures_util::future::join(check_type(tx, s.kind.as_str()), repo::insert(tx, &new)).await;
    checked?;
    Ok(inserted?)
}

#[derive(Debug, Default)]
pub struct SupplyChanges {
    pub name: Option<NonBlank>,
    pub kind: Option<NonBlank>,
    pub quantity: Option<Quantity>,
    pub unit: Option<NonBlank>,
    pub cost_per_unit: Option<Option<UnitPrice>>,
    pub supplier: Option<Option<String>>,
    pub notes: Option<Option<String>>,
}

pub async fn update(tx: &Tx<'_>, id: SupplyId, c: SupplyChanges) -> ApiResult<SupplyRow> {
    if let Some(kind) = &c.kind {
        check_type(tx, kind.as_str()).await?;
    }
    let patch = SupplyPatch {
        name: c.name.map(NonBlank::into_string),
        kind: c.kind.map(NonBlank::into_string),
        quantity: c.quantity,
        unit: c.unit.map(NonBlank::into_string),
        cost_per_unit: c.cost_per_unit,
        supplier: c.supplier,
        notes: c.notes,
    };
    repo::update(tx, id, &patch)
        .await?
        .ok_or_else(|| not_found(id))
}

pub async fn delete(tx: &Tx<'_>, id: SupplyId) -> ApiResult<()> {
    if repo::delete(tx, id).await? {
        Ok(())
    } else {
        Err(not_found(id))
    }
}

async fn check_type(tx: &Tx<'_>, kind: &str) -> ApiResult<()> {
    let codes = lookup_values::active_codes(tx, SUPPLY_TYPE).await?;
    check_code("type", SUPPLY_TYPE, kind, &codes)
}

fn not_found(id: SupplyId) -> ApiError {
    ApiError::not_found("Supply", id)
}
