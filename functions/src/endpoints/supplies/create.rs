use serde::Deserialize;
use shared::app::supplies::{self, NAME_MAX, NewSupplyInput, TEXT_MAX, TYPE_MAX, UNIT_MAX};
use shared::domain::amount::non_negative;
use shared::domain::permissions::SUPPLIES_WRITE;
use shared::domain::{NonBlank, optional_text};
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "supplies_create",
    method: "POST",
    path: "/api/v1/supplies/",
    access: Access::User {
        permission: Some(SUPPLIES_WRITE),
    },
    summary: "Add a supply; type must be an active supply_type lookup code (when the tenant has any)",
    tag: "supplies",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    quantity: shared::domain::amount::Quantity,
    unit: String,
    #[serde(default)]
    cost_per_unit: Option<shared::domain::amount::UnitPrice>,
    #[serde(default)]
    supplier: Option<String>,
    #[serde(default)]
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

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
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
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let created = supplies::create(&tx, supply).await?;
    tx.commit().await?;
    respond::ok(&created)
}
