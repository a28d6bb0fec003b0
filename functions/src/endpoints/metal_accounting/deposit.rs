use serde::Deserialize;
use shared::app::metal_accounting::{self, DepositMetal, NOTES_MAX};
use shared::db::Tx;
use shared::domain::amount::Grams;
use shared::domain::metal::MetalType;
use shared::domain::metal_accounting::positive_grams;
use shared::domain::permissions::{COMPANIES_WRITE, SAFE_WRITE};
use shared::domain::{CompanyId, MetalId, optional_text};
use shared::http::{Call, Reply, respond};
use shared::{ApiError, ApiResult, Ctx};

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
struct Input {
    /// An active metal of the tenant (what the React app sends).
    #[serde(default)]
    metal_id: Option<i64>,
    /// `GOLD`, `SILVER`, `PLATINUM`, `PALLADIUM` or `OTHER` (the old API): the tenant's active metal
    /// of that type with the highest purity. With `metal_id` too, it must be that metal's type.
    #[serde(default)]
    metal_type: Option<String>,
    /// Pure grams, more than 0.
    quantity_grams: Grams,
    #[serde(default)]
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
    let metal_type = input
        .metal_type
        .as_deref()
        .map(|t| MetalType::parse("metal_type", t))
        .transpose()?;
    let metal = match (input.metal_id, metal_type) {
        (Some(raw), expect_type) => DepositMetal::Id {
            id: MetalId::new(raw)
                .ok_or_else(|| ApiError::field("metal_id", "must be a positive integer"))?,
            expect_type,
        },
        (None, Some(t)) => DepositMetal::Type(t),
        (None, None) => {
            return Err(ApiError::field(
                "metal_id",
                "Field required (or give metal_type)",
            ));
        }
    };
    let grams = positive_grams("quantity_grams", input.quantity_grams)?;
    let notes = optional_text("notes", input.notes.as_deref(), NOTES_MAX)?;
    let booked = metal_accounting::deposit(tx, company, metal, grams, notes.as_deref()).await?;
    respond::created(&booked)
}
