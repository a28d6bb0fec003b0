use shared::app::roles;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "roles_list",
    method: "GET",
    path: "/api/v1/roles/",
    access: Access::User { permission: None },
    summary: "The tenant's roles with their permissions",
    tag: "roles",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<Vec<shared::app::roles::RoleResponse>>(200);
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let list = roles::list(&tx).await?;
    tx.commit().await?;
    respond::ok(&list)
}
