use shared::app::roles;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "roles_permissions",
    method: "GET",
    path: "/api/v1/roles/permissions",
    access: Access::User { permission: None },
    summary: "The global permission catalogue (resource:action)",
    tag: "roles",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<Vec<shared::app::roles::PermissionRow>>(200);
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let list = roles::permissions(&tx).await?;
    tx.commit().await?;
    respond::ok(&list)
}
