use serde::Deserialize;
use shared::app::departments::{self, NAME_MAX};
use shared::db::Tx;
use shared::domain::permissions::DEPARTMENTS_WRITE;
use shared::domain::amount::Percent;
use shared::domain::{DepartmentId, NonBlank};
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

use crate::endpoints::input::present;

shared::endpoint! {
    id: "departments_update",
    route: PUT "/api/v1/departments/{department_id}",
    access: user[DEPARTMENTS_WRITE],
    tag: "departments",
    summary: "Rename or (de)activate a department, or set its loss tolerance",
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = NAME_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    name: Option<String>,
    #[serde(default)]
    is_active: Option<bool>,
    /// Percent (0–100) of the grams in the department may lose before the metal loss report flags
    /// it; null clears it.
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::clearable))]
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = 100)))]
    loss_tolerance_percent: Option<Option<Percent>>,
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
    let tolerance = input
        .loss_tolerance_percent
        .map(|t| t.map(departments::loss_tolerance).transpose())
        .transpose()?;
    let department = departments::update(tx, id, name, input.is_active, tolerance).await?;
    respond::ok(&department)
}
