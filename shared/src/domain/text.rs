//! Text fields: trimmed, non-blank, bounded. Unbounded strings are how a 10 MB "name" becomes a 500.

use crate::error::{ApiError, ApiResult};

/// A trimmed string that is not empty and at most `max` characters long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NonBlank(String);

impl NonBlank {
    pub fn parse(field: &str, raw: &str, max: usize) -> ApiResult<Self> {
        let t = raw.trim();
        if t.is_empty() {
            return Err(ApiError::field(field, "must not be blank"));
        }
        if t.chars().count() > max {
            return Err(ApiError::field(
                field,
                format!("must be at most {max} characters"),
            ));
        }
        Ok(NonBlank(t.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

impl AsRef<str> for NonBlank {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// An optional free-text field: trimmed, blank becomes `None`, bounded.
pub fn optional_text(field: &str, raw: Option<&str>, max: usize) -> ApiResult<Option<String>> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) if t.chars().count() > max => Err(ApiError::field(
            field,
            format!("must be at most {max} characters"),
        )),
        Some(t) => Ok(Some(t.to_string())),
    }
}

/// A plausible e-mail address: one `@`, something on both sides, a dot in the domain, no spaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Longest address (RFC 5321's path limit), in bytes.
    pub const MAX_BYTES: usize = 254;

    pub fn parse(field: &str, raw: &str) -> ApiResult<Self> {
        let t = raw.trim();
        let valid = t.len() <= Self::MAX_BYTES
            && !t.contains(char::is_whitespace)
            && t.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            });
        if valid {
            Ok(Email(t.to_string()))
        } else {
            Err(ApiError::field(field, "value is not a valid email address"))
        }
    }

    /// Optional e-mail: absent or blank is `None`.
    pub fn parse_optional(field: &str, raw: Option<&str>) -> ApiResult<Option<Self>> {
        match raw.map(str::trim) {
            None | Some("") => Ok(None),
            Some(t) => Self::parse(field, t).map(Some),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_blank_trims_and_bounds() {
        assert_eq!(
            NonBlank::parse("name", "  Acme ", 10).unwrap().as_str(),
            "Acme"
        );
        assert_eq!(
            NonBlank::parse("name", "   ", 10).unwrap_err().detail(),
            "name: must not be blank"
        );
        assert_eq!(
            NonBlank::parse("name", &"x".repeat(11), 10)
                .unwrap_err()
                .detail(),
            "name: must be at most 10 characters"
        );
    }

    #[test]
    fn optional_text_maps_blank_to_none() {
        assert_eq!(optional_text("p", Some("  "), 5).unwrap(), None);
        assert_eq!(
            optional_text("p", Some(" 12 "), 5).unwrap().as_deref(),
            Some("12")
        );
        assert!(optional_text("p", Some("123456"), 5).is_err());
    }

    #[test]
    fn emails_are_checked() {
        assert!(Email::parse("email", "a@b.co").is_ok());
        for bad in ["", "a", "a@b", "@b.co", "a b@c.de", "a@b@c.de", "a@.de"] {
            assert!(Email::parse("email", bad).is_err(), "{bad:?}");
        }
        assert_eq!(Email::parse_optional("email", Some(" ")).unwrap(), None);
    }
}
