use shared::app::users;
use shared::domain::permissions::USERS_MANAGE;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "users_list",
    method: "GET",
    path: "/api/v1/users/",
    access: Access::User {
        permission: Some(USERS_MANAGE),
    },
    summary: "The users of the caller's tenant, role as its name",
    tag: "users",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<Vec<shared::app::users::UserRow>>(200);
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let list = users::list(&tx).await?;
    tx.commit().await?;
    respond::ok(&list)
}
