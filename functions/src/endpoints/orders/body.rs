//! The line item of an order body, shared by create and update.

use serde::Deserialize;
use shared::app::orders::LineItemInput;
use shared::domain::amount::{Grams, Money};

/// A line item as the order form sends it. Other fields (the `id`, `order_id`, `metal_name` and
/// timestamps an edit echoes back from `GET /orders/{id}`) are ignored.
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct LineItemBody {
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = shared::app::orders::DESCRIPTION_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    product_description: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = shared::app::orders::SPECIFICATIONS_MAX)))]
    specifications: Option<String>,
    /// One of the tenant's metals.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(range(min = 1)))]
    metal_id: Option<i64>,
    /// Pieces, at least 1 (default 1); at most 2147483647 (the column is an `integer`).
    #[serde(default, deserialize_with = "crate::endpoints::input::whole_opt")]
    #[cfg_attr(feature = "openapi", schemars(range(min = 1, max = i32::MAX)))]
    quantity: Option<i64>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(range(min = 0)))]
    target_weight_per_piece: Option<Grams>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(range(min = 0)))]
    initial_total_weight: Option<Grams>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(range(min = 0)))]
    price: Option<Money>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(range(min = 0)))]
    labor_cost: Option<Money>,
}

impl From<LineItemBody> for LineItemInput {
    fn from(b: LineItemBody) -> Self {
        LineItemInput {
            product_description: b.product_description,
            specifications: b.specifications,
            metal_id: b.metal_id,
            quantity: b.quantity,
            target_weight_per_piece: b.target_weight_per_piece,
            initial_total_weight: b.initial_total_weight,
            price: b.price,
            labor_cost: b.labor_cost,
        }
    }
}

pub fn items(raw: Vec<LineItemBody>) -> Vec<LineItemInput> {
    raw.into_iter().map(LineItemInput::from).collect()
}
