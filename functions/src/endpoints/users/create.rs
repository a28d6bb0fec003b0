use serde::Deserialize;
use shared::app::signup::NewAccount;
use shared::app::users::{self, FULL_NAME_MAX};
use shared::db::Tx;
use shared::domain::permissions::USERS_MANAGE;
use shared::domain::{Email, NonBlank, Password, RoleId, Username};
use shared::http::{Call, Reply, respond};
use shared::{ApiError, ApiResult, Ctx};

shared::endpoint! {
    id: "users_create",
    route: POST "/api/v1/users/",
    access: user[USERS_MANAGE],
    tag: "users",
    summary: "Add a user with one of the tenant's roles",
    success: 201,
    sizing: CpuHeavy,
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    /// 3–50 letters, digits and `. _ - @ +`, case-insensitive (stored lower-case).
    #[cfg_attr(feature = "openapi", schemars(length(min = shared::domain::Username::MIN_CHARS, max = shared::domain::Username::MAX_CHARS), regex(pattern = crate::openapi::USERNAME)))]
    username: String,
    /// At least 8 characters and at most 72 bytes (bcrypt reads no further).
    #[cfg_attr(feature = "openapi", schemars(length(min = shared::domain::Password::MIN_CHARS, max = shared::domain::Password::MAX_BYTES)))]
    password: String,
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = FULL_NAME_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    full_name: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = shared::domain::Email::MAX_BYTES), email))]
    email: Option<String>,
    #[cfg_attr(feature = "openapi", schemars(range(min = 1)))]
    role_id: i64,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<shared::app::users::UserRow>(201)
        .error(
            422,
            "Invalid input, or `role_id` is not one of the tenant's roles",
        )
        .error(409, "Username already registered");
}

async fn handle(ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let input: Input = call.json()?;
    let account = NewAccount {
        username: Username::parse(&input.username)?,
        password: Password::parse(&input.password)?,
        full_name: NonBlank::parse("full_name", &input.full_name, FULL_NAME_MAX)?,
        email: Email::parse_optional("email", input.email.as_deref())?,
    };
    let role = RoleId::new(input.role_id).ok_or_else(|| {
        ApiError::field(
            "role_id",
            format!("Role with id {} not found", input.role_id),
        )
    })?;
    let user = users::create(ctx, tx, account, role).await?;
    respond::created(&user)
}
