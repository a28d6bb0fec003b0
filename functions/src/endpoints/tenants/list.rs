use shared::app::tenants;
use shared::db::Tx;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "tenants_list",
    route: GET "/api/v1/tenants/",
    access: user[],
    tag: "tenants",
    summary: "The tenants the caller can see: a list holding only its own",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<Vec<shared::app::tenants::TenantRow>>(200);
}

async fn handle(_ctx: &Ctx, _call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let list = tenants::list(tx).await?;
    respond::ok(&list)
}
