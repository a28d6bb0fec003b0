//! Lookup values: tenant-configurable enumerations (step types, supply types, …), reference rules §4.

use crate::error::{ApiError, ApiResult};

/// The lookup category that validates `supplies.type`.
pub const SUPPLY_TYPE: &str = "supply_type";

/// A lookup code: trimmed, upper-cased, 1–50 characters (`stone setting` stays readable as
/// `STONE SETTING`; the app sends `STONE_SETTING`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupCode(String);

impl LookupCode {
    pub const MAX_CHARS: usize = 50;

    pub fn parse(field: &str, raw: &str) -> ApiResult<Self> {
        let code = raw.trim().to_uppercase();
        if code.is_empty() {
            return Err(ApiError::field(field, "must not be blank"));
        }
        if code.chars().count() > Self::MAX_CHARS {
            return Err(ApiError::field(
                field,
                format!("must be at most {} characters", Self::MAX_CHARS),
            ));
        }
        Ok(LookupCode(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether `value` is acceptable for a category whose active codes are `active_codes`.
///
/// A category without any active value accepts anything (the old service's backward compatibility);
/// otherwise the value must equal one of the codes exactly (case-sensitive), and the error lists them.
pub fn check_code(
    field: &str,
    category: &str,
    value: &str,
    active_codes: &[String],
) -> ApiResult<()> {
    if active_codes.is_empty() || active_codes.iter().any(|c| c == value) {
        return Ok(());
    }
    Err(ApiError::field(
        field,
        format!(
            "Invalid {category} value '{value}'. Valid options: {}",
            active_codes.join(", ")
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_trimmed_and_upper_cased() {
        assert_eq!(
            LookupCode::parse("code", " polishing ").unwrap().as_str(),
            "POLISHING"
        );
        assert_eq!(
            LookupCode::parse("code", "  ").unwrap_err().detail(),
            "code: must not be blank"
        );
        assert!(LookupCode::parse("code", &"a".repeat(51)).is_err());
    }

    #[test]
    fn an_empty_category_accepts_anything() {
        assert!(check_code("type", SUPPLY_TYPE, "whatever", &[]).is_ok());
    }

    #[test]
    fn otherwise_the_code_must_match_exactly() {
        let codes = vec!["METAL".to_string(), "GEMSTONE".to_string()];
        assert!(check_code("type", SUPPLY_TYPE, "METAL", &codes).is_ok());
        let e = check_code("type", SUPPLY_TYPE, "metal", &codes).unwrap_err();
        assert_eq!(e.status(), 422);
        assert_eq!(
            e.detail(),
            "type: Invalid supply_type value 'metal'. Valid options: METAL, GEMSTONE"
        );
    }
}
