use serde::Deserialize;
use shared::app::departments;
use shared::domain::page::Page;
use shared::domain::permissions::DEPARTMENTS_READ;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "departments_list",
    method: "GET",
    path: "/api/v1/departments/",
    access: Access::User {
        permission: Some(DEPARTMENTS_READ),
    },
    summary: "Departments with their metal balances (gross grams)",
    tag: "departments",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Query {
    /// How many rows to skip (default 0).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(with = "i64", range(min = 0), extend("default" = 0)))]
    skip: Option<i64>,
    /// How many rows to return, 1 to 1000 (default 100).
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "i64", range(min = 1, max = 1000), extend("default" = 100))
    )]
    limit: Option<i64>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.query::<Query>()
        .response::<Vec<shared::app::departments::DepartmentWithBalances>>(200);
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let q: Query = call.query()?;
    let page = Page::parse(q.skip, q.limit)?;
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let list = departments::list(&tx, page).await?;
    tx.commit().await?;
    respond::ok(&list)
}
