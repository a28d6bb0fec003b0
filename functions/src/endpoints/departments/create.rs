use serde::Deserialize;
use shared::app::departments::{self, NAME_MAX};
use shared::domain::NonBlank;
use shared::domain::permissions::DEPARTMENTS_WRITE;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "departments_create",
    method: "POST",
    path: "/api/v1/departments/",
    access: Access::User {
        permission: Some(DEPARTMENTS_WRITE),
    },
    summary: "Create a department (name unique per tenant, case-insensitive)",
    tag: "departments",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    name: String,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<shared::app::departments::DepartmentRow>(200)
        .error(409, "A department with this name already exists");
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let input: Input = call.json()?;
    let name = NonBlank::parse("name", &input.name, NAME_MAX)?;
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let created = departments::create(&tx, name).await?;
    tx.commit().await?;
    respond::ok(&created)
}
