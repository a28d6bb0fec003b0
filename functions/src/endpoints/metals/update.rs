use serde::Deserialize;
use shared::app::metals::{self, MetalChanges, NAME_MAX};
use shared::db::Tx;
use shared::domain::amount::non_negative;
use shared::domain::metal::{MetalType, Purity};
use shared::domain::permissions::METALS_WRITE;
use shared::domain::{MetalId, NonBlank};
use shared::http::call::nullable;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "metals_update",
    route: PUT "/api/v1/metals/{metal_id}",
    access: user[METALS_WRITE],
    tag: "metals",
    summary: "Change a metal's name, type, purity, average cost or active flag (the code is fixed)",
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = NAME_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    name: Option<String>,
    /// One of `GOLD`, `SILVER`, `PLATINUM`, `PALLADIUM`, `OTHER`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::metal_type))]
    metal_type: Option<String>,
    /// The fine (pure) fraction, 0 to 1.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = 1)))]
    fine_percentage: Option<shared::domain::amount::Number>,
    /// `null` clears the cost; absent leaves it.
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::clearable))]
    #[cfg_attr(feature = "openapi", schemars(range(min = 0)))]
    average_cost_per_gram: Option<Option<shared::domain::amount::UnitPrice>>,
    #[serde(default)]
    is_active: Option<bool>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<shared::app::metals::MetalRow>(200);
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let id: MetalId = call.path("metal_id")?;
    let input: Input = call.json()?;
    let changes = MetalChanges {
        name: input
            .name
            .as_deref()
            .map(|n| NonBlank::parse("name", n, NAME_MAX))
            .transpose()?,
        metal_type: input
            .metal_type
            .as_deref()
            .map(|t| MetalType::parse("metal_type", t))
            .transpose()?,
        fine_percentage: input
            .fine_percentage
            .map(|f| Purity::parse("fine_percentage", f))
            .transpose()?,
        average_cost_per_gram: match input.average_cost_per_gram {
            Some(Some(c)) => Some(Some(non_negative("average_cost_per_gram", c)?)),
            other => other,
        },
        is_active: input.is_active,
    };
    let metal = metals::update(tx, id, changes).await?;
    respond::ok(&metal)
}
