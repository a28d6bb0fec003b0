//! The metal loss report: what each department lost, on which order, of which metal, and when
//! (the rules are in `domain::loss`; the README's "Metal loss" section has a worked example).
//! Read-only.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::NaiveDate;
use serde::Serialize;

use crate::db::Tx;
use crate::domain::amount::{Grams, Money, Percent, Quantity};
use crate::domain::loss::{Figures, GroupBy, Unit, over_tolerance};
use crate::domain::{DepartmentId, MetalId, OrderId};
use crate::error::{ApiError, ApiResult};
use crate::repo::reports::{self as repo, UnitFilter, UnitRow};

/// What the report covers and how it is grouped.
#[derive(Debug)]
pub struct LossQuery {
    pub group_by: Vec<GroupBy>,
    pub date_from: Option<NaiveDate>,
    pub date_to: Option<NaiveDate>,
    pub department: Option<DepartmentId>,
    pub order: Option<OrderId>,
    pub metal: Option<MetalId>,
    pub include_archived: bool,
}

/// A group's (or the whole report's) figures as the API answers them.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct LossFigures {
    pub pieces_in: Quantity,
    pub pieces_out: Quantity,
    pub gross_in_grams: Grams,
    pub gross_out_grams: Grams,
    /// Gross grams in for the pieces that have gone out (`gross_in × min(pieces_out / pieces_in, 1)`
    /// per order, department and metal).
    pub gross_in_done_grams: Grams,
    /// `gross_in_done_grams − gross_out_grams` (of the units that took something in).
    pub loss_grams: Grams,
    /// `loss_grams` in percent of `gross_in_done_grams`, 2 places; null before anything went out.
    pub loss_percent: Option<Percent>,
    /// Loss × the metal's purity.
    pub fine_loss_grams: Grams,
    /// Fine loss × the metal's average cost per gram; null if a metal of the group has no cost.
    pub loss_value: Option<Money>,
    /// Gross grams in, not yet out (work in progress).
    pub wip_gross_grams: Grams,
    pub wip_fine_grams: Grams,
    /// Grams sent out of a department for an order and metal that never went in there.
    pub unmatched_out_grams: Grams,
}

impl From<Figures> for LossFigures {
    fn from(f: Figures) -> Self {
        LossFigures {
            pieces_in: f.pieces_in,
            pieces_out: f.pieces_out,
            gross_in_grams: f.gross_in,
            gross_out_grams: f.gross_out,
            gross_in_done_grams: f.gross_in_done,
            loss_grams: f.loss,
            loss_percent: f.loss_percent(),
            fine_loss_grams: f.fine_loss,
            loss_value: f.loss_value,
            wip_gross_grams: f.wip_gross,
            wip_fine_grams: f.wip_fine,
            unmatched_out_grams: f.unmatched_out,
        }
    }
}

/// One group: the keys of its grouping (the others are absent) and its figures.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct LossGroup {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department_id: Option<DepartmentId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department_name: Option<String>,
    /// The department's tolerance (grouped by department only; null when it has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loss_tolerance_percent: Option<Option<Percent>>,
    /// Whether `loss_percent` exceeds the department's tolerance (grouped by department only; null
    /// without a tolerance or before anything went out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub over_tolerance: Option<Option<bool>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<OrderId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metal_id: Option<MetalId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metal_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metal_name: Option<String>,
    /// `YYYY-MM-DD` (grouped by day).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day: Option<NaiveDate>,
    /// `YYYY-MM` (grouped by month).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub month: Option<String>,
    #[serde(flatten)]
    pub figures: LossFigures,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct LossReport {
    /// The groupings, in the order asked for.
    pub group_by: Vec<&'static str>,
    /// Ordered by the groupings' keys: department name, order number, metal code, day or month.
    pub groups: Vec<LossGroup>,
    /// Every unit of the report together.
    pub totals: LossFigures,
}

/// How a group sorts: per grouping, its text key (ISO dates sort as text) and id.
type SortKey = Vec<(String, i64)>;

fn group_of(u: &UnitRow, by: &[GroupBy], figures: LossFigures) -> (SortKey, LossGroup) {
    let mut key = Vec::new();
    let mut g = LossGroup {
        department_id: None,
        department_name: None,
        loss_tolerance_percent: None,
        over_tolerance: None,
        order_id: None,
        order_number: None,
        metal_id: None,
        metal_code: None,
        metal_name: None,
        day: None,
        month: None,
        figures,
    };
    for b in by {
        match b {
            GroupBy::Department => {
                key.push((u.department_name.to_lowercase(), u.department_id.get()));
                g.department_id = Some(u.department_id);
                g.department_name = Some(u.department_name.clone());
                g.loss_tolerance_percent = Some(u.loss_tolerance_percent);
            }
            GroupBy::Order => {
                key.push((u.order_number.clone(), u.order_id.get()));
                g.order_id = Some(u.order_id);
                g.order_number = Some(u.order_number.clone());
            }
            GroupBy::Metal => {
                key.push((u.metal_code.clone(), u.metal_id.get()));
                g.metal_id = Some(u.metal_id);
                g.metal_code = Some(u.metal_code.clone());
                g.metal_name = Some(u.metal_name.clone());
            }
            GroupBy::Day => {
                key.push((u.day.to_string(), 0));
                g.day = Some(u.day);
            }
            GroupBy::Month => {
                let month = u.day.format("%Y-%m").to_string();
                key.push((month.clone(), 0));
                g.month = Some(month);
            }
        }
    }
    (key, g)
}

fn unit(u: &UnitRow) -> Unit {
    Unit {
        pieces_in: u.pieces_in,
        pieces_out: u.pieces_out,
        gross_in: u.gross_in,
        gross_out: u.gross_out,
        purity: u.fine_percentage,
        average_cost: u.average_cost_per_gram,
    }
}

/// The report over units already read (the grouping and the sums, without the database).
pub fn build(by: &[GroupBy], units: &[UnitRow]) -> ApiResult<LossReport> {
    let mut groups: BTreeMap<SortKey, (LossGroup, Figures)> = BTreeMap::new();
    let mut totals: Option<Figures> = None;
    for u in units {
        let f = unit(u).figures()?;
        totals = Some(match totals {
            Some(t) => t.plus(f)?,
            None => f,
        });
        let (key, labels) = group_of(u, by, f.into());
        let entry = groups.remove(&key);
        let summed = match entry {
            Some((labels, sum)) => (labels, sum.plus(f)?),
            None => (labels, f),
        };
        groups.insert(key, summed);
    }
    let groups = groups
        .into_values()
        .map(|(mut g, f)| {
            g.figures = f.into();
            if let Some(tolerance) = g.loss_tolerance_percent {
                g.over_tolerance = Some(over_tolerance(g.figures.loss_percent, tolerance));
            }
            g
        })
        .collect();
    Ok(LossReport {
        group_by: by.iter().map(|b| b.as_str()).collect(),
        groups,
        totals: totals
            .unwrap_or(Figures {
                loss_value: Some(Money::ZERO),
                ..Figures::default()
            })
            .into(),
    })
}

pub async fn metal_loss(tx: &Tx<'_>, q: &LossQuery) -> ApiResult<LossReport> {
    if let (Some(from), Some(to)) = (q.date_from, q.date_to)
        && from > to
    {
        return Err(ApiError::query_field(
            "date_to",
            "must not be before date_from",
        ));
    }
    let units = repo::units(
        tx,
        &UnitFilter {
            date_from: q.date_from,
            date_to: q.date_to,
            department: q.department,
            order: q.order,
            metal: q.metal,
            include_archived: q.include_archived,
        },
    )
    .await?;
    build(&q.group_by, &units)
}

/// A CSV field: quoted when it holds a comma, quote or line break; a text that a spreadsheet would
/// run as a formula (`=`, `+`, `-`, `@` first) gets a leading `'`, as OWASP advises.
pub(crate) fn text_field(out: &mut String, s: &str) {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(&s);
    }
}

impl LossReport {
    /// One header row and one line per group (RFC 4180, CRLF line ends): decimal points, no
    /// thousands separators, empty fields for null, so a spreadsheet opens it as it is.
    pub fn to_csv(&self) -> String {
        let mut header: Vec<&str> = Vec::new();
        for b in &self.group_by {
            header.extend_from_slice(match *b {
                "department" => &[
                    "department_id",
                    "department_name",
                    "loss_tolerance_percent",
                    "over_tolerance",
                ][..],
                "order" => &["order_id", "order_number"][..],
                "metal" => &["metal_id", "metal_code", "metal_name"][..],
                "day" => &["day"][..],
                _ => &["month"][..],
            });
        }
        header.extend_from_slice(&[
            "pieces_in",
            "pieces_out",
            "gross_in_grams",
            "gross_out_grams",
            "gross_in_done_grams",
            "loss_grams",
            "loss_percent",
            "fine_loss_grams",
            "loss_value",
            "wip_gross_grams",
            "wip_fine_grams",
            "unmatched_out_grams",
        ]);
        let mut out = header.join(",");
        out.push_str("\r\n");
        let opt = |v: Option<String>| v.unwrap_or_default();
        for g in &self.groups {
            let mut fields: Vec<String> = Vec::new();
            let text = |s: &str| {
                let mut f = String::new();
                text_field(&mut f, s);
                f
            };
            for b in &self.group_by {
                match *b {
                    "department" => {
                        fields.push(opt(g.department_id.map(|d| d.to_string())));
                        fields.push(text(g.department_name.as_deref().unwrap_or_default()));
                        fields.push(opt(g
                            .loss_tolerance_percent
                            .flatten()
                            .map(|t| t.to_string())));
                        fields.push(opt(g.over_tolerance.flatten().map(|o| o.to_string())));
                    }
                    "order" => {
                        fields.push(opt(g.order_id.map(|o| o.to_string())));
                        fields.push(text(g.order_number.as_deref().unwrap_or_default()));
                    }
                    "metal" => {
                        fields.push(opt(g.metal_id.map(|m| m.to_string())));
                        fields.push(text(g.metal_code.as_deref().unwrap_or_default()));
                        fields.push(text(g.metal_name.as_deref().unwrap_or_default()));
                    }
                    "day" => fields.push(opt(g.day.map(|d| d.to_string()))),
                    _ => fields.push(opt(g.month.clone())),
                }
            }
            let f = &g.figures;
            fields.extend([
                f.pieces_in.to_string(),
                f.pieces_out.to_string(),
                f.gross_in_grams.to_string(),
                f.gross_out_grams.to_string(),
                f.gross_in_done_grams.to_string(),
                f.loss_grams.to_string(),
                opt(f.loss_percent.map(|p| p.to_string())),
                f.fine_loss_grams.to_string(),
                opt(f.loss_value.map(|v| v.to_string())),
                f.wip_gross_grams.to_string(),
                f.wip_fine_grams.to_string(),
                f.unmatched_out_grams.to_string(),
            ]);
            let _ = write!(out, "{}\r\n", fields.join(","));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::amount::{Decimal, Number};
    use crate::domain::metal::Purity;

    fn row(order: i64, dept: (i64, &str), day: &str, fig: (&str, &str, &str, &str)) -> UnitRow {
        UnitRow {
            order_id: OrderId::from_db(order),
            order_number: format!("ORD-1-{order:06}"),
            department_id: DepartmentId::from_db(dept.0),
            department_name: dept.1.to_string(),
            loss_tolerance_percent: Some("2".parse().unwrap()),
            metal_id: MetalId::from_db(3),
            metal_code: "GOLD_18K".into(),
            metal_name: "Gold 18K".into(),
            fine_percentage: Purity::parse("p", Number::from(Decimal::new(75, 2))).unwrap(),
            average_cost_per_gram: Some("60".parse().unwrap()),
            pieces_in: fig.0.parse().unwrap(),
            pieces_out: fig.1.parse().unwrap(),
            gross_in: fig.2.parse().unwrap(),
            gross_out: fig.3.parse().unwrap(),
            day: day.parse().unwrap(),
        }
    }

    fn units() -> Vec<UnitRow> {
        vec![
            row(2, (7, "Polishing"), "2026-03-09", ("10", "4", "50", "19.6")),
            row(1, (5, "Casting"), "2026-03-02", ("10", "10", "100", "97.5")),
            row(2, (5, "Casting"), "2026-04-01", ("1", "1", "10", "9.9")),
        ]
    }

    #[test]
    fn groups_sum_their_units_in_key_order_and_flag_the_tolerance() {
        let r = build(&[GroupBy::Department], &units()).unwrap();
        let names: Vec<_> = r
            .groups
            .iter()
            .map(|g| g.department_name.clone().unwrap())
            .collect();
        assert_eq!(names, ["Casting", "Polishing"]);
        let casting = &r.groups[0].figures;
        assert_eq!(casting.loss_grams, "2.6".parse().unwrap());
        // 2.6 of 110 g: 2.3636… → 2.36 %, over the 2 % tolerance.
        assert_eq!(casting.loss_percent, Some("2.36".parse().unwrap()));
        assert_eq!(r.groups[0].over_tolerance, Some(Some(true)));
        assert_eq!(r.groups[1].over_tolerance, Some(Some(false)));
        assert_eq!(r.totals.loss_grams, "3".parse().unwrap());
        assert_eq!(r.totals.wip_gross_grams, "30".parse().unwrap());
        // Not grouped by department: no tolerance fields.
        let r = build(&[GroupBy::Month, GroupBy::Order], &units()).unwrap();
        let keys: Vec<_> = r
            .groups
            .iter()
            .map(|g| (g.month.clone().unwrap(), g.order_number.clone().unwrap()))
            .collect();
        assert_eq!(
            keys,
            [
                ("2026-03".to_string(), "ORD-1-000001".to_string()),
                ("2026-03".into(), "ORD-1-000002".into()),
                ("2026-04".into(), "ORD-1-000002".into()),
            ]
        );
        assert!(r.groups.iter().all(|g| g.over_tolerance.is_none()));
    }

    #[test]
    fn an_empty_report_has_zero_totals() {
        let r = build(&[GroupBy::Metal], &[]).unwrap();
        assert!(r.groups.is_empty());
        assert_eq!(r.totals.loss_grams, Grams::ZERO);
        assert_eq!(r.totals.loss_percent, None);
        assert_eq!(r.totals.loss_value, Some(Money::ZERO));
    }

    #[test]
    fn csv_has_a_header_and_a_line_per_group() {
        let mut u = units();
        u[1].department_name = "=Casting, \"main\"".into();
        u[2].department_name = u[1].department_name.clone();
        let csv = build(&[GroupBy::Department, GroupBy::Metal], &u)
            .unwrap()
            .to_csv();
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(
            lines[0],
            "department_id,department_name,loss_tolerance_percent,over_tolerance,metal_id,metal_code,metal_name,\
             pieces_in,pieces_out,gross_in_grams,gross_out_grams,gross_in_done_grams,loss_grams,loss_percent,\
             fine_loss_grams,loss_value,wip_gross_grams,wip_fine_grams,unmatched_out_grams"
        );
        assert_eq!(
            lines[1],
            "5,\"'=Casting, \"\"main\"\"\",2,true,3,GOLD_18K,Gold 18K,11,11,110,107.4,110,2.6,2.36,1.95,117,0,0,0"
        );
        assert_eq!(
            lines[2],
            "7,Polishing,2,false,3,GOLD_18K,Gold 18K,10,4,50,19.6,20,0.4,2,0.3,18,30,22.5,0"
        );
        assert_eq!(lines[3], "");
        assert_eq!(lines.len(), 4);
    }
}
