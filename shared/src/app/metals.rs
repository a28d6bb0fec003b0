//! The metal catalogue (reference rules §5): create, update, soft delete, seed with the defaults of
//! `domain::defaults::METALS`.

use super::catalogue::{self, Catalogue, code_not_upper_case};
use crate::db::Tx;
use crate::domain::amount::UnitPrice;
use crate::domain::metal::{MetalCode, MetalType, Purity};
use crate::domain::{MetalId, NonBlank};
use crate::error::{ApiError, ApiResult, DbError, OnConstraint};
use crate::repo::metals::{self as repo, MetalPatch, NewMetal};
use crate::repo::provisioning;

/// Answered by the API (and named in its OpenAPI document).
pub use crate::repo::metals::MetalRow;

pub const NAME_MAX: usize = 255;

pub async fn list(tx: &Tx<'_>, include_inactive: bool) -> ApiResult<Vec<MetalRow>> {
    Ok(repo::list(tx, include_inactive).await?)
}

pub async fn get(tx: &Tx<'_>, id: MetalId) -> ApiResult<MetalRow> {
    repo::get(tx, id)
        .await?
        .ok_or_else(|| catalogue::not_found::<Metals>(id))
}

pub struct NewMetalInput {
    pub code: MetalCode,
    pub name: NonBlank,
    pub metal_type: MetalType,
    pub fine_percentage: Purity,
    pub average_cost_per_gram: Option<UnitPrice>,
}

pub async fn create(tx: &Tx<'_>, m: NewMetalInput) -> ApiResult<MetalRow> {
    let code = m.code.as_str().to_string();
    repo::insert(
        tx,
        &NewMetal {
            code: m.code.as_str(),
            name: m.name.as_str(),
            metal_type: m.metal_type.as_str(),
            fine_percentage: m.fine_percentage,
            average_cost_per_gram: m.average_cost_per_gram,
        },
    )
    .await
    .on_constraints(&[
        ("uq_metal_code_per_tenant", &|| {
            ApiError::Conflict(format!("Metal with code '{code}' already exists"))
        }),
        // The database's upper() and Rust's disagree on a few letters (e.g. 'ß').
        ("metals_code_check", &code_not_upper_case),
    ])
}

#[derive(Debug, Default)]
pub struct MetalChanges {
    pub name: Option<NonBlank>,
    pub metal_type: Option<MetalType>,
    pub fine_percentage: Option<Purity>,
    /// `Some(None)` clears the average cost.
    pub average_cost_per_gram: Option<Option<UnitPrice>>,
    pub is_active: Option<bool>,
}

/// The code is immutable; `{is_active: true}` reactivates a deactivated metal.
pub async fn update(tx: &Tx<'_>, id: MetalId, c: MetalChanges) -> ApiResult<MetalRow> {
    let patch = MetalPatch {
        name: c.name.map(NonBlank::into_string),
        metal_type: c.metal_type.map(|t| t.as_str().to_string()),
        fine_percentage: c.fine_percentage,
        average_cost_per_gram: c.average_cost_per_gram,
        is_active: c.is_active,
    };
    catalogue::update::<Metals>(tx, id, &patch).await
}

/// Soft delete: metals are referenced by balances, orders and the ledger, so they are only
/// deactivated (hidden from lists and refused for new deposits).
pub async fn deactivate(tx: &Tx<'_>, id: MetalId) -> ApiResult<()> {
    catalogue::deactivate::<Metals>(tx, id).await
}

/// Insert the default metals whose code is missing; returns how many were inserted.
pub async fn seed(tx: &Tx<'_>) -> ApiResult<u64> {
    catalogue::seed::<Metals>(tx).await
}

/// The metal catalogue as a [`Catalogue`].
struct Metals;

impl Catalogue for Metals {
    type Id = MetalId;
    type Row = MetalRow;
    type Patch = MetalPatch;
    const ENTRY: &'static str = "Metal";

    fn deactivation() -> MetalPatch {
        MetalPatch {
            is_active: Some(false),
            ..Default::default()
        }
    }

    async fn apply(
        tx: &Tx<'_>,
        id: MetalId,
        patch: &MetalPatch,
    ) -> Result<Option<MetalRow>, DbError> {
        repo::update(tx, id, patch).await
    }

    async fn insert_defaults(tx: &Tx<'_>) -> Result<u64, DbError> {
        provisioning::insert_default_metals(tx).await
    }
}
