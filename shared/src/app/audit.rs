//! The audit trail: who changed what, and when (README, "Audit trail"). Written by the database
//! itself, in each write's transaction (0010); read here, by the tenant's admins (`audit:read`).

use chrono::NaiveDate;

use crate::db::Tx;
use crate::domain::{Page, UserId};
use crate::error::{ApiError, ApiResult};
use crate::repo::audit::{self as repo, Filter};

pub use crate::repo::audit::AuditEntry;

/// Longest `entity_type` filter: the trail's types are short names (`order`, `ledger_entry`).
pub const ENTITY_TYPE_MAX: usize = 50;

pub struct Query {
    pub entity_type: Option<String>,
    pub entity_id: Option<i64>,
    pub user: Option<UserId>,
    pub date_from: Option<NaiveDate>,
    pub date_to: Option<NaiveDate>,
    pub page: Page,
}

/// The tenant's trail, newest first, one page of it.
pub async fn list(tx: &Tx<'_>, q: &Query) -> ApiResult<Vec<AuditEntry>> {
    if let Some(t) = &q.entity_type
        && t.chars().count() > ENTITY_TYPE_MAX
    {
        return Err(ApiError::query_field(
            "entity_type",
            format!("at most {ENTITY_TYPE_MAX} characters"),
        ));
    }
    if let (Some(from), Some(to)) = (q.date_from, q.date_to)
        && from > to
    {
        return Err(ApiError::query_field(
            "date_from",
            "must not be after date_to",
        ));
    }
    let filter = Filter {
        entity_type: q.entity_type.as_deref(),
        entity_id: q.entity_id,
        user: q.user,
        date_from: q.date_from,
        date_to: q.date_to,
        skip: q.page.skip(),
        limit: q.page.limit(),
    };
    Ok(repo::list(tx, &filter).await?)
}
