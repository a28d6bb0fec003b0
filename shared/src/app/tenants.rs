//! The caller's own tenant (decisions §2). A user sees only its own tenant and, with
//! `tenant:manage`, updates it; any other tenant id behaves as if it did not exist (404). Creating
//! tenants is sign-up's job (`app::signup`); deleting them is not an API operation.

use crate::db::Tx;
use crate::domain::tenant::Subdomain;
use crate::domain::{NonBlank, TenantId};
use crate::error::{ApiError, ApiResult, OnConstraint};

use super::signup::{SUBDOMAIN_UNIQUE, subdomain_taken};
use crate::repo::tenants::{self as repo, TenantPatch};

/// Longest tenant name (the column is `varchar(255)`).
pub const NAME_MAX: usize = 255;

/// Answered by the API (and named in its OpenAPI document).
pub use crate::repo::tenants::TenantRow;

fn tenant_not_found(id: TenantId) -> ApiError {
    ApiError::not_found("Tenant", id)
}

/// The tenants the caller can see: exactly its own.
pub async fn list(tx: &Tx<'_>) -> ApiResult<Vec<TenantRow>> {
    let own = tx.tenant()?;
    Ok(repo::get(tx, own).await?.into_iter().collect())
}

pub async fn get(tx: &Tx<'_>, id: TenantId) -> ApiResult<TenantRow> {
    repo::get(tx, id).await?.ok_or_else(|| tenant_not_found(id))
}

/// What `PUT /tenants/{id}` may change; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct TenantChanges {
    pub name: Option<NonBlank>,
    pub subdomain: Option<Subdomain>,
    /// `false` locks every user of the tenant out at once (checked on every request).
    pub is_active: Option<bool>,
}

pub async fn update(tx: &Tx<'_>, id: TenantId, changes: TenantChanges) -> ApiResult<TenantRow> {
    let patch = TenantPatch {
        name: changes.name.as_ref().map(NonBlank::as_str),
        subdomain: changes.subdomain.as_ref().map(Subdomain::as_str),
        is_active: changes.is_active,
    };
    // Read back after the update, in the same flight.
    let (updated, row) =
        futures_util::future::join(repo::update(tx, id, &patch), repo::get(tx, id)).await;
    if !updated.on_constraint(SUBDOMAIN_UNIQUE, subdomain_taken)? {
        return Err(tenant_not_found(id));
    }
    row?.ok_or_else(|| tenant_not_found(id))
}
