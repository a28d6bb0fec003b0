use serde::Deserialize;
use shared::app::roles::{self, DESCRIPTION_MAX, NAME_MAX, RoleChanges};
use shared::db::Tx;
use shared::domain::permissions::ROLES_MANAGE;
use shared::domain::{NonBlank, RoleId, optional_text};
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "roles_update",
    route: PUT "/api/v1/roles/{role_id}",
    access: user[ROLES_MANAGE],
    tag: "roles",
    summary: "Change a custom role's name, description or permissions (system roles are fixed)",
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
struct Input {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = NAME_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    name: Option<String>,
    /// `null` or `""` removes the description; absent leaves it.
    #[serde(default, deserialize_with = "shared::http::call::nullable")]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::clearable))]
    #[cfg_attr(feature = "openapi", schemars(length(max = DESCRIPTION_MAX)))]
    description: Option<Option<String>>,
    /// Replaces the role's permissions; absent leaves them.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(inner(range(min = 1))))]
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

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: RoleId = call.path("role_id")?;
    let input: Input = call.json()?;
    let changes = RoleChanges {
        name: input
            .name
            .as_deref()
            .map(|n| NonBlank::parse("name", n, NAME_MAX))
            .transpose()?,
        description: input
            .description
            .map(|d| optional_text("description", d.as_deref(), DESCRIPTION_MAX))
            .transpose()?,
        permission_ids: input
            .permission_ids
            .as_deref()
            .map(super::common::permission_ids)
            .transpose()?,
    };
    let role = roles::update(tx, id, changes).await?;
    respond::ok(&role)
}
