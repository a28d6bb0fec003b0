//! `skip`/`limit` paging of list endpoints, as the old service had it (defaults 0 and 100).

use crate::error::{ApiError, ApiResult, FieldError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub skip: i64,
    pub limit: i64,
}

impl Page {
    pub const DEFAULT_LIMIT: i64 = 100;
    pub const MAX_LIMIT: i64 = 1000;

    /// `skip ≥ 0` (default 0), `1 ≤ limit ≤ 1000` (default 100); a bad value is a 422 naming the
    /// query parameter.
    pub fn parse(skip: Option<i64>, limit: Option<i64>) -> ApiResult<Self> {
        let skip = skip.unwrap_or(0);
        let limit = limit.unwrap_or(Self::DEFAULT_LIMIT);
        if skip < 0 {
            return Err(query_error("skip", "must be at least 0"));
        }
        if !(1..=Self::MAX_LIMIT).contains(&limit) {
            return Err(query_error(
                "limit",
                &format!("must be between 1 and {}", Self::MAX_LIMIT),
            ));
        }
        Ok(Page { skip, limit })
    }
}

fn query_error(name: &str, msg: &str) -> ApiError {
    ApiError::Validation(vec![FieldError::new(&["query", name], msg, "value_error")])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_bounds() {
        assert_eq!(
            Page::parse(None, None).unwrap(),
            Page {
                skip: 0,
                limit: 100
            }
        );
        assert_eq!(
            Page::parse(Some(-1), None).unwrap_err().detail(),
            "skip: must be at least 0"
        );
        assert!(Page::parse(None, Some(0)).is_err());
        assert!(Page::parse(None, Some(1001)).is_err());
        assert!(Page::parse(Some(5), Some(1000)).is_ok());
    }
}
