use shared::app::auth;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "auth_me",
    method: "GET",
    path: "/api/v1/auth/me",
    access: Access::User { permission: None },
    summary: "The current user, with the role as its name",
    tag: "auth",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<auth::UserRow>(200);
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let me = auth::me(&tx).await?;
    tx.commit().await?;
    respond::ok(&me)
}
