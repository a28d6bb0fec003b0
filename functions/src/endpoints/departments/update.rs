use serde::Deserialize;
use shared::app::departments::{self, NAME_MAX};
use shared::db::Tx;
use shared::domain::permissions::DEPARTMENTS_WRITE;
use shared::domain::{DepartmentId, NonBlank};
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "departments_update",
    route: PUT "/api/v1/departments/{department_id}",
    access: user[DEPARTMENTS_WRITE],
    tag: "departments",
    summary: "Rename or (de)activate a department",
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    is_active: Option<bool>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<shared::app::departments::DepartmentRow>(200)
        .error(
            409,
            "A department with this name already exists, or the Inventory department would be renamed",
        );
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: DepartmentId = call.path("department_id")?;
    let input: Input = call.json()?;
    let name = input
        .name
        .as_deref()
        .map(|n| NonBlank::parse("name", n, NAME_MAX))
        .transpose()?;
    let department = departments::update(tx, id, name, input.is_active).await?;
    respond::ok(&department)
}
