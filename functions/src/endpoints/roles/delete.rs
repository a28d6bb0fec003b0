use shared::app::roles;
use shared::domain::RoleId;
use shared::domain::permissions::ROLES_MANAGE;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "roles_delete",
    method: "DELETE",
    path: "/api/v1/roles/{role_id}",
    access: Access::User {
        permission: Some(ROLES_MANAGE),
    },
    summary: "Delete a custom role that no user holds",
    tag: "roles",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.message()
        .error(400, "System roles cannot be deleted")
        .error(409, "Users are still assigned to the role");
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let id: RoleId = call.path("role_id")?;
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    roles::delete(&tx, id).await?;
    tx.commit().await?;
    respond::message("Role deleted successfully")
}
