use serde::Deserialize;
use shared::app::metal_accounting::{self, NOTES_MAX, Purchase};
use shared::db::Tx;
use shared::domain::MetalId;
use shared::domain::amount::{Grams, UnitPrice, non_negative};
use shared::domain::metal_accounting::{SupplyType, positive_grams};
use shared::domain::optional_text;
use shared::domain::permissions::SAFE_WRITE;
use shared::http::{Call, Reply, respond};
use shared::{ApiError, ApiResult, Ctx};

shared::endpoint! {
    id: "safe_purchase",
    route: POST "/api/v1/safe/purchases",
    access: user[SAFE_WRITE],
    tag: "safe",
    summary: "Buy metal into the safe (FINE_METAL needs metal_id and updates its weighted average cost)",
    success: 201,
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
// FINE_METAL names its metal (400 `metal_id is required for FINE_METAL purchases` otherwise), ALLOY
// names none (422 `metal_id: must be absent for ALLOY purchases`).
#[cfg_attr(feature = "openapi", schemars(extend("anyOf" = [
    {"required": ["metal_id"],
     "properties": {"supply_type": {"const": "FINE_METAL"}, "metal_id": {"type": "integer"}}},
    {"properties": {"supply_type": {"const": "ALLOY"}, "metal_id": {"type": "null"}}},
])))]
struct Input {
    /// Required for `FINE_METAL` (an active metal of the tenant); absent for `ALLOY`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(range(min = 1)))]
    metal_id: Option<i64>,
    /// `FINE_METAL` or `ALLOY` (trimmed, upper-cased).
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::supply_type))]
    supply_type: String,
    /// Grams bought, more than 0.
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::positive))]
    quantity_grams: Grams,
    /// Price paid per gram, at least 0.
    #[cfg_attr(feature = "openapi", schemars(range(min = 0)))]
    cost_per_gram: UnitPrice,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = NOTES_MAX)))]
    notes: Option<String>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<shared::app::metal_accounting::MetalTransactionRow>(201)
        .error(400, "metal_id is required for FINE_METAL purchases")
        .error(
            422,
            "Invalid input, or metal_id is not an active metal of the tenant",
        );
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let input: Input = call.json()?;
    let purchase = Purchase {
        supply_type: SupplyType::parse("supply_type", &input.supply_type)?,
        metal: input.metal_id.map(metal_id).transpose()?,
        grams: positive_grams("quantity_grams", input.quantity_grams)?,
        cost_per_gram: non_negative("cost_per_gram", input.cost_per_gram)?,
        notes: optional_text("notes", input.notes.as_deref(), NOTES_MAX)?,
    };
    let booked = metal_accounting::purchase(tx, purchase).await?;
    respond::created(&booked)
}

fn metal_id(raw: i64) -> ApiResult<MetalId> {
    MetalId::new(raw).ok_or_else(|| ApiError::field("metal_id", "must be a positive integer"))
}
