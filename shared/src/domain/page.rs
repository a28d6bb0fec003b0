//! Paging of list endpoints: `skip` and `limit` as the old service took them (defaults 0 and 100).

use crate::error::{ApiError, ApiResult};

/// A validated window into a list: `skip ≥ 0`, `1 ≤ limit ≤ MAX_LIMIT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    skip: i64,
    limit: i64,
}

impl Page {
    pub const DEFAULT_LIMIT: i64 = 100;
    /// Large enough for every screen of the app, small enough that one request stays cheap.
    pub const MAX_LIMIT: i64 = 1000;

    pub fn parse(skip: Option<i64>, limit: Option<i64>) -> ApiResult<Self> {
        let skip = skip.unwrap_or(0);
        let limit = limit.unwrap_or(Self::DEFAULT_LIMIT);
        if skip < 0 {
            return Err(ApiError::query_field(
                "skip",
                "must be greater than or equal to 0",
            ));
        }
        if !(1..=Self::MAX_LIMIT).contains(&limit) {
            return Err(ApiError::query_field(
                "limit",
                format!("must be between 1 and {}", Self::MAX_LIMIT),
            ));
        }
        Ok(Page { skip, limit })
    }

    pub fn skip(self) -> i64 {
        self.skip
    }

    pub fn limit(self) -> i64 {
        self.limit
    }
}

impl Default for Page {
    fn default() -> Self {
        Page {
            skip: 0,
            limit: Self::DEFAULT_LIMIT,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_bounds() {
        assert_eq!(Page::parse(None, None).unwrap(), Page::default());
        assert_eq!(Page::parse(Some(5), Some(50)).unwrap().skip(), 5);
        assert_eq!(
            Page::parse(Some(-1), None).unwrap_err().detail(),
            "skip: must be greater than or equal to 0"
        );
        assert!(Page::parse(None, Some(0)).is_err());
        assert!(Page::parse(None, Some(Page::MAX_LIMIT + 1)).is_err());
        assert!(Page::parse(None, Some(Page::MAX_LIMIT)).is_ok());
    }
}
