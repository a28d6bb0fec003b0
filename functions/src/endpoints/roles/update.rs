use serde::Deserialize;
use shared::app::roles::{self, RoleChanges};
use shared::domain::permissions::ROLES_MANAGE;
use shared::domain::{NonBlank, RoleId, optional_text};
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "roles_update",
    method: "PUT",
    path: "/api/v1/roles/{role_id}",
    access: Access::User {
        permission: Some(ROLES_MANAGE),
    },
    summary: "Change a custom role's name, description or permissions (system roles are fixed)",
    tag: "roles",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    #[serde(default)]
    name: Option<String>,
    /// `null` or `""` removes the description; absent leaves it.
    #[serde(default, deserialize_with = "shared::http::call::nullable")]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::clearable))]
    description: Option<Option<String>>,
    /// Replaces the role's permissions; absent leaves them.
    #[serde(default)]
    permission_ids: Option<Vec<i64>>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<shared::app::roles::RoleResponse>(200)
        .error(422, "Invalid input, or an unknown permission id")
        .error(400, "System roles cannot be modified")
        .error(409, "Role name already exists");
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let id: RoleId = call.path("role_id")?;
    let input: Input = call.json()?;
    let changes = RoleChanges {
        name: input
            .name
            .as_deref()
            .map(|n| NonBlank::parse("name", n, 100))
            .transpose()?,
        description: input
            .description
            .map(|d| optional_text("description", d.as_deref(), 500))
            .transpose()?,
        permission_ids: input
            .permission_ids
            .as_deref()
            .map(super::permission_ids)
            .transpose()?,
    };
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let role = roles::update(&tx, id, changes).await?;
    tx.commit().await?;
    respond::ok(&role)
}
