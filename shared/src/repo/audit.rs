//! The audit trail (0010 `audit_log`). Rows are written by the entity tables' triggers; the few
//! actions that change no entity row (a logout) append theirs here.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::row;
use crate::db::Tx;
use crate::domain::UserId;
use crate::error::DbError;

/// One entry of the trail, as `GET /api/v1/audit/` answers it.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// Who acted; `null` for the system (a migration, the demo seed).
    pub user_id: Option<i64>,
    /// Their username today, `null` once the user is gone.
    pub username: Option<String>,
    pub request_id: Option<String>,
    /// The endpoint's id (`orders_create`, `auth_login`, …), or the local command (`local_seed`,
    /// `local_generate`, `import`).
    pub endpoint: Option<String>,
    /// `create`, `update`, `delete`, `deactivate`, `reactivate`, `archive`, `unarchive`, `grant`,
    /// `revoke`, `password_change`, `login`, `login_failed`, `logout`, `import`.
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<i64>,
    /// The changed fields' values before (an update), the whole row (a delete).
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "Option<serde_json::Map<String, serde_json::Value>>")
    )]
    pub before: Option<serde_json::Value>,
    /// The changed fields' values after (an update), the whole row (a create).
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "Option<serde_json::Map<String, serde_json::Value>>")
    )]
    pub after: Option<serde_json::Value>,
}

row::from_row!(AuditEntry {
    id,
    at,
    user_id,
    username,
    request_id,
    endpoint,
    action,
    entity_type,
    entity_id,
    before,
    after,
});

pub struct Filter<'a> {
    pub entity_type: Option<&'a str>,
    pub entity_id: Option<i64>,
    pub user: Option<UserId>,
    pub date_from: Option<NaiveDate>,
    pub date_to: Option<NaiveDate>,
    pub skip: i64,
    pub limit: i64,
}

/// Newest first. Dates are UTC days, both ends inclusive.
pub async fn list(tx: &Tx<'_>, f: &Filter<'_>) -> Result<Vec<AuditEntry>, DbError> {
    let rows = tx
        .query(
            "select a.id, a.at, a.user_id, u.username::text as username, a.request_id, a.endpoint,
                    a.action, a.entity_type, a.entity_id, a.before, a.after
               from audit_log a
               left join users u on u.tenant_id = a.tenant_id and u.id = a.user_id
              where a.tenant_id = app_current_tenant()
                and ($1::text is null or a.entity_type = $1)
                and ($2::bigint is null or a.entity_id = $2)
                and ($3::bigint is null or a.user_id = $3)
                and ($4::date is null or a.at >= ($4::date)::timestamp at time zone 'UTC')
                and ($5::date is null or a.at < ($5::date + 1)::timestamp at time zone 'UTC')
              order by a.at desc, a.id desc
              offset $6 limit $7",
            &[
                &f.entity_type,
                &f.entity_id,
                &f.user.map(UserId::get),
                &f.date_from,
                &f.date_to,
                &f.skip,
                &f.limit,
            ],
        )
        .await?;
    row::all(&rows)
}

/// An action that changes no audited row: the request's identity comes from `audit_context`.
pub async fn append(
    tx: &Tx<'_>,
    action: &str,
    entity_type: &str,
    entity_id: i64,
    after: Option<serde_json::Value>,
) -> Result<(), DbError> {
    tx.execute(
        "select audit_append(app_current_tenant(), $1, $2, $3, null, $4)",
        &[&action, &entity_type, &entity_id, &after],
    )
    .await?;
    Ok(())
}
