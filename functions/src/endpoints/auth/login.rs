use serde::Deserialize;
use shared::app::auth::{self, LoginInput, LoginOutcome};
use shared::db::Tx;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "auth_login",
    route: POST "/api/v1/auth/login",
    access: system,
    tag: "auth",
    summary: "Log in with username and password (form or JSON); returns access and refresh tokens",
    sizing: CpuHeavy,
}

/// The OAuth2 password form the React app posts (`grant_type`, `scope`, … are accepted and ignored).
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    username: String,
    password: String,
    #[serde(default, deserialize_with = "shared::http::call::lenient_bool")]
    #[cfg_attr(feature = "openapi", schemars(with = "bool"))]
    remember_me: bool,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.form_or_json::<Input>()
        .response::<shared::app::auth::TokenPair>(200)
        .error(
            401,
            "Wrong username or password, locked account, or inactive user or tenant",
        );
}

async fn handle(ctx: &Ctx, call: &Call, tx: &mut Tx<'_>) -> ApiResult<Reply> {
    let input: Input = call.form_or_json()?;
    let outcome = auth::login(
        ctx,
        tx,
        LoginInput {
            username: &input.username,
            password: &input.password,
            remember_me: input.remember_me,
            ip: call.source_ip(),
            user_agent: call.user_agent(),
        },
    )
    .await?;
    match outcome {
        LoginOutcome::Success(tokens) => respond::ok(&tokens),
        // Failed attempts are committed too: they feed the lockout counter and the login history.
        LoginOutcome::Rejected(e) => Ok(Reply::commit_then_refuse(e)),
    }
}
