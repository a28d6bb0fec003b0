use serde::{Deserialize, Serialize};
use shared::app::auth;
use shared::db::Tx;
use shared::http::{Call, Reply, respond};
use shared::{ApiError, ApiResult, Ctx};

shared::endpoint! {
    id: "auth_login_history",
    route: GET "/api/v1/auth/login-history",
    access: user[],
    tag: "auth",
    summary: "The caller's own login attempts, newest first",
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Query {
    /// How many attempts to return (1 to 500).
    #[serde(default = "default_limit")]
    #[cfg_attr(feature = "openapi", schemars(range(min = 1, max = 500)))]
    limit: i64,
}

fn default_limit() -> i64 {
    50
}

#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Output {
    history: Vec<auth::LoginHistoryEntry>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.query::<Query>().response::<Output>(200);
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let q: Query = call.query()?;
    if !(1..=500).contains(&q.limit) {
        return Err(ApiError::Validation(vec![shared::error::FieldError::new(
            &["query", "limit"],
            "must be between 1 and 500",
            "value_error",
        )]));
    }
    let history = auth::login_history(tx, q.limit).await?;
    respond::ok(&Output { history })
}
