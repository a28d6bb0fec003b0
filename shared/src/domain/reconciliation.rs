//! Metal reconciliation, free of I/O: where every fine gram of one metal is, and how much of it the
//! records cannot place (the README's "Metal accountability" section has the model).
//!
//! Fine metal enters the tenant's custody by **purchases** (P) and customer **deposits** (D), both
//! into the safe. A casting IN entry **issues** its fine weight from the safe to the floor (I). On
//! the floor it is either still **in a department** (W), **lost** as dust and filings (L, the loss
//! report's fine loss) or has left in a **shipment** (H). So, with every flow recorded:
//!
//! * at the safe: `P + D − I = safe` (the safe's recorded quantity);
//! * on the floor: `I = W + L + H`, where per (order, department, metal) that took something in,
//!   `W = fine in − fine out − fine loss` (from the entries' own fine weights, so the identity is
//!   exact to the 0.1 mg), and metal that went OUT of one department is either received IN by
//!   another or shipped.
//!
//! **Unexplained** is what the records cannot place: `(P + D − I − safe) + (I − W − L − H)`, positive
//! when metal is missing, negative when more turned up than was recorded coming in. Customers'
//! balances are what the tenant owes its customers in metal, not a place where metal is: they are
//! shown beside the identity (`deposited − consumed`), not in it.

use super::amount::Grams;
use super::loss::Unit;
use crate::error::{ApiError, ApiResult};

fn overflow() -> ApiError {
    ApiError::bug("metal reconciliation past Decimal's range")
}

fn add(a: Grams, b: Grams) -> ApiResult<Grams> {
    a.checked_add(b).ok_or_else(overflow)
}

fn sub(a: Grams, b: Grams) -> ApiResult<Grams> {
    a.checked_sub(b).ok_or_else(overflow)
}

/// One (order, department, metal) of the ledger: its loss unit and the fine grams its entries
/// recorded IN and OUT (both positive).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FloorUnit {
    pub unit: Unit,
    pub fine_in: Grams,
    pub fine_out: Grams,
}

/// What the floor holds and has lost, in fine grams.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Floor {
    pub in_departments: Grams,
    pub lost: Grams,
}

impl Floor {
    /// The floor of the units of one metal. A unit that sent out without taking anything in holds
    /// and loses nothing: its metal came from nowhere the ledger shows, so it stays unexplained.
    pub fn of(units: impl IntoIterator<Item = FloorUnit>) -> ApiResult<Floor> {
        let mut floor = Floor::default();
        for u in units {
            if u.unit.pieces_in <= super::amount::Quantity::ZERO {
                continue;
            }
            let figures = u.unit.figures()?;
            let held = sub(sub(u.fine_in, u.fine_out)?, figures.fine_loss)?;
            floor.in_departments = add(floor.in_departments, held)?;
            floor.lost = add(floor.lost, figures.fine_loss)?;
        }
        Ok(floor)
    }
}

/// What the trail and the balances say of one metal, in fine grams (all as booked: `consumed` and
/// `issued` positive when metal went out).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Trail {
    pub purchased: Grams,
    pub deposited: Grams,
    pub consumed: Grams,
    pub customer_balances: Grams,
    pub issued: Grams,
    pub safe: Grams,
    pub shipped: Grams,
}

/// The buckets of one metal and what they leave unexplained.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reconciliation {
    pub trail: Trail,
    pub floor: Floor,
    /// `purchased + deposited − issued − safe`.
    pub unexplained_at_safe: Grams,
    /// `issued − in_departments − lost − shipped`.
    pub unexplained_on_floor: Grams,
    pub unexplained: Grams,
}

pub fn reconcile(trail: Trail, floor: Floor) -> ApiResult<Reconciliation> {
    let at_safe = sub(
        sub(add(trail.purchased, trail.deposited)?, trail.issued)?,
        trail.safe,
    )?;
    let on_floor = sub(
        sub(sub(trail.issued, floor.in_departments)?, floor.lost)?,
        trail.shipped,
    )?;
    Ok(Reconciliation {
        trail,
        floor,
        unexplained_at_safe: at_safe,
        unexplained_on_floor: on_floor,
        unexplained: add(at_safe, on_floor)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::amount::{Decimal, Number};
    use crate::domain::metal::Purity;

    fn g(s: &str) -> Grams {
        s.parse().unwrap()
    }

    fn unit(pieces: (&str, &str), gross: (&str, &str)) -> FloorUnit {
        let purity = Purity::parse("p", Number::from(Decimal::new(75, 2))).unwrap();
        let (gross_in, gross_out) = (g(gross.0), g(gross.1));
        FloorUnit {
            unit: Unit {
                pieces_in: pieces.0.parse().unwrap(),
                pieces_out: pieces.1.parse().unwrap(),
                gross_in,
                gross_out,
                purity,
                average_cost: None,
            },
            fine_in: purity.fine_weight(gross_in),
            fine_out: purity.fine_weight(gross_out),
        }
    }

    /// 100 g of 18K (75 fine) cast for an order: Casting sends 97.5 g to Polishing, which sends
    /// 97 g out to be shipped; a second order's 50 g is in Casting with 4 of 10 pieces out.
    fn month() -> (Vec<FloorUnit>, Trail) {
        let units = vec![
            unit(("10", "10"), ("100", "97.5")),
            unit(("10", "10"), ("97.5", "97")),
            unit(("10", "4"), ("50", "19.6")),
            unit(("4", "0"), ("19.6", "0")),
        ];
        let trail = Trail {
            purchased: g("200"),
            deposited: g("100"),
            consumed: g("112.5"),
            customer_balances: g("-12.5"),
            issued: g("112.5"),
            safe: g("187.5"),
            shipped: g("72.75"),
        };
        (units, trail)
    }

    #[test]
    fn a_month_whose_every_flow_is_recorded_leaves_nothing_unexplained() {
        let (units, trail) = month();
        let floor = Floor::of(units).unwrap();
        // Lost: 2.5 g in Casting and 0.5 g in Polishing on the first order, 0.4 g on the
        // second's 4 pieces out: 3.4 g gross, 2.55 fine.
        assert_eq!(floor.lost, g("2.55"));
        // Held: the second order's 30 g (22.5 fine) still in Casting and its 19.6 g (14.7) in
        // Polishing.
        assert_eq!(floor.in_departments, g("37.2"));
        let r = reconcile(trail, floor).unwrap();
        assert_eq!(r.unexplained_at_safe, Grams::ZERO);
        assert_eq!(r.unexplained_on_floor, Grams::ZERO);
        assert_eq!(r.unexplained, Grams::ZERO);
    }

    #[test]
    fn an_unrecorded_flow_shows_as_unexplained() {
        let (units, mut trail) = month();
        let floor = Floor::of(units.clone()).unwrap();
        // The shipment's weight was not recorded: its 72.75 fine grams left unseen.
        trail.shipped = Grams::ZERO;
        let r = reconcile(trail, floor).unwrap();
        assert_eq!(r.unexplained_on_floor, g("72.75"));
        assert_eq!(r.unexplained, g("72.75"));
        // Polishing received its pieces without Casting ever sending them: 97.5 g (73.125 fine)
        // turned up from nowhere the ledger shows.
        let (_, trail) = month();
        let mut units = units;
        units[0] = unit(("10", "0"), ("100", "0"));
        let r = reconcile(trail, Floor::of(units).unwrap()).unwrap();
        // Casting now holds its 100 g (75 fine) as work in progress and has lost nothing.
        assert_eq!(r.floor.in_departments, g("112.2"));
        assert_eq!(r.floor.lost, g("0.675"));
        assert_eq!(r.unexplained, g("-73.125"));
        // Metal taken out of the safe without its issue: the safe is short of what the trail says.
        let (units, mut trail) = month();
        trail.safe = g("180");
        let r = reconcile(trail, Floor::of(units).unwrap()).unwrap();
        assert_eq!(r.unexplained_at_safe, g("7.5"));
        assert_eq!(r.unexplained, g("7.5"));
    }

    #[test]
    fn a_unit_that_only_sends_holds_nothing() {
        let mut u = unit(("0", "3"), ("0", "12"));
        u.fine_in = Grams::ZERO;
        let floor = Floor::of([u]).unwrap();
        assert_eq!(floor, Floor::default());
    }
}
