use serde::Deserialize;
use shared::app::auth;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "auth_refresh",
    method: "POST",
    path: "/api/v1/auth/refresh",
    access: Access::Public,
    summary: "Exchange a refresh token (form or JSON) for a new access token",
    tag: "auth",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    refresh_token: String,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.form_or_json::<Input>()
        .response::<shared::app::auth::AccessToken>(200)
        .error(
            401,
            "Invalid, revoked or expired refresh token, or inactive user",
        );
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let input: Input = call.form_or_json()?;
    let mut conn = ctx.conn().await?;
    let mut tx = conn.begin_system().await?;
    let outcome = auth::refresh(&ctx, &mut tx, input.refresh_token.trim()).await?;
    // An expired token is deleted even though the answer is a 401.
    tx.commit().await?;
    respond::ok(&outcome?)
}
