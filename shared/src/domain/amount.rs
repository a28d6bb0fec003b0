//! Exact quantities: grams, money, unit prices and supply quantities (purity is in `metal`).
//!
//! Every amount is a `rust_decimal::Decimal` from the `numeric` column to the JSON answer; no `f64`
//! holds one on the way. The rules, in one place:
//!
//! * **Scales** follow the columns (migration 0002): grams and quantities `numeric(14,4)`, unit
//!   prices (per gram, per unit) `numeric(14,4)`, money `numeric(14,2)`, purity `numeric(5,4)`.
//! * **Rounding** is half away from zero ([`ROUNDING`]), the rule PostgreSQL applies when it stores a
//!   value into a `numeric(p,s)` column, so Rust and SQL never disagree on a rounded value.
//! * **Input** is a JSON number (a string is refused), read exactly (see [`Number`]), rounded to the
//!   type's scale and refused (422) when it needs more digits before the point than the column has.
//! * **Output** is a JSON number without binary-float artefacts (see [`to_wire`]).

use std::fmt;
use std::str::FromStr;

pub use rust_decimal::Decimal;
use rust_decimal::RoundingStrategy;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{ApiError, ApiResult};

/// How every amount is rounded: half away from zero, as PostgreSQL rounds `numeric`.
pub const ROUNDING: RoundingStrategy = RoundingStrategy::MidpointAwayFromZero;

/// Significant digits a JSON number keeps exactly on its way to a JavaScript client: every decimal
/// of at most 15 significant digits survives decimal → f64 → shortest decimal unchanged (f64 holds
/// 15.95 decimal digits), and every column here has at most 14.
pub const WIRE_DIGITS: u32 = 15;

/// Decimal places of a derived average (e.g. `average_order_value`): the client rounds for display
/// (`.toFixed(2)`); ten places keep the precision the old float answer had.
pub const AVERAGE_SCALE: u32 = 10;

/// The value a JSON answer carries for `d`.
///
/// The answer is written as an f64 by serde_json, i.e. in the shortest decimal form that reads back
/// as the same f64. For a decimal of at most [`WIRE_DIGITS`] significant digits that shortest form
/// is the decimal itself (normalised: `1.5000` → `1.5`, an integral value as `40.0`, as the old
/// float-based service wrote it): two different decimals of at most 15 digits never share an f64,
/// so the shortest form cannot be another one. Longer values (only derived ones can be: sums past
/// 10^11, averages) are first rounded to 15 significant digits, so the text is always exactly the
/// decimal that was meant. The text → f64 step is Rust's correctly rounded parser.
pub fn to_wire(d: Decimal) -> f64 {
    let d = if significant_digits(d) > WIRE_DIGITS {
        d.round_sf_with_strategy(WIRE_DIGITS, ROUNDING).unwrap_or(d)
    } else {
        d
    };
    // A Decimal's text is always a plain decimal number, which f64 parsing accepts.
    d.normalize().to_string().parse().unwrap_or(0.0)
}

/// Significant digits of `d`'s normalised mantissa (0 has one).
fn significant_digits(d: Decimal) -> u32 {
    let m = d.normalize().mantissa().unsigned_abs();
    m.checked_ilog10().map_or(1, |l| l + 1)
}

fn serialize_decimal<S: Serializer>(d: Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(to_wire(d))
}

/// An exact decimal read from a JSON number, before a domain type gives it meaning.
///
/// serde_json (without `arbitrary_precision`, which breaks untagged enums such as lambda_http's
/// request type) hands a fractional number over as the f64 nearest to its text; the shortest
/// decimal that reads back as that f64 (`f64`'s `Display`) is the text itself for every number of at
/// most 15 significant digits, so `0.1` becomes exactly 0.1, not 0.1000000000000000055511151231257827.
/// Integers arrive as integers and are exact anyway. Strings, booleans and the like are refused: the
/// old API took numbers only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Number(Decimal);

impl Number {
    pub fn get(self) -> Decimal {
        self.0
    }
}

impl From<Decimal> for Number {
    fn from(d: Decimal) -> Self {
        Number(d)
    }
}

impl FromStr for Number {
    type Err = rust_decimal::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Decimal::from_str_exact(s.trim()).map(Number)
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.normalize().fmt(f)
    }
}

impl Serialize for Number {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_decimal(self.0, s)
    }
}

struct NumberVisitor;

impl Visitor<'_> for NumberVisitor {
    type Value = Number;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Number, E> {
        Ok(Number(Decimal::from(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Number, E> {
        Ok(Number(Decimal::from(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Number, E> {
        if !v.is_finite() {
            return Err(E::custom("must be a finite number"));
        }
        // Display never uses an exponent, so Decimal's parser accepts every finite value it fits.
        Decimal::from_str(&v.to_string())
            .map(Number)
            .map_err(|_| E::custom("is too large"))
    }
}

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NumberVisitor)
    }
}

#[cfg(feature = "openapi")]
fn number_schema() -> schemars::Schema {
    schemars::json_schema!({ "type": "number" })
}

#[cfg(feature = "openapi")]
impl schemars::JsonSchema for Number {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Number".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        number_schema()
    }
}

/// The range [`fit`] accepts, in a request schema: the largest magnitude the column holds,
/// ±(10^`integer_digits` − 10^−`scale`). Only requests: answers may carry sums past it. (Not
/// `multipleOf`: finer values are rounded, not refused.)
#[cfg(feature = "openapi")]
fn bounds(schema: &mut schemars::Schema, scale: u32, integer_digits: u32) {
    let max = Decimal::from_i128_with_scale(10_i128.pow(integer_digits + scale) - 1, scale);
    schema.insert("maximum".into(), to_wire(max).into());
    schema.insert("minimum".into(), to_wire(-max).into());
}

/// A value outside what a type (and its column) can hold; the message completes "<field>: ".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct OutOfRange(pub String);

/// `raw` rounded to `scale` places, refused when it needs more than `integer_digits` before the point.
fn fit(raw: Decimal, scale: u32, integer_digits: u32) -> Result<Decimal, OutOfRange> {
    let rounded = raw.round_dp_with_strategy(scale, ROUNDING).normalize();
    let limit = Decimal::from_i128_with_scale(10_i128.pow(integer_digits), 0);
    if rounded.abs() < limit {
        Ok(rounded)
    } else {
        Err(OutOfRange(format!(
            "must be less than {limit} in magnitude (at most {integer_digits} digits before the decimal point)"
        )))
    }
}

/// What every amount type offers; lets rules such as [`non_negative`] work on any of them.
pub trait Amount: Copy {
    fn decimal(self) -> Decimal;
}

macro_rules! amount {
    ($(#[$doc:meta])* $name:ident, scale = $scale:expr, integer_digits = $int:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(Decimal);

        impl $name {
            /// Decimal places (the column's scale).
            pub const SCALE: u32 = $scale;
            /// Digits before the decimal point a parsed value may have (the column's precision
            /// minus its scale).
            pub const INTEGER_DIGITS: u32 = $int;
            pub const ZERO: Self = Self(Decimal::ZERO);

            /// A value from outside (a request): rounded to [`Self::SCALE`] places, refused when it
            /// does not fit the column.
            pub fn new(raw: Decimal) -> Result<Self, OutOfRange> {
                fit(raw, Self::SCALE, Self::INTEGER_DIGITS).map(Self)
            }

            /// A value read back from the database or computed from valid amounts (a sum may pass
            /// a column's range): only rounded to [`Self::SCALE`] places.
            pub fn from_decimal(raw: Decimal) -> Self {
                Self(raw.round_dp_with_strategy(Self::SCALE, ROUNDING).normalize())
            }

            pub fn get(self) -> Decimal {
                self.0
            }

            pub fn is_negative(self) -> bool {
                self.0 < Decimal::ZERO
            }

            /// `self + other`, `None` only past Decimal's range (about 7.9e28).
            pub fn checked_add(self, other: Self) -> Option<Self> {
                self.0.checked_add(other.0).map(Self::from_decimal)
            }

            /// `self − other`, `None` only past Decimal's range.
            pub fn checked_sub(self, other: Self) -> Option<Self> {
                self.0.checked_sub(other.0).map(Self::from_decimal)
            }

            /// The exact sum, `None` only past Decimal's range.
            pub fn total(items: impl IntoIterator<Item = Self>) -> Option<Self> {
                items
                    .into_iter()
                    .try_fold(Self::ZERO, |acc, x| acc.checked_add(x))
            }
        }

        impl Amount for $name {
            fn decimal(self) -> Decimal {
                self.0
            }
        }

        impl FromStr for $name {
            type Err = OutOfRange;
            /// Exact decimal text (for fixtures and tests), with the rules of [`Self::new`].
            fn from_str(s: &str) -> Result<Self, OutOfRange> {
                let d = Decimal::from_str_exact(s.trim())
                    .map_err(|e| OutOfRange(format!("is not a decimal number ({e})")))?;
                Self::new(d)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                serialize_decimal(self.0, s)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let n = Number::deserialize(d)?;
                Self::new(n.get()).map_err(de::Error::custom)
            }
        }

        #[cfg(feature = "openapi")]
        impl schemars::JsonSchema for $name {
            fn inline_schema() -> bool {
                true
            }
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
                let mut schema = number_schema();
                if generator.contract().is_deserialize() {
                    bounds(&mut schema, Self::SCALE, Self::INTEGER_DIGITS);
                }
                schema
            }
        }
    };
}

amount!(
    /// A weight in grams, 4 decimal places (0.1 mg, finer than a jewellery scale reads;
    /// `numeric(14,4)`). Signed: balances may go negative.
    Grams,
    scale = 4,
    integer_digits = 10
);

amount!(
    /// An amount of money (order prices, labour, shipping), 2 decimal places (`numeric(14,2)`).
    /// Signed.
    Money,
    scale = 2,
    integer_digits = 12
);

amount!(
    /// Money per gram or per unit (average cost, market price, a supply's cost per unit), 4 decimal
    /// places: silver costs well under a dollar a gram, so cents are too coarse (`numeric(14,4)`).
    UnitPrice,
    scale = 4,
    integer_digits = 10
);

amount!(
    /// How much of a supply there is, in the supply's own unit (pieces, carats, grams), 4 decimal
    /// places (`numeric(14,4)`).
    Quantity,
    scale = 4,
    integer_digits = 10
);

amount!(
    /// A percentage, 2 decimal places (`numeric(5,2)` for a department's loss tolerance; a loss
    /// percentage in a report may exceed 100 or be negative).
    Percent,
    scale = 2,
    integer_digits = 10
);

/// A finite amount of at least 0 (a quantity in stock, a cost per gram). Negatives are refused;
/// non-numbers, NaN and infinities never get this far (see [`Number`]).
pub fn non_negative<A: Amount>(field: &str, raw: A) -> ApiResult<A> {
    if raw.decimal() >= Decimal::ZERO {
        Ok(raw)
    } else {
        Err(ApiError::field(field, "must be a number of at least 0"))
    }
}

/// The mean of `count` items totalling `total`, rounded half away from zero to
/// [`AVERAGE_SCALE`] places; 0 when there are no items.
pub fn average(total: Decimal, count: i64) -> Number {
    if count <= 0 {
        return Number(Decimal::ZERO);
    }
    let mean = total
        .checked_div(Decimal::from(count))
        .unwrap_or(Decimal::ZERO);
    Number(
        mean.round_dp_with_strategy(AVERAGE_SCALE, ROUNDING)
            .normalize(),
    )
}

/// The weighted average cost per gram after buying `bought` grams at `cost` (reference rules §6):
/// with `held` grams in stock before the purchase (it may be negative) at `average` (none = 0),
///
/// * if `held + bought > 0`: `(average·held + cost·bought) / (held + bought)`,
/// * else `cost`,
///
/// rounded half away from zero to [`UnitPrice::SCALE`] places (the column's scale). `None` only past
/// Decimal's range, which amounts that fit their columns cannot reach.
pub fn weighted_average_cost(
    held: Grams,
    average: Option<UnitPrice>,
    bought: Grams,
    cost: UnitPrice,
) -> Option<UnitPrice> {
    let after = held.get().checked_add(bought.get())?;
    if after <= Decimal::ZERO {
        return Some(cost);
    }
    let old_value = average.unwrap_or_default().get().checked_mul(held.get())?;
    let new_value = cost.get().checked_mul(bought.get())?;
    let avg = old_value.checked_add(new_value)?.checked_div(after)?;
    Some(UnitPrice::from_decimal(avg))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str_exact(s).unwrap()
    }

    fn json<T: Serialize>(v: T) -> String {
        serde_json::to_string(&v).unwrap()
    }

    fn parse<T: for<'de> Deserialize<'de>>(s: &str) -> Result<T, String> {
        serde_json::from_str(s).map_err(|e| e.to_string())
    }

    #[test]
    fn json_numbers_are_read_exactly() {
        // Not via f64 arithmetic: 0.1 is exactly one tenth.
        assert_eq!(parse::<Number>("0.1").unwrap().get(), d("0.1"));
        assert_eq!(parse::<Number>("0.3").unwrap().get(), d("0.3"));
        assert_eq!(parse::<Number>("12.345").unwrap().get(), d("12.345"));
        assert_eq!(parse::<Number>("-3.5").unwrap().get(), d("-3.5"));
        assert_eq!(parse::<Number>("75").unwrap().get(), d("75"));
        assert_eq!(parse::<Number>("1e2").unwrap().get(), d("100"));
        assert_eq!(
            parse::<Number>("1234567890.1234").unwrap().get(),
            d("1234567890.1234")
        );
        assert_eq!(
            parse::<Number>("99999999999999").unwrap().get(),
            d("99999999999999")
        );
        // Fifteen significant digits come back as written.
        assert_eq!(
            parse::<Number>("0.123456789012345").unwrap().get(),
            d("0.123456789012345")
        );
        for bad in [r#""0.75""#, "true", "null", "[1]", "{}"] {
            assert!(parse::<Number>(bad).is_err(), "{bad}");
        }
        // serde_json itself refuses NaN, Infinity and numbers past f64.
        for bad in ["NaN", "Infinity", "-Infinity", "1e400"] {
            assert!(parse::<Number>(bad).is_err(), "{bad}");
        }
        let v: Result<Number, serde_json::Error> = NumberVisitor.visit_f64(f64::NAN);
        assert_eq!(v.unwrap_err().to_string(), "must be a finite number");
        let v: Result<Number, serde_json::Error> = NumberVisitor.visit_f64(f64::INFINITY);
        assert!(v.is_err());
    }

    #[test]
    fn amounts_round_half_away_from_zero_to_their_scale() {
        assert_eq!(Grams::new(d("1.23456")).unwrap().get(), d("1.2346"));
        assert_eq!(Grams::new(d("1.23455")).unwrap().get(), d("1.2346"));
        assert_eq!(Grams::new(d("-1.23455")).unwrap().get(), d("-1.2346"));
        assert_eq!(Grams::new(d("1.23454")).unwrap().get(), d("1.2345"));
        assert_eq!(Money::new(d("0.125")).unwrap().get(), d("0.13"));
        assert_eq!(Money::new(d("0.135")).unwrap().get(), d("0.14"));
        assert_eq!(Money::new(d("-0.125")).unwrap().get(), d("-0.13"));
        // A float artefact a client computed is gone after rounding to the scale.
        assert_eq!(
            parse::<UnitPrice>("0.30000000000000004").unwrap().get(),
            d("0.3")
        );
        assert_eq!(
            parse::<Quantity>("0.9159999999999999").unwrap().get(),
            d("0.916")
        );
        // Trailing zeros are not kept: 1.5000 is 1.5.
        assert_eq!(Grams::new(d("1.5000")).unwrap().to_string(), "1.5");
    }

    #[test]
    fn amounts_refuse_what_their_column_cannot_hold() {
        assert!(Grams::new(d("9999999999.9999")).is_ok());
        assert!(Grams::new(d("-9999999999.9999")).is_ok());
        let e = Grams::new(d("10000000000")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "must be less than 10000000000 in magnitude (at most 10 digits before the decimal point)"
        );
        // Rounding up past the limit is refused too.
        assert!(Grams::new(d("9999999999.99995")).is_err());
        assert!(Money::new(d("999999999999.99")).is_ok());
        assert!(Money::new(d("1000000000000")).is_err());
        let e = parse::<Money>("1e13").unwrap_err();
        assert!(e.starts_with("must be less than"), "{e}");
        assert!(parse::<Money>(r#""12.50""#).is_err());
    }

    #[test]
    fn non_negative_refuses_negatives() {
        let g = |s: &str| Quantity::new(d(s)).unwrap();
        assert_eq!(non_negative("c", g("0")).unwrap(), g("0"));
        assert_eq!(non_negative("c", g("61.5")).unwrap(), g("61.5"));
        assert_eq!(
            non_negative("cost", g("-0.01")).unwrap_err().detail(),
            "cost: must be a number of at least 0"
        );
        // -0.00001 rounds to 0 at scale 4, which is allowed.
        assert_eq!(non_negative("c", g("-0.00001")).unwrap(), g("0"));
    }

    #[test]
    fn sums_are_exact_where_floats_are_not() {
        assert_ne!((0..10).map(|_| 0.1_f64).sum::<f64>(), 1.0);
        assert_ne!(0.1_f64 + 0.1 + 0.1, 0.3);
        let tenth: Grams = "0.1".parse().unwrap();
        let ten = Grams::total(std::iter::repeat_n(tenth, 10)).unwrap();
        assert_eq!(ten.get(), d("1"));
        assert_eq!(json(ten), "1.0");
        let three = Grams::total([tenth, tenth, tenth]).unwrap();
        assert_eq!(three.get(), d("0.3"));
        assert_eq!(json(three), "0.3");
        let cents: Money = "0.1".parse().unwrap();
        assert_eq!(
            json(Money::total([cents, "0.2".parse().unwrap()]).unwrap()),
            "0.3"
        );
        assert_eq!(Grams::total([]).unwrap(), Grams::ZERO);
    }

    #[test]
    fn answers_are_json_numbers_without_float_artefacts() {
        for (text, wire) in [
            ("0", "0.0"),
            ("-0", "0.0"),
            ("0.3", "0.3"),
            ("1.5000", "1.5"),
            ("40", "40.0"),
            ("349.75", "349.75"),
            ("-3.5", "-3.5"),
            ("12.345", "12.345"),
            ("0.0001", "0.0001"),
            ("0.916", "0.916"),
            ("9999999999.9999", "9999999999.9999"),
            ("999999999999.99", "999999999999.99"),
            ("123456789012345", "123456789012345.0"),
        ] {
            assert_eq!(json(Number(d(text))), wire, "{text}");
        }
        // Past 15 significant digits the value is rounded to 15 first (only derived values are
        // that long), so the text is still exactly a decimal that was meant.
        assert_eq!(json(Number(d("1234567890123.4567"))), "1234567890123.46");
        assert_eq!(json(Number(d("116.58333333333333333"))), "116.583333333333");
        // The same rule for every amount type.
        assert_eq!(json(Money::new(d("0.30")).unwrap()), "0.3");
        assert_eq!(json(Some(UnitPrice::new(d("61.5")).unwrap())), "61.5");
    }

    #[test]
    fn every_decimal_of_the_column_scales_survives_the_wire() {
        // Deterministic sweep over values of up to 14 significant digits at scale 4 and 2: the
        // JSON text is the normalised decimal itself.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mantissa = (x % 100_000_000_000_000) as i64 * if x & 1 == 0 { 1 } else { -1 };
            for scale in [4, 2] {
                let v = Decimal::new(mantissa, scale).normalize();
                let text = json(Number(v));
                let back = Decimal::from_str_exact(text.trim_end_matches(".0")).unwrap();
                assert_eq!(back, v, "{v} came out as {text}");
                assert_eq!(parse::<Number>(&text).unwrap().get(), v, "{text}");
            }
        }
    }

    #[test]
    fn averages_have_a_fixed_scale() {
        assert_eq!(average(d("0"), 0).get(), d("0"));
        assert_eq!(average(d("300"), 2).get(), d("150"));
        assert_eq!(average(d("349.75"), 3).get(), d("116.5833333333"));
        assert_eq!(average(d("0.3"), 3).get(), d("0.1"));
        assert_eq!(average(d("2"), 3).get(), d("0.6666666667"));
        assert_eq!(average(d("-2"), 3).get(), d("-0.6666666667"));
        assert_eq!(json(average(d("0.3"), 3)), "0.1");
    }

    #[test]
    fn weighted_average_cost_follows_the_reference_formula() {
        let g = |s: &str| Grams::new(d(s)).unwrap();
        let p = |s: &str| UnitPrice::new(d(s)).unwrap();
        // 10 g at 60 + 5 g at 66 = 15 g at 62.
        assert_eq!(
            weighted_average_cost(g("10"), Some(p("60")), g("5"), p("66")),
            Some(p("62"))
        );
        // No previous cost counts 0.
        assert_eq!(
            weighted_average_cost(g("10"), None, g("10"), p("50")),
            Some(p("25"))
        );
        // Nothing (or a deficit) held: the purchase price.
        assert_eq!(
            weighted_average_cost(g("0"), Some(p("60")), g("5"), p("66")),
            Some(p("66"))
        );
        assert_eq!(
            weighted_average_cost(g("-5"), Some(p("60")), g("5"), p("66")),
            Some(p("66"))
        );
        // Rounded half away from zero to 4 places: (1·1 + 2·0.1) / 3 = 0.4.
        assert_eq!(
            weighted_average_cost(g("1"), Some(p("1")), g("2"), p("0.1")),
            Some(p("0.4"))
        );
        // 1 g at 0 + 2 g at 1 = 0.66666… → 0.6667.
        assert_eq!(
            weighted_average_cost(g("1"), Some(p("0")), g("2"), p("1")),
            Some(p("0.6667"))
        );
        // Three purchases of 0.1 g at 0.1: exactly 0.1 throughout.
        let mut held = g("0");
        let mut avg = None;
        for _ in 0..3 {
            avg = weighted_average_cost(held, avg, g("0.1"), p("0.1"));
            held = held.checked_add(g("0.1")).unwrap();
        }
        assert_eq!(avg, Some(p("0.1")));
        assert_eq!(held, g("0.3"));
    }
}
