//! What the metal catalogue and the lookup values have in common: per-tenant catalogues whose
//! entries are changed by partial patches, soft-deleted (deactivated, never removed: other rows keep
//! referring to them) and seeded with the defaults that are missing. One implementation of those
//! use cases for both; `app::metals` and `app::lookup_values` only say what differs.

use std::fmt::Display;

use crate::db::Tx;
use crate::error::{ApiError, ApiResult, DbError};

/// One catalogue: its repository calls and how its entries are named.
pub(crate) trait Catalogue {
    type Id: Copy + Display;
    type Row;
    type Patch;
    /// How a 404 names an entry ("Metal with id 7 not found").
    const ENTRY: &'static str;

    /// The patch that only deactivates an entry.
    fn deactivation() -> Self::Patch;

    /// Apply `patch`; `None` when the entry is not in this tenant.
    async fn apply(
        tx: &Tx<'_>,
        id: Self::Id,
        patch: &Self::Patch,
    ) -> Result<Option<Self::Row>, DbError>;

    /// Insert the defaults whose key is missing; how many were inserted.
    async fn insert_defaults(tx: &Tx<'_>) -> Result<u64, DbError>;
}

pub(crate) fn not_found<C: Catalogue>(id: C::Id) -> ApiError {
    ApiError::not_found(C::ENTRY, id)
}

/// Change an entry (`{is_active: true}` reactivates a deactivated one).
pub(crate) async fn update<C: Catalogue>(
    tx: &Tx<'_>,
    id: C::Id,
    patch: &C::Patch,
) -> ApiResult<C::Row> {
    C::apply(tx, id, patch)
        .await?
        .ok_or_else(|| not_found::<C>(id))
}

/// Soft delete: the entry stays but is no longer offered.
pub(crate) async fn deactivate<C: Catalogue>(tx: &Tx<'_>, id: C::Id) -> ApiResult<()> {
    update::<C>(tx, id, &C::deactivation()).await.map(|_| ())
}

/// Insert the defaults that are missing; 0 on a second call.
pub(crate) async fn seed<C: Catalogue>(tx: &Tx<'_>) -> ApiResult<u64> {
    Ok(C::insert_defaults(tx).await?)
}

/// A code the database's `upper()` changes although Rust's did not (they disagree on a few letters,
/// e.g. 'ß'): the CHECK that codes are upper-case refused it.
pub(crate) fn code_not_upper_case() -> ApiError {
    ApiError::field("code", "must be upper-case letters, digits or symbols")
}
