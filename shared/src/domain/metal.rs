//! Metals: the catalogue's code, type and purity, and which market price a metal code follows
//! (reference rules §5 and §10).

use crate::error::{ApiError, ApiResult};

/// The kind of metal. Stored as its upper-case name (a CHECK constraint keeps the column honest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetalType {
    Gold,
    Silver,
    Platinum,
    Palladium,
    Other,
}

impl MetalType {
    pub const ALL: [MetalType; 5] = [
        MetalType::Gold,
        MetalType::Silver,
        MetalType::Platinum,
        MetalType::Palladium,
        MetalType::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MetalType::Gold => "GOLD",
            MetalType::Silver => "SILVER",
            MetalType::Platinum => "PLATINUM",
            MetalType::Palladium => "PALLADIUM",
            MetalType::Other => "OTHER",
        }
    }

    /// Exactly one of the upper-case names, as the app sends them.
    pub fn parse(field: &str, raw: &str) -> ApiResult<Self> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == raw.trim())
            .ok_or_else(|| {
                ApiError::field(
                    field,
                    format!(
                        "'{raw}' is not a metal type (one of GOLD, SILVER, PLATINUM, PALLADIUM, OTHER)"
                    ),
                )
            })
    }
}

/// The fine (pure) fraction of a metal: 0.0 ..= 1.0 (24K gold is 0.999, sterling silver 0.925).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Purity(f64);

impl Purity {
    pub fn parse(field: &str, raw: f64) -> ApiResult<Self> {
        if raw.is_finite() && (0.0..=1.0).contains(&raw) {
            Ok(Purity(raw))
        } else {
            Err(ApiError::field(
                field,
                "must be a fraction between 0 and 1 (e.g. 0.75 for 18K)",
            ))
        }
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

/// A metal's code within its tenant: trimmed, upper-cased, 1–50 characters (`gold_18k` → `GOLD_18K`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetalCode(String);

impl MetalCode {
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
        Ok(MetalCode(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Which market price a metal code follows. Only these three are quoted by the price provider;
/// every other code (palladium included) has no price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceCategory {
    Gold,
    Silver,
    Platinum,
}

impl PriceCategory {
    /// By prefix of the upper-cased code: `GOLD_18K` → Gold, `silver925` → Silver, `PLATINUM` →
    /// Platinum; anything else → `None`.
    pub fn of_code(code: &str) -> Option<Self> {
        let code = code.trim().to_uppercase();
        [
            PriceCategory::Gold,
            PriceCategory::Silver,
            PriceCategory::Platinum,
        ]
        .into_iter()
        .find(|c| code.starts_with(c.as_str()))
    }

    /// The cache key (`metal_prices.metal_category`).
    pub fn as_str(self) -> &'static str {
        match self {
            PriceCategory::Gold => "GOLD",
            PriceCategory::Silver => "SILVER",
            PriceCategory::Platinum => "PLATINUM",
        }
    }

    /// The provider's path segment: `{METAL_PRICE_API_URL}/price/{segment}`.
    pub fn path_segment(self) -> &'static str {
        match self {
            PriceCategory::Gold => "gold",
            PriceCategory::Silver => "silver",
            PriceCategory::Platinum => "platinum",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metal_types_are_the_five_upper_case_names() {
        for t in MetalType::ALL {
            assert_eq!(MetalType::parse("metal_type", t.as_str()).unwrap(), t);
        }
        assert_eq!(
            MetalType::parse("metal_type", " SILVER ").unwrap(),
            MetalType::Silver
        );
        for bad in ["gold", "Gold", "COPPER", ""] {
            let e = MetalType::parse("metal_type", bad).unwrap_err();
            assert!(e.detail().starts_with("metal_type: "), "{}", e.detail());
        }
    }

    #[test]
    fn purity_is_a_fraction_from_zero_to_one() {
        for ok in [0.0, 0.585, 0.999, 1.0] {
            assert_eq!(Purity::parse("fine_percentage", ok).unwrap().get(), ok);
        }
        for bad in [-0.001, 1.0001, 75.0, f64::NAN, f64::INFINITY] {
            let e = Purity::parse("fine_percentage", bad).unwrap_err();
            assert_eq!(e.status(), 422);
            assert!(e.detail().starts_with("fine_percentage: "));
        }
    }

    #[test]
    fn metal_codes_are_trimmed_and_upper_cased() {
        assert_eq!(
            MetalCode::parse("code", "  gold_18k ").unwrap().as_str(),
            "GOLD_18K"
        );
        assert_eq!(
            MetalCode::parse("code", "   ").unwrap_err().detail(),
            "code: must not be blank"
        );
        assert!(MetalCode::parse("code", &"x".repeat(51)).is_err());
        assert!(MetalCode::parse("code", &"x".repeat(50)).is_ok());
    }

    #[test]
    fn price_category_follows_the_code_prefix() {
        use PriceCategory::*;
        let cases = [
            ("GOLD_24K", Some(Gold)),
            ("gold_14k", Some(Gold)),
            ("GOLD", Some(Gold)),
            (" goldfinch ", Some(Gold)),
            ("SILVER_925", Some(Silver)),
            ("silver", Some(Silver)),
            ("PLATINUM", Some(Platinum)),
            ("platinum_950", Some(Platinum)),
            ("PALLADIUM", None),
            ("WHITE_GOLD", None),
            ("OTHER", None),
            ("", None),
        ];
        for (code, want) in cases {
            assert_eq!(PriceCategory::of_code(code), want, "{code:?}");
        }
        assert_eq!(Gold.as_str(), "GOLD");
        assert_eq!(Silver.path_segment(), "silver");
        assert_eq!(Platinum.path_segment(), "platinum");
    }
}
