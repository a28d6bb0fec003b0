use shared::app::roles;
use shared::domain::RoleId;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "roles_get",
    method: "GET",
    path: "/api/v1/roles/{role_id}",
    access: Access::User { permission: None },
    summary: "One of the tenant's roles with its permissions",
    tag: "roles",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<shared::app::roles::RoleResponse>(200);
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let id: RoleId = call.path("role_id")?;
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let role = roles::get(&tx, id).await?;
    tx.commit().await?;
    respond::ok(&role)
}
