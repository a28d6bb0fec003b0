use serde::Deserialize;
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
struct Query {
    #[serde(default = "default_limit")]
    limit: i64,
}

fn default_limit() -> i64 {
    50
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
    respond::ok(&serde_json::json!({ "history": history }))
}
