//! Metals: the catalogue's code, type and purity, and which market price a metal code follows
//! (reference rules §5 and §10).

use rust_decimal::Decimal;

use super::amount::{Grams, Number, ROUNDING, to_wire};
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

/// The fine (pure) fraction of a metal: 0 ..= 1 with 4 decimal places (24K gold is 0.999, sterling
/// silver 0.925, "four nines" gold 0.9999; `numeric(5,4)`). Fine weight is gross grams × purity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Purity(Decimal);

impl Purity {
    /// Decimal places (the column's scale): hallmarks give fineness in parts per thousand, with at
    /// most one further digit (999.9).
    pub const SCALE: u32 = 4;

    /// A fraction from 0 to 1 (checked before rounding, so 1.00004 is refused), rounded half away
    /// from zero to [`Self::SCALE`] places.
    pub fn parse(field: &str, raw: Number) -> ApiResult<Self> {
        Self::new(raw.get()).ok_or_else(|| {
            ApiError::field(
                field,
                "must be a fraction between 0 and 1 (e.g. 0.75 for 18K)",
            )
        })
    }

    fn new(raw: Decimal) -> Option<Self> {
        (Decimal::ZERO..=Decimal::ONE)
            .contains(&raw)
            .then(|| Self::from_decimal(raw))
    }

    /// A purity read back from the database (its CHECK keeps it within 0..=1).
    pub fn from_decimal(raw: Decimal) -> Self {
        Purity(
            raw.round_dp_with_strategy(Self::SCALE, ROUNDING)
                .normalize(),
        )
    }

    pub fn get(self) -> Decimal {
        self.0
    }

    /// The fine (pure) weight of `gross` grams of this metal: gross × purity, rounded half away from
    /// zero to [`Grams::SCALE`] places (0.1 mg), the same rule PostgreSQL applies when it stores the
    /// product into a `numeric(14,4)` column. The product of a gram amount and a fraction of at most
    /// 1 cannot overflow.
    pub fn fine_weight(self, gross: Grams) -> Grams {
        Grams::from_decimal(gross.get().saturating_mul(self.0))
    }
}

impl std::fmt::Display for Purity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl serde::Serialize for Purity {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(to_wire(self.0))
    }
}

#[cfg(feature = "openapi")]
impl schemars::JsonSchema for Purity {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Purity".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "number", "minimum": 0, "maximum": 1 })
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

    fn n(s: &str) -> Number {
        s.parse().unwrap()
    }

    #[test]
    fn purity_is_a_fraction_from_zero_to_one() {
        for ok in ["0", "0.585", "0.999", "0.9999", "1"] {
            assert_eq!(
                Purity::parse("fine_percentage", n(ok)).unwrap().get(),
                n(ok).get()
            );
        }
        // Rounded to four places, half away from zero.
        assert_eq!(
            Purity::parse("fine_percentage", n("0.91665"))
                .unwrap()
                .to_string(),
            "0.9167"
        );
        assert_eq!(
            Purity::parse("fine_percentage", n("0.9159999999999999"))
                .unwrap()
                .to_string(),
            "0.916"
        );
        for bad in ["-0.001", "1.0001", "1.00004", "75"] {
            let e = Purity::parse("fine_percentage", n(bad)).unwrap_err();
            assert_eq!(e.status(), 422);
            assert!(e.detail().starts_with("fine_percentage: "));
        }
        assert_eq!(
            serde_json::to_string(&Purity::parse("f", n("0.750")).unwrap()).unwrap(),
            "0.75"
        );
    }

    #[test]
    fn fine_weight_is_gross_times_purity_rounded_to_a_tenth_of_a_milligram() {
        let g = |s: &str| s.parse::<Grams>().unwrap();
        let p = |s: &str| Purity::parse("p", n(s)).unwrap();
        // 60 g of 18K: 45 g fine, exactly.
        assert_eq!(p("0.75").fine_weight(g("60")), g("45"));
        // 10 g of 24K: 9.99 g.
        assert_eq!(p("0.999").fine_weight(g("10")), g("9.99"));
        // 1.2345 g × 0.585 = 0.7221825 → 0.7222 (half away from zero).
        assert_eq!(p("0.585").fine_weight(g("1.2345")), g("0.7222"));
        // 0.1 g × 0.5 = 0.05; 0.0001 g × 0.5 = 0.00005 → 0.0001; negative mirrors positive.
        assert_eq!(p("0.5").fine_weight(g("0.1")), g("0.05"));
        assert_eq!(p("0.5").fine_weight(g("0.0001")), g("0.0001"));
        assert_eq!(p("0.5").fine_weight(g("-0.0001")), g("-0.0001"));
        // Ten pieces of 0.1 g of pure metal: exactly 1 g fine in total.
        let ten = Grams::total((0..10).map(|_| p("1").fine_weight(g("0.1")))).unwrap();
        assert_eq!(ten, g("1"));
        assert_eq!(serde_json::to_string(&ten).unwrap(), "1.0");
        // The largest gross weight a column holds, at full purity, still fits.
        assert_eq!(
            p("1").fine_weight(g("9999999999.9999")),
            g("9999999999.9999")
        );
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
