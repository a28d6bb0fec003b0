use serde::Deserialize;
use shared::app::audit;
use shared::db::Tx;
use shared::domain::UserId;
use shared::domain::permissions::AUDIT_READ;
use shared::http::call::{date_filter, id_filter};
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "audit_list",
    route: GET "/api/v1/audit/",
    access: user[AUDIT_READ],
    tag: "audit",
    summary: "The tenant's audit trail, newest first: who changed what (the changed fields before and after) and when, through which endpoint and request; filters by entity, user and date range; paged",
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Query {
    /// `order`, `ledger_entry`, `user`, `role`, … (the `entity_type` of the entries); empty: all.
    #[serde(default)]
    entity_type: Option<String>,
    /// Text, so that an empty `entity_id=` means "no filter".
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "i64", range(min = 1), description = "Only this entity's entries (with entity_type).")
    )]
    entity_id: Option<String>,
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "i64", range(min = 1), description = "Only what this user did.")
    )]
    user_id: Option<String>,
    /// `YYYY-MM-DD` (UTC), inclusive; empty: no bound.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::date))]
    date_from: Option<String>,
    /// `YYYY-MM-DD` (UTC), inclusive; empty: no bound.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::date))]
    date_to: Option<String>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.query::<Query>()
        .paged()
        .response::<Vec<audit::AuditEntry>>(200);
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let q: Query = call.query()?;
    let query = audit::Query {
        entity_type: q.entity_type.filter(|t| !t.trim().is_empty()),
        entity_id: id_filter::<i64>("entity_id", q.entity_id.as_deref())?,
        user: id_filter::<UserId>("user_id", q.user_id.as_deref())?,
        date_from: date_filter("date_from", q.date_from.as_deref())?,
        date_to: date_filter("date_to", q.date_to.as_deref())?,
        page: call.page()?,
    };
    respond::ok(&audit::list(tx, &query).await?)
}
