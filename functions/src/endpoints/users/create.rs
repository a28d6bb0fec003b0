use serde::Deserialize;
use shared::app::signup::NewAccount;
use shared::app::users;
use shared::domain::permissions::USERS_MANAGE;
use shared::domain::{Email, NonBlank, Password, RoleId, Username};
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiError, ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "users_create",
    method: "POST",
    path: "/api/v1/users/",
    access: Access::User {
        permission: Some(USERS_MANAGE),
    },
    summary: "Add a user with one of the tenant's roles",
    tag: "users",
    success: 201,
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

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let input: Input = call.json()?;
    let account = NewAccount {
        username: Username::parse(&input.username)?,
        password: Password::parse(&input.password)?,
        full_name: NonBlank::parse("full_name", &input.full_name, 255)?,
        email: Email::parse_optional("email", input.email.as_deref())?,
    };
    let role = RoleId::new(input.role_id).ok_or_else(|| {
        ApiError::field(
            "role_id",
            format!("Role with id {} not found", input.role_id),
        )
    })?;
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let user = users::create(&ctx, &tx, account, role).await?;
    tx.commit().await?;
    respond::created(&user)
}
