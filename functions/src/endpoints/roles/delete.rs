use shared::app::roles;
use shared::db::Tx;
use shared::domain::RoleId;
use shared::domain::permissions::ROLES_MANAGE;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "roles_delete",
    route: DELETE "/api/v1/roles/{role_id}",
    access: user[ROLES_MANAGE],
    tag: "roles",
    summary: "Delete a custom role that no user holds",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.message()
        .error(400, "System roles cannot be deleted")
        .error(409, "Users are still assigned to the role");
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: RoleId = call.path("role_id")?;
    roles::delete(tx, id).await?;
    respond::message("Role deleted successfully")
}
