//! The metal reconciliation report: per metal, in fine grams, where the metal the tenant took in
//! is now, and what the records cannot place (the rules are in `domain::reconciliation`; the
//! README's "Metal accountability" section has the model and an example). Read-only, as of now,
//! over the whole history.

use futures_util::future::try_join;
use std::collections::HashMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::app::reports::text_field;
use crate::db::Tx;
use crate::domain::MetalId;
use crate::domain::amount::Grams;
use crate::domain::loss::Unit;
use crate::domain::reconciliation::{Floor, FloorUnit, Trail, reconcile};
use crate::error::ApiResult;
use crate::repo::reports::{self as repo, FloorUnitRow, MetalTrailRow};

/// One metal's buckets.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct MetalReconciliation {
    pub metal_id: MetalId,
    pub metal_code: String,
    pub metal_name: String,
    /// Bought into the safe (`SAFE_PURCHASE`).
    pub purchased_fine_grams: Grams,
    /// Deposited by customers into the safe (`COMPANY_DEPOSIT`).
    pub deposited_fine_grams: Grams,
    /// Taken from the safe to the floor by casting IN entries (`SAFE_ISSUE`).
    pub issued_fine_grams: Grams,
    /// What the safe holds.
    pub safe_fine_grams: Grams,
    /// On the floor: taken into a department and neither sent out nor lost.
    pub in_departments_fine_grams: Grams,
    /// Lost on the floor (the metal loss report's fine loss, over the whole ledger).
    pub lost_fine_grams: Grams,
    /// Left in shipments that carry a weight (returned ones excepted).
    pub shipped_fine_grams: Grams,
    /// `purchased + deposited − issued − safe`: what the safe should hold and does not.
    pub unexplained_at_safe_fine_grams: Grams,
    /// `issued − in_departments − lost − shipped`: metal sent out of a department that no department
    /// received and no shipment carried (positive), or received without being sent (negative).
    pub unexplained_on_floor_fine_grams: Grams,
    /// The two together: zero when every flow is recorded.
    pub unexplained_fine_grams: Grams,
    /// Customers' metal used by casting for their orders (`MANUFACTURING_CONSUMPTION`).
    pub consumed_fine_grams: Grams,
    /// What the tenant owes its customers in metal: Σ of their balances (`deposited − consumed`).
    pub customer_balances_fine_grams: Grams,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ReconciliationReport {
    /// Every metal with anything recorded, by code.
    pub metals: Vec<MetalReconciliation>,
}

fn trail(t: &MetalTrailRow) -> Trail {
    Trail {
        purchased: t.purchased,
        deposited: t.deposited,
        consumed: t.consumed,
        customer_balances: t.customer_balances,
        issued: t.issued,
        safe: t.safe,
        shipped: t.shipped,
    }
}

/// The report over rows already read (the sums, without the database).
pub fn build(trails: &[MetalTrailRow], units: &[FloorUnitRow]) -> ApiResult<ReconciliationReport> {
    let purity: HashMap<MetalId, _> = trails
        .iter()
        .map(|t| (t.metal_id, t.fine_percentage))
        .collect();
    let mut by_metal: HashMap<MetalId, Vec<FloorUnit>> = HashMap::new();
    for u in units {
        let Some(&purity) = purity.get(&u.metal_id) else {
            continue;
        };
        by_metal.entry(u.metal_id).or_default().push(FloorUnit {
            unit: Unit {
                pieces_in: u.pieces_in,
                pieces_out: u.pieces_out,
                gross_in: u.gross_in,
                gross_out: u.gross_out,
                purity,
                average_cost: None,
            },
            fine_in: u.fine_in,
            fine_out: u.fine_out,
        });
    }
    let mut metals = Vec::new();
    for t in trails {
        let floor_units = by_metal.remove(&t.metal_id).unwrap_or_default();
        // A unit whose entries were all deleted keeps a row of zeros: it records nothing.
        let on_floor = floor_units.iter().any(|u| {
            [u.fine_in, u.fine_out, u.unit.gross_in, u.unit.gross_out]
                .iter()
                .any(|g| *g != Grams::ZERO)
        });
        let recorded = on_floor
            || [
                t.purchased,
                t.deposited,
                t.consumed,
                t.customer_balances,
                t.issued,
                t.safe,
                t.shipped,
            ]
            .iter()
            .any(|g| *g != Grams::ZERO);
        if !recorded {
            continue;
        }
        let r = reconcile(trail(t), Floor::of(floor_units)?)?;
        metals.push(MetalReconciliation {
            metal_id: t.metal_id,
            metal_code: t.metal_code.clone(),
            metal_name: t.metal_name.clone(),
            purchased_fine_grams: t.purchased,
            deposited_fine_grams: t.deposited,
            issued_fine_grams: t.issued,
            safe_fine_grams: t.safe,
            in_departments_fine_grams: r.floor.in_departments,
            lost_fine_grams: r.floor.lost,
            shipped_fine_grams: t.shipped,
            unexplained_at_safe_fine_grams: r.unexplained_at_safe,
            unexplained_on_floor_fine_grams: r.unexplained_on_floor,
            unexplained_fine_grams: r.unexplained,
            consumed_fine_grams: t.consumed,
            customer_balances_fine_grams: t.customer_balances,
        });
    }
    Ok(ReconciliationReport { metals })
}

/// The report of every metal, or of one.
pub async fn metal_reconciliation(
    tx: &Tx<'_>,
    metal: Option<MetalId>,
) -> ApiResult<ReconciliationReport> {
    let (trails, units) =
        try_join(repo::metal_trails(tx, metal), repo::floor_units(tx, metal)).await?;
    build(&trails, &units)
}

const CSV_HEADER: &str = "metal_id,metal_code,metal_name,purchased_fine_grams,deposited_fine_grams,\
issued_fine_grams,safe_fine_grams,in_departments_fine_grams,lost_fine_grams,shipped_fine_grams,\
unexplained_at_safe_fine_grams,unexplained_on_floor_fine_grams,unexplained_fine_grams,\
consumed_fine_grams,customer_balances_fine_grams";

impl ReconciliationReport {
    /// One header row and one line per metal, as the loss report's CSV: decimal points, no
    /// thousands separators, CRLF line ends.
    pub fn to_csv(&self) -> String {
        let mut out = format!("{CSV_HEADER}\r\n");
        for m in &self.metals {
            let _ = write!(out, "{},", m.metal_id);
            text_field(&mut out, &m.metal_code);
            out.push(',');
            text_field(&mut out, &m.metal_name);
            for g in [
                m.purchased_fine_grams,
                m.deposited_fine_grams,
                m.issued_fine_grams,
                m.safe_fine_grams,
                m.in_departments_fine_grams,
                m.lost_fine_grams,
                m.shipped_fine_grams,
                m.unexplained_at_safe_fine_grams,
                m.unexplained_on_floor_fine_grams,
                m.unexplained_fine_grams,
                m.consumed_fine_grams,
                m.customer_balances_fine_grams,
            ] {
                let _ = write!(out, ",{g}");
            }
            out.push_str("\r\n");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::amount::{Decimal, Number};
    use crate::domain::metal::Purity;

    fn g(s: &str) -> Grams {
        s.parse().unwrap()
    }

    fn trail_row(id: i64, code: &str, purity: i64, f: [&str; 7]) -> MetalTrailRow {
        MetalTrailRow {
            metal_id: MetalId::from_db(id),
            metal_code: code.into(),
            metal_name: format!("{code}, the metal"),
            fine_percentage: Purity::parse("p", Number::from(Decimal::new(purity, 4))).unwrap(),
            purchased: g(f[0]),
            deposited: g(f[1]),
            consumed: g(f[2]),
            customer_balances: g(f[3]),
            issued: g(f[4]),
            safe: g(f[5]),
            shipped: g(f[6]),
        }
    }

    fn unit(
        metal: i64,
        pieces: (&str, &str),
        gross: (&str, &str),
        fine: (&str, &str),
    ) -> FloorUnitRow {
        FloorUnitRow {
            metal_id: MetalId::from_db(metal),
            pieces_in: pieces.0.parse().unwrap(),
            pieces_out: pieces.1.parse().unwrap(),
            gross_in: g(gross.0),
            gross_out: g(gross.1),
            fine_in: g(fine.0),
            fine_out: g(fine.1),
        }
    }

    #[test]
    fn metals_without_records_are_left_out_and_the_csv_has_a_line_per_metal() {
        let trails = [
            trail_row(
                3,
                "GOLD_18K",
                7500,
                ["200", "100", "75", "25", "75", "225", "72.75"],
            ),
            trail_row(4, "PLATINUM", 9500, ["0", "0", "0", "0", "0", "0", "0"]),
        ];
        // 100 g of 18K in to Casting, 97.5 g out to Polishing, 97 g out of it and shipped.
        let units = [
            unit(3, ("10", "10"), ("100", "97.5"), ("75", "73.125")),
            unit(3, ("10", "10"), ("97.5", "97"), ("73.125", "72.75")),
        ];
        // Platinum's one unit lost its entries: a row of zeros.
        let mut units = units.to_vec();
        units.push(unit(4, ("0", "0"), ("0", "0"), ("0", "0")));
        let r = build(&trails, &units).unwrap();
        assert_eq!(r.metals.len(), 1, "platinum has nothing recorded");
        let m = &r.metals[0];
        assert_eq!(m.lost_fine_grams, g("2.25"));
        assert_eq!(m.in_departments_fine_grams, Grams::ZERO);
        assert_eq!(m.unexplained_fine_grams, Grams::ZERO);
        assert_eq!(
            r.to_csv(),
            format!(
                "{CSV_HEADER}\r\n3,GOLD_18K,\"GOLD_18K, the metal\",200,100,75,225,0,2.25,72.75,0,0,0,75,25\r\n"
            )
        );
    }
}
