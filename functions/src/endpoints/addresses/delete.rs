use shared::app::addresses;
use shared::db::Tx;
use shared::domain::AddressId;
use shared::domain::permissions::COMPANIES_WRITE;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "addresses_delete",
    route: DELETE "/api/v1/addresses/{address_id}",
    access: user[COMPANIES_WRITE],
    tag: "addresses",
    summary: "Delete an address; the default address only when it is the company's last one (else 409)",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.message().error(
        409,
        "Cannot delete the default address while the company has other addresses",
    );
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: AddressId = call.path("address_id")?;
    addresses::delete(tx, id).await?;
    respond::message("Address deleted successfully")
}
