use serde::Deserialize;
use shared::app::auth;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "auth_logout",
    method: "POST",
    path: "/api/v1/auth/logout",
    access: Access::User { permission: None },
    summary: "Revoke the given refresh token, or every session of the user with ?all=true (access tokens included)",
    tag: "auth",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[derive(Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Body {
    #[serde(default)]
    refresh_token: Option<String>,
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Query {
    #[serde(default)]
    all: bool,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.form_or_json::<Body>()
        .optional_body()
        .query::<Query>()
        .message();
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let query: Query = call.query()?;
    let body: Body = if call.has_body() {
        call.form_or_json()?
    } else {
        Body::default()
    };
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    auth::logout(&tx, body.refresh_token.as_deref().map(str::trim), query.all).await?;
    tx.commit().await?;
    respond::message("Successfully logged out")
}
