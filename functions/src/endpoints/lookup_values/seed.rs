use shared::app::lookup_values;
use shared::db::Tx;
use shared::domain::permissions::LOOKUP_VALUES_WRITE;
use shared::http::{Call, Reply};

use crate::endpoints::shared_answers::seeded;
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "lookup_values_seed",
    route: POST "/api/v1/lookup-values/seed",
    access: user[LOOKUP_VALUES_WRITE],
    tag: "lookup-values",
    summary: "Insert the default step and supply types that are missing (idempotent)",
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.response::<crate::endpoints::shared_answers::Seeded>(200);
}

async fn handle(_ctx: &Ctx, _call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    seeded("lookup values", lookup_values::seed(tx).await?)
}
