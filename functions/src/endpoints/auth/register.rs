use serde::Deserialize;
use shared::app::signup::{self, NewAccount, NewTenant};
use shared::app::tenants::NAME_MAX as TENANT_NAME_MAX;
use shared::app::users::FULL_NAME_MAX;
use shared::db::Tx;
use shared::domain::permissions::USERS_MANAGE;
use shared::domain::tenant::Subdomain;
use shared::domain::{Email, NonBlank, Password, RoleId, TenantId, Username};
use shared::http::{Call, Reply, respond};
use shared::{ApiError, ApiResult, Ctx};

shared::endpoint! {
    id: "auth_register",
    route: POST "/api/v1/auth/register",
    access: optional_user[USERS_MANAGE],
    tag: "auth",
    summary: "Sign up: create a tenant and its admin. With tenant_id, an admin of that tenant adds a user",
    sizing: CpuHeavy,
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
// A public sign-up (no tenant_id) names its tenant; the handler answers 422 `tenant_name: Field
// required` otherwise.
#[cfg_attr(feature = "openapi", schemars(extend("anyOf" = [
    {"required": ["tenant_id"], "properties": {"tenant_id": {"type": "integer"}}},
    {"required": ["tenant_name"], "properties": {"tenant_name": {"type": "string"}}},
])))]
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
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = TENANT_NAME_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    tenant_name: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(regex(pattern = crate::openapi::SUBDOMAIN_OR_BLANK)))]
    subdomain: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(range(min = 1)))]
    tenant_id: Option<i64>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(range(min = 1)))]
    role_id: Option<i64>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<shared::app::auth::UserRow>(200)
        .description(
            "Without `tenant_id`: public sign-up; `tenant_name` is required and the caller becomes \
             the new tenant's admin. With `tenant_id`: needs the bearer token of an admin of that \
             tenant (`users:manage`); `role_id` defaults to `staff`.",
        )
        .error(
            409,
            "Username already registered, or subdomain already exists",
        );
}

async fn handle(ctx: &Ctx, call: &Call, tx: &mut Tx<'_>) -> ApiResult<Reply> {
    let input: Input = call.json()?;
    let account = NewAccount {
        username: Username::parse(&input.username)?,
        password: Password::parse(&input.password)?,
        full_name: NonBlank::parse("full_name", &input.full_name, FULL_NAME_MAX)?,
        email: Email::parse_optional("email", input.email.as_deref())?,
    };
    let user = match input.tenant_id {
        None => {
            let tenant = NewTenant {
                name: NonBlank::parse(
                    "tenant_name",
                    input
                        .tenant_name
                        .as_deref()
                        .ok_or_else(|| ApiError::field("tenant_name", "Field required"))?,
                    TENANT_NAME_MAX,
                )?,
                subdomain: input
                    .subdomain
                    .as_deref()
                    .filter(|s| !s.trim().is_empty())
                    .map(Subdomain::parse)
                    .transpose()?,
            };
            signup::sign_up(ctx, tx, tenant, account).await?
        }
        Some(raw_tenant) => {
            // Joining an existing tenant needs the bearer token of one of its admins (the
            // declared `users:manage`), and that tenant must be the admin's own.
            call.authorize(ctx, tx).await?;
            let tenant = TenantId::new(raw_tenant)
                .ok_or_else(|| ApiError::field("tenant_id", "must be a positive integer"))?;
            if tx.tenant()? != tenant {
                return Err(ApiError::missing_permission(USERS_MANAGE));
            }
            let role = input
                .role_id
                .map(|r| {
                    RoleId::new(r)
                        .ok_or_else(|| ApiError::field("role_id", "must be a positive integer"))
                })
                .transpose()?;
            signup::add_user(ctx, tx, account, role).await?
        }
    };
    respond::ok(&user)
}
