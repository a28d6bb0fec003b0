use serde::Deserialize;
use shared::app::metals::{self, NAME_MAX, NewMetalInput};
use shared::domain::NonBlank;
use shared::domain::amount::non_negative;
use shared::domain::metal::{MetalCode, MetalType, Purity};
use shared::domain::permissions::METALS_WRITE;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "metals_create",
    method: "POST",
    path: "/api/v1/metals/",
    access: Access::User {
        permission: Some(METALS_WRITE),
    },
    summary: "Add a metal (code upper-cased; fine_percentage a fraction 0..1; duplicate code → 409)",
    tag: "metals",
    success: 201,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    /// Trimmed and upper-cased; unique in the tenant.
    code: String,
    name: String,
    /// One of `GOLD`, `SILVER`, `PLATINUM`, `PALLADIUM`, `OTHER`.
    metal_type: String,
    /// The fine (pure) fraction, 0 to 1 (0.75 for 18K gold).
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = 1)))]
    fine_percentage: shared::domain::amount::Number,
    #[serde(default)]
    average_cost_per_gram: Option<shared::domain::amount::UnitPrice>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<shared::app::metals::MetalRow>(201)
        .error(409, "A metal with this code already exists");
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
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
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let created = metals::create(&tx, metal).await?;
    tx.commit().await?;
    respond::created(&created)
}
