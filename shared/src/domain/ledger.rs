//! The department ledger's rules (reference rules §6–7), free of I/O: an entry's direction, its
//! signed fine weight, what it does to its department's balance, and when it is casting.

use chrono::NaiveDate;

use crate::domain::amount::{Grams, Quantity};
use crate::domain::metal::Purity;
use crate::error::{ApiError, ApiResult};

/// Pieces and grams going into a department (`IN`) or leaving it (`OUT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    In,
    Out,
}

impl Direction {
    pub const ALL: [Direction; 2] = [Direction::In, Direction::Out];

    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "IN",
            Direction::Out => "OUT",
        }
    }

    /// `IN` or `OUT`, in any case (the app sends upper case).
    pub fn parse(field: &str, raw: &str) -> ApiResult<Self> {
        match raw.trim().to_ascii_uppercase().as_str() {
            "IN" => Ok(Direction::In),
            "OUT" => Ok(Direction::Out),
            _ => Err(ApiError::field(field, "must be IN or OUT")),
        }
    }

    /// A direction read back from the database (the column's check allows only these two).
    pub fn from_db(raw: &str) -> ApiResult<Self> {
        Direction::parse("direction", raw)
            .map_err(|_| ApiError::bug(format!("ledger entry with direction {raw:?}")))
    }

    /// +1 for IN, −1 for OUT: the sign of an entry's fine weight and of its department delta.
    fn signed(self, g: Grams) -> Grams {
        match self {
            Direction::In => g,
            Direction::Out => Grams::from_decimal(-g.get()),
        }
    }
}

/// The entry's `fine_weight`: gross weight × the metal's purity (rounded to 0.1 mg), negated for OUT.
pub fn fine_weight(direction: Direction, weight: Grams, purity: Purity) -> Grams {
    direction.signed(purity.fine_weight(weight))
}

/// What the entry adds to `department_balances[department, metal]` (gross grams): `+weight` for IN,
/// `−weight` for OUT.
pub fn department_delta(direction: Direction, weight: Grams) -> Grams {
    direction.signed(weight)
}

/// Whether entries of a department with this name consume the customer's metal: the old service's
/// rule, the name lower-cased is exactly `casting` or `cast`. Surrounding blanks are ignored (names
/// are stored trimmed anyway).
pub fn is_casting_department(name: &str) -> bool {
    matches!(name.trim().to_lowercase().as_str(), "casting" | "cast")
}

/// The fine grams a casting consumption takes from the order's company for an entry, if it takes
/// any: only IN entries of a casting department do.
pub fn casting_consumption(
    direction: Direction,
    department_name: &str,
    fine_weight: Grams,
) -> Option<Grams> {
    (direction == Direction::In && is_casting_department(department_name)).then_some(fine_weight)
}

/// The notes of a casting consumption transaction, as the old service wrote them.
pub fn casting_notes(entry: impl std::fmt::Display, fine: Grams, order_number: &str) -> String {
    format!(
        "Casting consumption from ledger entry {entry}: {:.4}g pure metal for order {order_number}",
        fine.get()
    )
}

/// A ledger date of a body field, as the app sends it: `YYYY-MM-DD`.
pub fn date(field: &str, raw: &str) -> ApiResult<NaiveDate> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| ApiError::field(field, "must be a date (YYYY-MM-DD)"))
}

/// Pieces: more than nothing (after rounding to the column's 4 places).
pub fn positive_quantity(field: &str, raw: Quantity) -> ApiResult<Quantity> {
    if raw > Quantity::ZERO {
        Ok(raw)
    } else {
        Err(ApiError::field(field, "must be greater than 0"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::amount::{Decimal, Number};

    fn g(s: &str) -> Grams {
        s.parse().unwrap()
    }

    fn purity(s: &str) -> Purity {
        Purity::parse("p", Number::from(Decimal::from_str_exact(s).unwrap())).unwrap()
    }

    #[test]
    fn fine_weight_is_gross_times_purity_signed_by_direction() {
        // The example: 60 g of 18K (0.75) is 45 g fine; 64 g is 48 g.
        assert_eq!(fine_weight(Direction::In, g("60"), purity("0.75")), g("45"));
        assert_eq!(fine_weight(Direction::In, g("64"), purity("0.75")), g("48"));
        assert_eq!(
            fine_weight(Direction::Out, g("60"), purity("0.75")),
            g("-45")
        );
        // 14K (0.585) of 12.3457 g: 7.22223... rounds half away from zero to 0.1 mg.
        assert_eq!(
            fine_weight(Direction::In, g("12.3457"), purity("0.585")),
            g("7.2222")
        );
        assert_eq!(
            fine_weight(Direction::Out, g("0.0001"), purity("0.5")),
            g("-0.0001")
        );
    }

    #[test]
    fn department_delta_is_the_gross_weight_signed() {
        assert_eq!(department_delta(Direction::In, g("12.5")), g("12.5"));
        assert_eq!(department_delta(Direction::Out, g("12.5")), g("-12.5"));
    }

    #[test]
    fn only_in_entries_of_a_casting_department_consume() {
        for name in ["Casting", "casting", "CAST", " cast "] {
            assert_eq!(
                casting_consumption(Direction::In, name, g("45")),
                Some(g("45")),
                "{name}"
            );
            assert_eq!(casting_consumption(Direction::Out, name, g("-45")), None);
        }
        for name in ["Casting room", "Polishing", "casts", ""] {
            assert_eq!(casting_consumption(Direction::In, name, g("45")), None);
        }
    }

    #[test]
    fn directions_and_dates_parse_or_name_the_field() {
        assert_eq!(Direction::parse("d", "IN").unwrap(), Direction::In);
        assert_eq!(Direction::parse("d", "out").unwrap(), Direction::Out);
        assert_eq!(
            Direction::parse("direction", "SIDEWAYS")
                .unwrap_err()
                .detail(),
            "direction: must be IN or OUT"
        );
        assert_eq!(
            date("date", "2026-12-01").unwrap(),
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
        );
        assert_eq!(
            date("date", "01/12/2026").unwrap_err().detail(),
            "date: must be a date (YYYY-MM-DD)"
        );
        assert!(positive_quantity("quantity", "0".parse().unwrap()).is_err());
        assert!(positive_quantity("quantity", "0.00001".parse().unwrap()).is_err());
        assert!(positive_quantity("quantity", "1".parse().unwrap()).is_ok());
    }

    #[test]
    fn casting_notes_read_as_the_old_service_wrote_them() {
        assert_eq!(
            casting_notes(7, g("45"), "ORD-1-000003"),
            "Casting consumption from ledger entry 7: 45.0000g pure metal for order ORD-1-000003"
        );
    }
}
