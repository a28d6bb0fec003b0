//! How the reports answer: JSON, or CSV for a spreadsheet.

use shared::ApiResult;
use shared::error::ApiError;
use shared::http::Call;

/// CSV when `format=csv`, or when no format is given and the client prefers `text/csv`.
pub fn wants_csv(call: &Call, format: Option<&str>) -> ApiResult<bool> {
    match format.map(str::trim).filter(|f| !f.is_empty()) {
        Some(f) if f.eq_ignore_ascii_case("csv") => Ok(true),
        Some(f) if f.eq_ignore_ascii_case("json") => Ok(false),
        Some(_) => Err(ApiError::query_field("format", "must be json or csv")),
        None => Ok(call
            .header("accept")
            .is_some_and(|a| a.to_ascii_lowercase().contains("text/csv"))),
    }
}
