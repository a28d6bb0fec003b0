use serde::Deserialize;
use shared::app::auth::{self, LoginInput, LoginOutcome};
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "auth_login",
    method: "POST",
    path: "/api/v1/auth/login",
    access: Access::Public,
    summary: "Log in with username and password (form or JSON); returns access and refresh tokens",
    tag: "auth",
    success: 200,
    sizing: Sizing::CpuHeavy,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

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

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let input: Input = call.form_or_json()?;
    let mut conn = ctx.conn().await?;
    let mut tx = conn.begin_system().await?;
    let outcome = auth::login(
        &ctx,
        &mut tx,
        LoginInput {
            username: &input.username,
            password: &input.password,
            remember_me: input.remember_me,
            ip: call.source_ip(),
            user_agent: call.user_agent(),
        },
    )
    .await?;
    // Failed attempts are committed too: they feed the lockout counter and the login history.
    tx.commit().await?;
    match outcome {
        LoginOutcome::Success(tokens) => respond::ok(&tokens),
        LoginOutcome::Rejected(e) => Err(e),
    }
}
