use serde::Deserialize;
use shared::app::signup::{self, NewAccount, NewTenant};
use shared::domain::permissions::USERS_MANAGE;
use shared::domain::tenant::Subdomain;
use shared::domain::{Email, NonBlank, Password, RoleId, TenantId, Username};
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiError, ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "auth_register",
    method: "POST",
    path: "/api/v1/auth/register",
    access: Access::Public,
    summary: "Sign up: create a tenant and its admin. With tenant_id, an admin of that tenant adds a user",
    tag: "auth",
    success: 200,
    sizing: Sizing::CpuHeavy,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    username: String,
    password: String,
    full_name: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    tenant_name: Option<String>,
    #[serde(default)]
    subdomain: Option<String>,
    #[serde(default)]
    tenant_id: Option<i64>,
    #[serde(default)]
    role_id: Option<i64>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<shared::app::auth::UserRow>(200)
        .optional_auth()
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

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let input: Input = call.json()?;
    let account = NewAccount {
        username: Username::parse(&input.username)?,
        password: Password::parse(&input.password)?,
        full_name: NonBlank::parse("full_name", &input.full_name, 255)?,
        email: Email::parse_optional("email", input.email.as_deref())?,
    };
    let mut conn = ctx.conn().await?;
    let user = match input.tenant_id {
        None => {
            let tenant = NewTenant {
                name: NonBlank::parse(
                    "tenant_name",
                    input
                        .tenant_name
                        .as_deref()
                        .ok_or_else(|| ApiError::field("tenant_name", "Field required"))?,
                    255,
                )?,
                subdomain: input
                    .subdomain
                    .as_deref()
                    .filter(|s| !s.trim().is_empty())
                    .map(Subdomain::parse)
                    .transpose()?,
            };
            let mut tx = conn.begin_system().await?;
            let user = signup::sign_up(&ctx, &mut tx, tenant, account).await?;
            tx.commit().await?;
            user
        }
        Some(raw_tenant) => {
            // Joining an existing tenant needs the bearer token of one of its admins.
            let claims = call
                .optional_claims(&ctx)?
                .ok_or_else(|| ApiError::Unauthorized("Could not validate credentials".into()))?;
            let tenant = TenantId::new(raw_tenant)
                .ok_or_else(|| ApiError::field("tenant_id", "must be a positive integer"))?;
            if claims.tenant_id != tenant.get() {
                return Err(ApiError::Forbidden(format!(
                    "Permission '{USERS_MANAGE}' required"
                )));
            }
            let role = input
                .role_id
                .map(|r| {
                    RoleId::new(r)
                        .ok_or_else(|| ApiError::field("role_id", "must be a positive integer"))
                })
                .transpose()?;
            let tx = conn.begin_as(&claims, Some(USERS_MANAGE)).await?;
            let user = signup::add_user(&ctx, &tx, account, role).await?;
            tx.commit().await?;
            user
        }
    };
    respond::ok(&user)
}
