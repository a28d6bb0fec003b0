//! Quantities, weights and money amounts from request bodies.

use crate::error::{ApiError, ApiResult};

/// A finite amount of at least 0 (a quantity in stock, a cost per gram); NaN and infinities are
/// refused along with negatives.
pub fn non_negative(field: &str, raw: f64) -> ApiResult<f64> {
    if raw.is_finite() && raw >= 0.0 {
        Ok(raw)
    } else {
        Err(ApiError::field(field, "must be a number of at least 0"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_negative_refuses_negatives_and_nan() {
        assert_eq!(non_negative("c", 0.0).unwrap(), 0.0);
        assert_eq!(non_negative("c", 61.5).unwrap(), 61.5);
        assert_eq!(
            non_negative("cost", -0.01).unwrap_err().detail(),
            "cost: must be a number of at least 0"
        );
        assert!(non_negative("c", f64::NAN).is_err());
        assert!(non_negative("c", f64::INFINITY).is_err());
    }
}
