use serde::Deserialize;
use shared::app::users::{self, FULL_NAME_MAX, UserChanges};
use shared::db::Tx;
use shared::domain::permissions::USERS_MANAGE;
use shared::domain::{Email, NonBlank, Password, RoleId, UserId};
use shared::http::{Call, Reply, respond};
use shared::{ApiError, ApiResult, Ctx};

shared::endpoint! {
    id: "users_update",
    route: PUT "/api/v1/users/{user_id}",
    access: user[USERS_MANAGE],
    tag: "users",
    summary: "Change a user's name, e-mail, role, active flag or password; deactivation and password resets end the user's sessions",
    sizing: CpuHeavy,
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = FULL_NAME_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    full_name: Option<String>,
    /// `null` or `""` removes the e-mail; absent leaves it.
    #[serde(default, deserialize_with = "shared::http::call::nullable")]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::clearable))]
    #[cfg_attr(feature = "openapi", schemars(length(max = shared::domain::Email::MAX_BYTES), email))]
    email: Option<Option<String>>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(range(min = 1)))]
    role_id: Option<i64>,
    #[serde(default)]
    is_active: Option<bool>,
    /// Absent, `null` or `""` leaves the password as it is (an edit form's empty password box);
    /// a new one has at least 8 characters and at most 72 bytes.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = shared::domain::Password::MAX_BYTES)))]
    #[cfg_attr(
        feature = "openapi",
        schemars(extend("anyOf" = [{"maxLength": 0}, {"minLength": shared::domain::Password::MIN_CHARS}]))
    )]
    password: Option<String>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<shared::app::users::UserRow>(200)
        .error(
            422,
            "Invalid input, or `role_id` is not one of the tenant's roles",
        )
        .error(
            409,
            "Cannot deactivate or demote the last active admin of the tenant",
        );
}

async fn handle(ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: UserId = call.path("user_id")?;
    let input: Input = call.json()?;
    let changes = UserChanges {
        full_name: input
            .full_name
            .as_deref()
            .map(|n| NonBlank::parse("full_name", n, FULL_NAME_MAX))
            .transpose()?,
        email: input
            .email
            .map(|e| Email::parse_optional("email", e.as_deref()))
            .transpose()?,
        role_id: input
            .role_id
            .map(|r| {
                RoleId::new(r).ok_or_else(|| {
                    ApiError::field("role_id", format!("Role with id {r} not found"))
                })
            })
            .transpose()?,
        is_active: input.is_active,
        password: input
            .password
            .as_deref()
            .filter(|p| !p.is_empty())
            .map(Password::parse)
            .transpose()?,
    };
    let user = users::update(ctx, tx, id, changes).await?;
    respond::ok(&user)
}
