//! Usernames and passwords.

use crate::error::{ApiError, ApiResult};

/// Case-insensitive everywhere: stored and compared lower-case. 3–50 characters of letters, digits
/// and `._-@+` (e-mail-like usernames are common).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub const MIN_CHARS: usize = 3;
    pub const MAX_CHARS: usize = 50;

    pub fn parse(raw: &str) -> ApiResult<Self> {
        let u = raw.trim().to_lowercase();
        let n = u.chars().count();
        if !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&n) {
            return Err(ApiError::field("username", "must be 3 to 50 characters"));
        }
        if !u
            .chars()
            .all(|c| c.is_alphanumeric() || "._-@+".contains(c))
        {
            return Err(ApiError::field(
                "username",
                "may contain only letters, digits and . _ - @ +",
            ));
        }
        Ok(Username(u))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// bcrypt only looks at the first 72 bytes, so longer passwords are refused rather than silently cut.
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

impl Password {
    pub const MIN_CHARS: usize = 8;
    pub const MAX_BYTES: usize = 72;

    pub fn parse(raw: &str) -> ApiResult<Self> {
        Self::parse_field("password", raw)
    }

    pub fn parse_field(field: &str, raw: &str) -> ApiResult<Self> {
        if raw.chars().count() < Self::MIN_CHARS {
            return Err(ApiError::field(
                field,
                format!("must be at least {} characters", Self::MIN_CHARS),
            ));
        }
        if raw.len() > Self::MAX_BYTES {
            return Err(ApiError::field(
                field,
                format!("must be at most {} bytes", Self::MAX_BYTES),
            ));
        }
        Ok(Password(raw.to_string()))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lower_cased_and_checked() {
        assert_eq!(
            Username::parse("  MixedCase ").unwrap().as_str(),
            "mixedcase"
        );
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse(&"a".repeat(51)).is_err());
        assert!(Username::parse("has space").is_err());
        assert!(Username::parse("ann.o'brien").is_err());
        assert!(Username::parse("ann.lee@example.com").is_ok());
    }

    #[test]
    fn passwords_are_8_chars_to_72_bytes() {
        assert!(Password::parse("1234567").is_err());
        assert!(Password::parse("12345678").is_ok());
        assert!(Password::parse(&"x".repeat(72)).is_ok());
        let e = Password::parse(&"x".repeat(73)).unwrap_err();
        assert_eq!(e.detail(), "password: must be at most 72 bytes");
        // 25 three-byte characters: 25 chars but 75 bytes.
        assert!(Password::parse(&"€".repeat(25)).is_err());
    }
}
