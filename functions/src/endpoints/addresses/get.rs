use shared::app::addresses;
use shared::db::Tx;
use shared::domain::AddressId;
use shared::domain::permissions::COMPANIES_READ;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "addresses_get",
    route: GET "/api/v1/addresses/{address_id}",
    access: user[COMPANIES_READ],
    tag: "addresses",
    summary: "One address with its company {id, name}",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<shared::app::addresses::AddressRow>(200);
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: AddressId = call.path("address_id")?;
    let address = addresses::get(tx, id).await?;
    respond::ok(&address)
}
