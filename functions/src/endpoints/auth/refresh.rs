use serde::Deserialize;
use shared::app::auth;
use shared::db::Tx;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "auth_refresh",
    route: POST "/api/v1/auth/refresh",
    access: system,
    tag: "auth",
    summary: "Exchange a refresh token (form or JSON) for a new access token",
}

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

async fn handle(ctx: &Ctx, call: &Call, tx: &mut Tx<'_>) -> ApiResult<Reply> {
    let input: Input = call.form_or_json()?;
    match auth::refresh(ctx, tx, input.refresh_token.trim()).await? {
        Ok(token) => respond::ok(&token),
        // An expired token is deleted even though the answer is a 401.
        Err(refusal) => Ok(Reply::commit_then_refuse(refusal)),
    }
}
