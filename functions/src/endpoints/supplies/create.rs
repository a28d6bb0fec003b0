use serde::Deserialize;
use shared::app::supplies::{self, NAME_MAX, NewSupplyInput, TEXT_MAX, TYPE_MAX, UNIT_MAX};
use shared::db::Tx;
use shared::domain::amount::non_negative;
use shared::domain::permissions::SUPPLIES_WRITE;
use shared::domain::{NonBlank, optional_text};
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "supplies_create",
    route: POST "/api/v1/supplies/",
    access: user[SUPPLIES_WRITE],
    tag: "supplies",
    summary: "Add a supply; type must be an active supply_type lookup code (when the tenant has any)",
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = NAME_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    name: String,
    #[serde(rename = "type")]
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = TYPE_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    kind: String,
    #[cfg_attr(feature = "openapi", schemars(range(min = 0)))]
    quantity: shared::domain::amount::Quantity,
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = UNIT_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    unit: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(range(min = 0)))]
    cost_per_unit: Option<shared::domain::amount::UnitPrice>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = NAME_MAX)))]
    supplier: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = TEXT_MAX)))]
    notes: Option<String>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<shared::app::supplies::SupplyRow>(200)
        .error(
            422,
            "Invalid input, or `type` is not an active supply type of the tenant",
        );
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let input: Input = call.json()?;
    let supply = NewSupplyInput {
        name: NonBlank::parse("name", &input.name, NAME_MAX)?,
        kind: NonBlank::parse("type", &input.kind, TYPE_MAX)?,
        quantity: non_negative("quantity", input.quantity)?,
        unit: NonBlank::parse("unit", &input.unit, UNIT_MAX)?,
        cost_per_unit: input
            .cost_per_unit
            .map(|c| non_negative("cost_per_unit", c))
            .transpose()?,
        supplier: optional_text("supplier", input.supplier.as_deref(), NAME_MAX)?,
        notes: optional_text("notes", input.notes.as_deref(), TEXT_MAX)?,
    };
    let created = supplies::create(tx, supply).await?;
    respond::ok(&created)
}
