use serde::Deserialize;
use shared::app::departments::{self, NAME_MAX};
use shared::db::Tx;
use shared::domain::NonBlank;
use shared::domain::permissions::DEPARTMENTS_WRITE;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "departments_create",
    route: POST "/api/v1/departments/",
    access: user[DEPARTMENTS_WRITE],
    tag: "departments",
    summary: "Create a department (name unique per tenant, case-insensitive)",
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = NAME_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    name: String,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<shared::app::departments::DepartmentRow>(200)
        .error(409, "A department with this name already exists");
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let input: Input = call.json()?;
    let name = NonBlank::parse("name", &input.name, NAME_MAX)?;
    let created = departments::create(tx, name).await?;
    respond::ok(&created)
}
