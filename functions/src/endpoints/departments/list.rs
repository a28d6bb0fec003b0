use shared::app::departments;
use shared::db::Tx;
use shared::domain::permissions::DEPARTMENTS_READ;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "departments_list",
    route: GET "/api/v1/departments/",
    access: user[DEPARTMENTS_READ],
    tag: "departments",
    summary: "Departments with their metal balances (gross grams)",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.paged()
        .response::<Vec<shared::app::departments::DepartmentWithBalances>>(200);
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let page = call.page()?;
    let list = departments::list(tx, page).await?;
    respond::ok(&list)
}
