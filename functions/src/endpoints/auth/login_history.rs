use serde::{Deserialize, Serialize};
use shared::app::auth;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiError, ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "auth_login_history",
    method: "GET",
    path: "/api/v1/auth/login-history",
    access: Access::User { permission: None },
    summary: "The caller's own login attempts, newest first",
    tag: "auth",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

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

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let q: Query = call.query()?;
    if !(1..=500).contains(&q.limit) {
        return Err(ApiError::Validation(vec![shared::error::FieldError::new(
            &["query", "limit"],
            "must be between 1 and 500",
            "value_error",
        )]));
    }
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let history = auth::login_history(&tx, q.limit).await?;
    tx.commit().await?;
    respond::ok(&Output { history })
}
