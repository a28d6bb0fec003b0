//! Old floats to our exact decimals, counting every value the rounding changed.

use std::collections::BTreeMap;
use std::str::FromStr;

use rust_decimal::Decimal;
use shared::domain::amount::ROUNDING;

/// The scales of our columns (migration 0002).
pub const GRAMS: u32 = 4;
pub const MONEY: u32 = 2;
pub const PURITY: u32 = 4;
/// Per-gram and per-unit prices, supply quantities.
pub const UNIT: u32 = 4;

#[derive(Debug, Default)]
pub struct Roundings(pub BTreeMap<String, u64>);

impl Roundings {
    /// `raw` as the decimal it prints as (the shortest text that reads back as the same float),
    /// rounded half away from zero to `scale` places; counted under `column` when that changed it.
    /// `None` for NULL and for values that are not numbers (NaN, infinities), which no numeric
    /// column can hold.
    pub fn round(&mut self, column: &str, raw: Option<f64>, scale: u32) -> Option<Decimal> {
        let raw = raw.filter(|v| v.is_finite())?;
        let exact = Decimal::from_str(&raw.to_string())
            .or_else(|_| Decimal::from_scientific(&format!("{raw:e}")))
            .ok()?;
        let rounded = exact.round_dp_with_strategy(scale, ROUNDING);
        if rounded != exact {
            *self.0.entry(column.to_string()).or_default() += 1;
        }
        Some(rounded.normalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_values_are_not_counted_and_changed_ones_are() {
        let mut r = Roundings::default();
        assert_eq!(r.round("a", Some(0.1), 4), Some(Decimal::new(1, 1)));
        assert_eq!(r.round("a", Some(45.0), 4), Some(Decimal::new(45, 0)));
        assert!(r.0.is_empty(), "0.1 and 45 fit four places: {:?}", r.0);
        // 60 g of 18K: 60 * 0.75 is exact, 0.1 + 0.2 is not.
        assert_eq!(r.round("a", Some(0.1 + 0.2), 4), Some(Decimal::new(3, 1)));
        assert_eq!(r.round("b", Some(12.34567), 2), Some(Decimal::new(1235, 2)));
        assert_eq!(r.round("b", Some(-0.00005), 4), Some(Decimal::new(-1, 4)));
        assert_eq!(r.0.get("a"), Some(&1));
        assert_eq!(r.0.get("b"), Some(&2));
        assert_eq!(r.round("c", None, 4), None);
        assert_eq!(r.round("c", Some(f64::NAN), 4), None);
    }
}
