use serde::{Deserialize, Serialize};
use shared::app::auth;
use shared::db::Tx;
use shared::domain::Password;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "auth_change_password",
    route: PUT "/api/v1/auth/me/password",
    access: user[],
    tag: "auth",
    summary: "Change one's own password; other sessions end, this one gets fresh tokens",
    sizing: CpuHeavy,
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    current_password: String,
    /// At least 8 characters and at most 72 bytes (bcrypt reads no further).
    #[cfg_attr(feature = "openapi", schemars(length(min = shared::domain::Password::MIN_CHARS, max = shared::domain::Password::MAX_BYTES)))]
    new_password: String,
}

#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Output {
    message: &'static str,
    access_token: String,
    refresh_token: String,
    token_type: &'static str,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<Output>(200)
        .error(400, "Current password is incorrect");
}

async fn handle(ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let input: Input = call.json()?;
    let new = Password::parse_field("new_password", &input.new_password)?;
    let tokens =
        auth::change_password(ctx, tx, &input.current_password, &new, call.user_agent()).await?;
    respond::ok(&Output {
        message: "Password changed",
        access_token: tokens.access_token,
        refresh_token: tokens.refresh_token,
        token_type: tokens.token_type,
    })
}
