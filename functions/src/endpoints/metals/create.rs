use serde::Deserialize;
use shared::app::metals::{self, NAME_MAX, NewMetalInput};
use shared::db::Tx;
use shared::domain::NonBlank;
use shared::domain::amount::non_negative;
use shared::domain::metal::{MetalCode, MetalType, Purity};
use shared::domain::permissions::METALS_WRITE;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "metals_create",
    route: POST "/api/v1/metals/",
    access: user[METALS_WRITE],
    tag: "metals",
    summary: "Add a metal (code upper-cased; fine_percentage a fraction 0..1; duplicate code → 409)",
    success: 201,
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    /// Trimmed and upper-cased; unique in the tenant.
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = shared::domain::metal::MetalCode::MAX_CHARS), regex(pattern = crate::openapi::NOT_BLANK)))]
    code: String,
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = NAME_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    name: String,
    /// One of `GOLD`, `SILVER`, `PLATINUM`, `PALLADIUM`, `OTHER`.
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::metal_type))]
    metal_type: String,
    /// The fine (pure) fraction, 0 to 1 (0.75 for 18K gold).
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = 1)))]
    fine_percentage: shared::domain::amount::Number,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(range(min = 0)))]
    average_cost_per_gram: Option<shared::domain::amount::UnitPrice>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<shared::app::metals::MetalRow>(201)
        .error(409, "A metal with this code already exists");
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let input: Input = call.json()?;
    let metal = NewMetalInput {
        code: MetalCode::parse("code", &input.code)?,
        name: NonBlank::parse("name", &input.name, NAME_MAX)?,
        metal_type: MetalType::parse("metal_type", &input.metal_type)?,
        fine_percentage: Purity::parse("fine_percentage", input.fine_percentage)?,
        average_cost_per_gram: input
            .average_cost_per_gram
            .map(|c| non_negative("average_cost_per_gram", c))
            .transpose()?,
    };
    let created = metals::create(tx, metal).await?;
    respond::created(&created)
}
