//! The caller's own tenant row. Row-level security (`tenant_self`) shows a tenant only to itself;
//! every query here also filters by `app_current_tenant()` explicitly.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::row::{self, from_row};
use crate::db::Tx;
use crate::domain::TenantId;
use crate::error::DbError;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct TenantRow {
    pub id: TenantId,
    pub name: String,
    pub subdomain: String,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

from_row!(TenantRow {
    id,
    name,
    subdomain,
    is_active,
    created_at,
    updated_at,
});

/// The tenant `id` if it is the current one; any other id finds nothing.
pub async fn get(tx: &Tx<'_>, id: TenantId) -> Result<Option<TenantRow>, DbError> {
    row::optional(
        tx.query_opt(
            "select id, name, subdomain, is_active, created_at, updated_at
               from tenants where id = $1 and id = app_current_tenant()",
            &[&id],
        )
        .await?,
    )
}

pub struct TenantPatch<'a> {
    pub name: Option<&'a str>,
    pub subdomain: Option<&'a str>,
    pub is_active: Option<bool>,
}

/// Apply the given changes to the current tenant. Returns whether a row was updated. A taken
/// subdomain is `DbError::Unique { tenants_subdomain_key }`.
pub async fn update(tx: &Tx<'_>, id: TenantId, p: &TenantPatch<'_>) -> Result<bool, DbError> {
    let n = tx
        .execute(
            "update tenants
                set name = coalesce($2, name),
                    subdomain = coalesce($3, subdomain),
                    is_active = coalesce($4, is_active)
              where id = $1 and id = app_current_tenant()",
            &[&id.get(), &p.name, &p.subdomain, &p.is_active],
        )
        .await?;
    Ok(n > 0)
}
