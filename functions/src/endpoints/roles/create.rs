use serde::Deserialize;
use shared::app::roles::{self, DESCRIPTION_MAX, NAME_MAX, NewRole};
use shared::db::Tx;
use shared::domain::permissions::ROLES_MANAGE;
use shared::domain::{NonBlank, optional_text};
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "roles_create",
    route: POST "/api/v1/roles/",
    access: user[ROLES_MANAGE],
    tag: "roles",
    summary: "Create a custom role with the given permissions",
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
struct Input {
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = NAME_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    name: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = DESCRIPTION_MAX)))]
    description: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(inner(range(min = 1))))]
    permission_ids: Vec<i64>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<shared::app::roles::RoleResponse>(200)
        .error(422, "Invalid input, or an unknown permission id")
        .error(409, "Role name already exists");
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let input: Input = call.json()?;
    let role = NewRole {
        name: NonBlank::parse("name", &input.name, NAME_MAX)?,
        description: optional_text("description", input.description.as_deref(), DESCRIPTION_MAX)?,
        permission_ids: super::common::permission_ids(&input.permission_ids)?,
    };
    let created = roles::create(tx, role).await?;
    respond::ok(&created)
}
