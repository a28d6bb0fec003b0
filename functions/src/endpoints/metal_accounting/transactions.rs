use serde::Deserialize;
use shared::app::metal_accounting::{self, TransactionQuery};
use shared::db::Tx;
use shared::domain::metal_accounting::TransactionType;
use shared::domain::permissions::SAFE_READ;
use shared::domain::{CompanyId, MetalId};
use shared::error::FieldError;
use shared::http::call::id_filter;
use shared::http::{Call, Reply, respond};
use shared::{ApiError, ApiResult, Ctx};

shared::endpoint! {
    id: "metal_transactions_list",
    route: GET "/api/v1/metal-transactions",
    access: user[SAFE_READ],
    tag: "metal-accounting",
    summary: "Metal transactions newest first, filtered by company_id, metal_id and transaction_type (skip/limit)",
}

/// Text, so that an empty parameter (axios keeps empty strings) means "no filter".
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Query {
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schemars(
            with = "i64",
            range(min = 1),
            description = "Only this company's transactions."
        )
    )]
    company_id: Option<String>,
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "i64", range(min = 1), description = "Only this metal's.")
    )]
    metal_id: Option<String>,
    /// `COMPANY_DEPOSIT`, `MANUFACTURING_CONSUMPTION`, `SAFE_PURCHASE`, `SAFE_ADJUSTMENT` or `SAFE_ISSUE`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(with = "String"))]
    #[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::transaction_type))]
    transaction_type: Option<String>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.query::<Query>()
        .paged()
        .response::<Vec<shared::app::metal_accounting::MetalTransactionRow>>(200);
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let q: Query = call.query()?;
    let page = call.page()?;
    let query = TransactionQuery {
        company: id_filter::<CompanyId>("company_id", q.company_id.as_deref())?,
        metal: id_filter::<MetalId>("metal_id", q.metal_id.as_deref())?,
        transaction_type: match q.transaction_type.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(t) => Some(TransactionType::from_code(t).ok_or_else(|| {
                ApiError::Validation(vec![FieldError::new(
                    &["query", "transaction_type"],
                    TransactionType::unknown(t),
                    "value_error",
                )])
            })?),
        },
    };
    let list = metal_accounting::transactions(tx, query, page).await?;
    respond::ok(&list)
}
