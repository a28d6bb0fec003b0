use serde::Deserialize;
use shared::app::auth;
use shared::db::Tx;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "auth_logout",
    route: POST "/api/v1/auth/logout",
    access: user[],
    tag: "auth",
    summary: "Revoke the given refresh token, or every session of the user with ?all=true (access tokens included)",
}

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

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let query: Query = call.query()?;
    let body: Body = if call.has_body() {
        call.form_or_json()?
    } else {
        Body::default()
    };
    auth::logout(tx, body.refresh_token.as_deref().map(str::trim), query.all).await?;
    respond::message("Successfully logged out")
}
