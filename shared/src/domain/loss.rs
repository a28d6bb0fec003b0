//! Metal loss, free of I/O: what a department lost on an order, and how the figures of many such
//! units add up (the README's "Metal loss" section has the rules with a worked example).
//!
//! A **unit** is one (order, department, metal): the pieces and gross grams its ledger entries took
//! IN and sent OUT. Work is counted as done in proportion to the pieces that have gone out:
//!
//! * `done = min(pieces_out / pieces_in, 1)`;
//! * the gross grams in for what has gone out are `gross_in × done`;
//! * **loss** = those grams − `gross_out`; its **percent** is of the grams in for what has gone out;
//! * **fine loss** = loss × the metal's purity; its **value** = fine loss × the metal's average cost
//!   per fine gram (none when the metal has no cost);
//! * **work in progress** = `gross_in × (1 − done)`, and its fine grams × purity.
//!
//! A unit with pieces out but none in (a department that only sends, such as a store) has no loss
//! and no work in progress; its grams out are counted as `unmatched_out_grams`. Every product is
//! rounded half away from zero to 0.1 mg before it is added up.

use crate::domain::amount::{Decimal, Grams, Money, Percent, Quantity, ROUNDING, UnitPrice};
use crate::domain::metal::Purity;
use crate::error::{ApiError, ApiResult};

/// The ledger totals of one (order, department, metal).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Unit {
    pub pieces_in: Quantity,
    pub pieces_out: Quantity,
    pub gross_in: Grams,
    pub gross_out: Grams,
    pub purity: Purity,
    pub average_cost: Option<UnitPrice>,
}

/// The figures of a unit or of a group of units. `percent` is derived, so it is not summed.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Figures {
    pub pieces_in: Quantity,
    pub pieces_out: Quantity,
    pub gross_in: Grams,
    pub gross_out: Grams,
    /// Gross grams in for the pieces that have gone out.
    pub gross_in_done: Grams,
    pub loss: Grams,
    pub fine_loss: Grams,
    /// `None` as soon as one unit's metal has no cost.
    pub loss_value: Option<Money>,
    pub wip_gross: Grams,
    pub wip_fine: Grams,
    pub unmatched_out: Grams,
}

fn grams(d: Decimal) -> Grams {
    Grams::from_decimal(d)
}

fn overflow() -> ApiError {
    ApiError::bug("metal loss figures past Decimal's range")
}

impl Unit {
    pub fn figures(&self) -> ApiResult<Figures> {
        let mul = |a: Decimal, b: Decimal| a.checked_mul(b).ok_or_else(overflow);
        let mut f = Figures {
            pieces_in: self.pieces_in,
            pieces_out: self.pieces_out,
            gross_in: self.gross_in,
            gross_out: self.gross_out,
            loss_value: Some(Money::ZERO),
            ..Figures::default()
        };
        if self.pieces_in <= Quantity::ZERO {
            f.unmatched_out = self.gross_out;
            return Ok(f);
        }
        let done = if self.pieces_out >= self.pieces_in {
            Decimal::ONE
        } else {
            self.pieces_out
                .get()
                .checked_div(self.pieces_in.get())
                .ok_or_else(overflow)?
        };
        f.gross_in_done = grams(mul(self.gross_in.get(), done)?);
        f.loss = grams(f.gross_in_done.get() - self.gross_out.get());
        f.fine_loss = self.purity.fine_weight(f.loss);
        f.loss_value = self
            .average_cost
            .map(|c| mul(f.fine_loss.get(), c.get()).map(Money::from_decimal))
            .transpose()?;
        f.wip_gross = grams(self.gross_in.get() - f.gross_in_done.get());
        f.wip_fine = self.purity.fine_weight(f.wip_gross);
        Ok(f)
    }
}

impl Figures {
    /// The figures of two groups together.
    pub fn plus(self, o: Figures) -> ApiResult<Figures> {
        let g = |a: Grams, b: Grams| a.checked_add(b).ok_or_else(overflow);
        let q = |a: Quantity, b: Quantity| a.checked_add(b).ok_or_else(overflow);
        Ok(Figures {
            pieces_in: q(self.pieces_in, o.pieces_in)?,
            pieces_out: q(self.pieces_out, o.pieces_out)?,
            gross_in: g(self.gross_in, o.gross_in)?,
            gross_out: g(self.gross_out, o.gross_out)?,
            gross_in_done: g(self.gross_in_done, o.gross_in_done)?,
            loss: g(self.loss, o.loss)?,
            fine_loss: g(self.fine_loss, o.fine_loss)?,
            loss_value: match (self.loss_value, o.loss_value) {
                (Some(a), Some(b)) => Some(a.checked_add(b).ok_or_else(overflow)?),
                _ => None,
            },
            wip_gross: g(self.wip_gross, o.wip_gross)?,
            wip_fine: g(self.wip_fine, o.wip_fine)?,
            unmatched_out: g(self.unmatched_out, o.unmatched_out)?,
        })
    }

    /// The loss in percent of the grams in for what has gone out, 2 places; none before anything
    /// has gone out.
    pub fn loss_percent(&self) -> Option<Percent> {
        if self.gross_in_done <= Grams::ZERO {
            return None;
        }
        let p = self
            .loss
            .get()
            .checked_mul(Decimal::ONE_HUNDRED)?
            .checked_div(self.gross_in_done.get())?;
        Some(Percent::from_decimal(p.round_dp_with_strategy(2, ROUNDING)))
    }
}

/// Whether a group's loss exceeds its department's tolerance (`None` without a tolerance or before
/// anything has gone out).
pub fn over_tolerance(loss_percent: Option<Percent>, tolerance: Option<Percent>) -> Option<bool> {
    Some(loss_percent? > tolerance?)
}

/// What a report can be grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GroupBy {
    Department,
    Order,
    Metal,
    Day,
    Month,
}

impl GroupBy {
    pub const ALL: [GroupBy; 5] = [
        GroupBy::Department,
        GroupBy::Order,
        GroupBy::Metal,
        GroupBy::Day,
        GroupBy::Month,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Department => "department",
            GroupBy::Order => "order",
            GroupBy::Metal => "metal",
            GroupBy::Day => "day",
            GroupBy::Month => "month",
        }
    }

    /// `department,metal` → [Department, Metal], in the order given, each once; blank → department.
    pub fn parse_list(field: &str, raw: Option<&str>) -> ApiResult<Vec<GroupBy>> {
        let raw = raw.map(str::trim).filter(|r| !r.is_empty());
        let Some(raw) = raw else {
            return Ok(vec![GroupBy::Department]);
        };
        let mut out = Vec::new();
        for part in raw.split(',').map(str::trim) {
            let g = GroupBy::ALL
                .into_iter()
                .find(|g| g.as_str().eq_ignore_ascii_case(part))
                .ok_or_else(|| {
                    ApiError::query_field(
                        field,
                        format!(
                            "'{part}' is not a grouping (one or more of department, order, metal, day, month, comma-separated)"
                        ),
                    )
                })?;
            // A repeat adds nothing: grouping by a key twice is grouping by it once.
            if !out.contains(&g) {
                out.push(g);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::amount::Number;

    fn unit(pieces_in: &str, pieces_out: &str, gross_in: &str, gross_out: &str) -> Unit {
        Unit {
            pieces_in: pieces_in.parse().unwrap(),
            pieces_out: pieces_out.parse().unwrap(),
            gross_in: gross_in.parse().unwrap(),
            gross_out: gross_out.parse().unwrap(),
            purity: Purity::parse("p", Number::from(Decimal::new(75, 2))).unwrap(),
            average_cost: Some("60".parse().unwrap()),
        }
    }

    fn g(s: &str) -> Grams {
        s.parse().unwrap()
    }

    #[test]
    fn a_finished_unit_loses_what_did_not_come_out() {
        // The README's example: 100 g of 18K into Casting, 97.5 g out.
        let f = unit("10", "10", "100", "97.5").figures().unwrap();
        assert_eq!(f.gross_in_done, g("100"));
        assert_eq!(f.loss, g("2.5"));
        assert_eq!(f.loss_percent(), Some("2.5".parse().unwrap()));
        assert_eq!(f.fine_loss, g("1.875"));
        assert_eq!(f.loss_value, Some("112.5".parse().unwrap()));
        assert_eq!((f.wip_gross, f.wip_fine), (Grams::ZERO, Grams::ZERO));
    }

    #[test]
    fn a_unit_partly_out_counts_in_proportion_to_the_pieces() {
        // 10 pieces, 50 g in; 4 pieces, 19.6 g out: 20 g of what went in is done, 0.4 g lost, 30 g
        // (22.5 fine) still in the department.
        let f = unit("10", "4", "50", "19.6").figures().unwrap();
        assert_eq!(f.gross_in_done, g("20"));
        assert_eq!(f.loss, g("0.4"));
        assert_eq!(f.loss_percent(), Some("2".parse().unwrap()));
        assert_eq!(f.fine_loss, g("0.3"));
        assert_eq!(f.wip_gross, g("30"));
        assert_eq!(f.wip_fine, g("22.5"));
        // Thirds are rounded to 0.1 mg: 3 of 9 pieces out of 10 g.
        let f = unit("9", "3", "10", "3").figures().unwrap();
        assert_eq!(f.gross_in_done, g("3.3333"));
        assert_eq!(f.loss, g("0.3333"));
        assert_eq!(f.wip_gross, g("6.6667"));
    }

    #[test]
    fn nothing_out_is_all_work_in_progress_and_more_out_than_in_is_done() {
        let f = unit("5", "0", "40", "0").figures().unwrap();
        assert_eq!((f.loss, f.wip_gross), (Grams::ZERO, g("40")));
        assert_eq!(f.loss_percent(), None);
        // More pieces out than in (a piece split in two): done, no negative work in progress.
        let f = unit("1", "2", "10", "9.9").figures().unwrap();
        assert_eq!(
            (f.gross_in_done, f.loss, f.wip_gross),
            (g("10"), g("0.1"), Grams::ZERO)
        );
        // More grams out than in (solder added) is a negative loss.
        let f = unit("1", "1", "10", "10.2").figures().unwrap();
        assert_eq!(f.loss, g("-0.2"));
        assert_eq!(f.loss_percent(), Some("-2".parse().unwrap()));
    }

    #[test]
    fn an_out_only_unit_has_no_loss_and_its_grams_are_unmatched() {
        let f = unit("0", "3", "0", "12").figures().unwrap();
        assert_eq!(
            (f.loss, f.wip_gross, f.unmatched_out),
            (Grams::ZERO, Grams::ZERO, g("12"))
        );
        assert_eq!(f.gross_out, g("12"));
    }

    #[test]
    fn groups_add_up_and_an_unknown_cost_makes_the_value_unknown() {
        let a = unit("10", "10", "100", "97.5").figures().unwrap();
        let b = unit("10", "4", "50", "19.6").figures().unwrap();
        let sum = a.plus(b).unwrap();
        assert_eq!(sum.loss, g("2.9"));
        // 2.9 of 120 g done: 2.4166… → 2.42 %.
        assert_eq!(sum.loss_percent(), Some("2.42".parse().unwrap()));
        assert_eq!(sum.pieces_out, "14".parse().unwrap());
        let mut no_cost = unit("1", "1", "10", "9");
        no_cost.average_cost = None;
        assert_eq!(
            sum.plus(no_cost.figures().unwrap()).unwrap().loss_value,
            None
        );
    }

    #[test]
    fn tolerance_is_exceeded_only_above_it() {
        let p = |s: &str| Some(s.parse::<Percent>().unwrap());
        assert_eq!(over_tolerance(p("2.5"), p("2")), Some(true));
        assert_eq!(over_tolerance(p("2"), p("2")), Some(false));
        assert_eq!(over_tolerance(p("2.5"), None), None);
        assert_eq!(over_tolerance(None, p("2")), None);
    }

    #[test]
    fn groupings_parse_in_order_and_name_the_parameter() {
        assert_eq!(
            GroupBy::parse_list("group_by", None).unwrap(),
            [GroupBy::Department]
        );
        assert_eq!(
            GroupBy::parse_list("group_by", Some("department, Metal")).unwrap(),
            [GroupBy::Department, GroupBy::Metal]
        );
        assert_eq!(
            GroupBy::parse_list("group_by", Some("month,order")).unwrap(),
            [GroupBy::Month, GroupBy::Order]
        );
        let e = |raw| {
            GroupBy::parse_list("group_by", Some(raw))
                .unwrap_err()
                .detail()
        };
        assert!(e("colour").starts_with("group_by: 'colour' is not a grouping"));
        assert_eq!(
            GroupBy::parse_list("group_by", Some("metal,Metal,order")).unwrap(),
            [GroupBy::Metal, GroupBy::Order]
        );
        // A day lies in one month: together they group as the day alone, labelled with both.
        assert_eq!(
            GroupBy::parse_list("group_by", Some("day,month")).unwrap(),
            [GroupBy::Day, GroupBy::Month]
        );
    }
}
