use shared::app::metals;
use shared::db::Tx;
use shared::domain::permissions::METALS_WRITE;
use shared::http::{Call, Reply};

use crate::endpoints::shared_answers::seeded;
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "metals_seed",
    route: POST "/api/v1/metals/seed",
    access: user[METALS_WRITE],
    tag: "metals",
    summary: "Insert the default metals whose code is missing (idempotent)",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<crate::endpoints::shared_answers::Seeded>(200);
}

async fn handle(_ctx: &Ctx, _call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    seeded("metals", metals::seed(tx).await?)
}
