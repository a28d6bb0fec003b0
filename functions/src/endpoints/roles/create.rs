use serde::Deserialize;
use shared::app::roles::{self, NewRole};
use shared::domain::permissions::ROLES_MANAGE;
use shared::domain::{NonBlank, optional_text};
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "roles_create",
    method: "POST",
    path: "/api/v1/roles/",
    access: Access::User {
        permission: Some(ROLES_MANAGE),
    },
    summary: "Create a custom role with the given permissions",
    tag: "roles",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    permission_ids: Vec<i64>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<shared::app::roles::RoleResponse>(200)
        .error(422, "Invalid input, or an unknown permission id")
        .error(409, "Role name already exists");
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let input: Input = call.json()?;
    let role = NewRole {
        name: NonBlank::parse("name", &input.name, 100)?,
        description: optional_text("description", input.description.as_deref(), 500)?,
        permission_ids: super::permission_ids(&input.permission_ids)?,
    };
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let created = roles::create(&tx, role).await?;
    tx.commit().await?;
    respond::ok(&created)
}
