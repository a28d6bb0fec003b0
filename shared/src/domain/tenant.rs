//! Tenant subdomains.

use crate::error::{ApiError, ApiResult};

/// 3–63 characters of `a-z`, `0-9` and inner hyphens: a valid DNS label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subdomain(String);

impl Subdomain {
    pub fn parse(raw: &str) -> ApiResult<Self> {
        let s = raw.trim().to_lowercase();
        let ok = (3..=63).contains(&s.len())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !s.starts_with('-')
            && !s.ends_with('-');
        if ok {
            Ok(Subdomain(s))
        } else {
            Err(ApiError::field(
                "subdomain",
                "must be 3 to 63 characters of a-z, 0-9 and inner hyphens",
            ))
        }
    }

    /// A subdomain derived from a tenant's name ("Acme Jewels & Co." → "acme-jewels-co").
    pub fn from_name(name: &str) -> Self {
        let mut out = String::new();
        for c in name.to_lowercase().chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c);
            } else if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
        }
        let mut out: String = out.trim_end_matches('-').chars().take(50).collect();
        out = out.trim_end_matches('-').to_string();
        while out.len() < 3 {
            out.push('x');
        }
        Subdomain(out)
    }

    pub fn with_suffix(&self, n: u32) -> Self {
        Subdomain(format!("{}-{n}", self.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subdomains_are_dns_labels() {
        assert_eq!(Subdomain::parse(" Acme-1 ").unwrap().as_str(), "acme-1");
        for bad in ["ab", "-ab", "ab-", "a_b", "a.b", &"a".repeat(64)] {
            assert!(Subdomain::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_become_subdomains() {
        assert_eq!(
            Subdomain::from_name("Acme Jewels & Co.").as_str(),
            "acme-jewels-co"
        );
        assert_eq!(Subdomain::from_name("Ö").as_str(), "xxx");
        assert_eq!(
            Subdomain::from_name("Acme").with_suffix(2).as_str(),
            "acme-2"
        );
    }
}
