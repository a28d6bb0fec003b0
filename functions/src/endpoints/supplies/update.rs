use serde::Deserialize;
use shared::app::supplies::{self, NAME_MAX, SupplyChanges, TEXT_MAX, TYPE_MAX, UNIT_MAX};
use shared::db::Tx;
use shared::domain::amount::non_negative;
use shared::domain::permissions::SUPPLIES_WRITE;
use shared::domain::{NonBlank, SupplyId, optional_text};
use shared::http::call::nullable;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "supplies_update",
    route: PUT "/api/v1/supplies/{supply_id}",
    access: user[SUPPLIES_WRITE],
    tag: "supplies",
    summary: "Change a supply (same type rule as create; null clears cost, supplier or notes)",
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = NAME_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    name: Option<String>,
    #[serde(default, rename = "type")]
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = TYPE_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    kind: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(range(min = 0)))]
    quantity: Option<shared::domain::amount::Quantity>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = UNIT_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    unit: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::clearable))]
    #[cfg_attr(feature = "openapi", schemars(range(min = 0)))]
    cost_per_unit: Option<Option<shared::domain::amount::UnitPrice>>,
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::clearable))]
    #[cfg_attr(feature = "openapi", schemars(length(max = NAME_MAX)))]
    supplier: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::clearable))]
    #[cfg_attr(feature = "openapi", schemars(length(max = TEXT_MAX)))]
    notes: Option<Option<String>>,
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
    let id: SupplyId = call.path("supply_id")?;
    let input: Input = call.json()?;
    let changes = SupplyChanges {
        name: input
            .name
            .as_deref()
            .map(|n| NonBlank::parse("name", n, NAME_MAX))
            .transpose()?,
        kind: input
            .kind
            .as_deref()
            .map(|t| NonBlank::parse("type", t, TYPE_MAX))
            .transpose()?,
        quantity: input
            .quantity
            .map(|q| non_negative("quantity", q))
            .transpose()?,
        unit: input
            .unit
            .as_deref()
            .map(|u| NonBlank::parse("unit", u, UNIT_MAX))
            .transpose()?,
        cost_per_unit: match input.cost_per_unit {
            Some(Some(c)) => Some(Some(non_negative("cost_per_unit", c)?)),
            other => other,
        },
        supplier: input
            .supplier
            .map(|s| optional_text("supplier", s.as_deref(), NAME_MAX))
            .transpose()?,
        notes: input
            .notes
            .map(|n| optional_text("notes", n.as_deref(), TEXT_MAX))
            .transpose()?,
    };
    let supply = supplies::update(tx, id, changes).await?;
    respond::ok(&supply)
}
