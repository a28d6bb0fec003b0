use serde::Deserialize;
use shared::app::metal_accounting::{self, DepositRequest};
use shared::db::Tx;
use shared::domain::amount::Grams;
use shared::domain::permissions::{COMPANIES_WRITE, SAFE_WRITE};
use shared::domain::CompanyId;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "companies_metal_deposit",
    route: POST "/api/v1/companies/{company_id}/metal-deposits",
    access: user[COMPANIES_WRITE, SAFE_WRITE],
    tag: "metal-accounting",
    summary: "Record pure metal a company deposits (metal_id, or metal_type for its purest active metal): credits the company and the safe",
    success: 201,
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
// `metal_id` or `metal_type` (a 422 `metal_id: Field required (or give metal_type)` without either).
#[cfg_attr(feature = "openapi", schemars(extend("anyOf" = [
    {"required": ["metal_id"], "properties": {"metal_id": {"type": "integer"}}},
    {"required": ["metal_type"], "properties": {"metal_type": {"type": "string"}}},
])))]
struct Input {
    /// An active metal of the tenant (what the React app sends).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(range(min = 1)))]
    metal_id: Option<i64>,
    /// `GOLD`, `SILVER`, `PLATINUM`, `PALLADIUM` or `OTHER` (the old API): the tenant's active metal
    /// of that type with the highest purity. With `metal_id` too, it must be that metal's type.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::metal_type))]
    metal_type: Option<String>,
    /// Pure grams, more than 0.
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::positive))]
    quantity_grams: Grams,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = shared::app::metal_accounting::NOTES_MAX)))]
    notes: Option<String>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<shared::app::metal_accounting::MetalTransactionRow>(201)
        .error(400, "No active metal found for type 'X'")
        .error(404, "Company not found")
        .error(
            422,
            "Invalid input, neither metal_id nor metal_type, or metal_id is not an active metal of the tenant",
        );
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let company: CompanyId = call.path("company_id")?;
    let input: Input = call.json()?;
    let d = DepositRequest::parse(
        input.metal_id,
        input.metal_type.as_deref(),
        Some(input.quantity_grams),
        input.notes.as_deref(),
    )?;
    let booked = metal_accounting::deposit(tx, company, &d).await?;
    respond::created(&booked)
}
