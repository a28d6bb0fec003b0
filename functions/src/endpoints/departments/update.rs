use serde::Deserialize;
use shared::app::departments::{self, NAME_MAX};
use shared::domain::permissions::DEPARTMENTS_WRITE;
use shared::domain::{DepartmentId, NonBlank};
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "departments_update",
    method: "PUT",
    path: "/api/v1/departments/{department_id}",
    access: Access::User {
        permission: Some(DEPARTMENTS_WRITE),
    },
    summary: "Rename or (de)activate a department",
    tag: "departments",
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

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let id: DepartmentId = call.path("department_id")?;
    let input: Input = call.json()?;
    let name = input
        .name
        .as_deref()
        .map(|n| NonBlank::parse("name", n, NAME_MAX))
        .transpose()?;
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let department = departments::update(&tx, id, name, input.is_active).await?;
    tx.commit().await?;
    respond::ok(&department)
}
