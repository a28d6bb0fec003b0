//! The verification report: per tenant, row counts old against ours per entity, and per company and
//! metal (and per metal for the safe) the stored balance and the one recomputed from the
//! transactions on both sides. A line that differs is explained by a listed anomaly or counts as a
//! difference (non-zero exit).

use std::collections::{BTreeSet, HashMap};

use rust_decimal::Decimal;
use tokio_postgres::Transaction;

use crate::convert::{self, Roundings};
use crate::report::{Anomaly, Line, Verification};
use crate::write::ENTITIES;
use crate::{ImportError, new_err, old_err};

/// The transaction types that move the safe's fine metal (ours adds SAFE_ISSUE; the old service
/// never wrote one).
const SAFE_TYPES: &[&str] = &[
    "COMPANY_DEPOSIT",
    "SAFE_PURCHASE",
    "SAFE_ADJUSTMENT",
    "SAFE_ISSUE",
];

fn g(raw: Option<f64>) -> Decimal {
    Roundings::default()
        .round("", raw, convert::GRAMS)
        .unwrap_or_default()
}

/// Σ of the old transactions, each value rounded as the import rounds it (so both sides add the
/// same decimals): per (company, metal), and per metal for the safe. Keys are old ids.
#[derive(Debug, Default)]
pub struct Sums {
    pub company: HashMap<(i64, i64), Decimal>,
    pub safe: HashMap<i64, Decimal>,
}

pub async fn old_sums(old: &Transaction<'_>, old_tenant: i64) -> Result<Sums, ImportError> {
    let rows = old
        .query(
            "select company_id::int8 as company_id, metal_id::int8 as metal_id, transaction_type,
                    quantity_grams
               from metal_transactions where tenant_id = $1::int8 and metal_id is not null",
            &[&old_tenant],
        )
        .await
        .map_err(old_err("summing the old transactions"))?;
    let mut s = Sums::default();
    for r in &rows {
        let metal: i64 = r
            .try_get("metal_id")
            .map_err(old_err("metal_transactions"))?;
        let company: Option<i64> = r
            .try_get("company_id")
            .map_err(old_err("metal_transactions"))?;
        let kind: String = r
            .try_get("transaction_type")
            .map_err(old_err("metal_transactions"))?;
        let grams = g(r
            .try_get("quantity_grams")
            .map_err(old_err("metal_transactions"))?);
        if let Some(c) = company {
            *s.company.entry((c, metal)).or_default() += grams;
        }
        if SAFE_TYPES.contains(&kind.as_str()) {
            *s.safe.entry(metal).or_default() += grams;
        }
    }
    Ok(s)
}

/// The tenant an earlier run imported `old_tenant` into.
pub async fn imported_as(
    new: &Transaction<'_>,
    source: &str,
    old_tenant: i64,
) -> Result<Option<i64>, ImportError> {
    new.query_opt(
        "select new_id from import_map
          where source = $1 and entity = 'tenants' and old_id = $2",
        &[&source, &old_tenant],
    )
    .await
    .map_err(new_err("reading import_map"))?
    .map(|r| r.try_get("new_id"))
    .transpose()
    .map_err(new_err("reading import_map"))
}

/// The anomalies the last committed run of `old_tenant` listed.
pub async fn last_anomalies(
    new: &Transaction<'_>,
    source: &str,
) -> Result<Vec<Anomaly>, ImportError> {
    let row = new
        .query_opt(
            "select report -> 'anomalies' as anomalies from import_runs
              where source = $1 order by at desc, id desc limit 1",
            &[&source],
        )
        .await
        .map_err(new_err("reading import_runs"))?;
    let Some(row) = row else {
        return Ok(Vec::new());
    };
    let json: Option<serde_json::Value> =
        row.try_get("anomalies").map_err(new_err("import_runs"))?;
    match json {
        None => Ok(Vec::new()),
        Some(v) => serde_json::from_value(v)
            .map_err(|e| ImportError::New(format!("import_runs.report anomalies: {e}"))),
    }
}

pub async fn tenant(
    old: &Transaction<'_>,
    new: &Transaction<'_>,
    old_tenant: i64,
    source: &str,
    tenant: i64,
    listed: &[Anomaly],
) -> Result<Verification, ImportError> {
    let mut out = Verification::default();
    counts(old, new, old_tenant, source, listed, &mut out).await?;
    balances(old, new, old_tenant, source, tenant, listed, &mut out).await?;
    out.differences = out
        .lines
        .iter()
        .filter(|l| l.status.starts_with("DIFFERS"))
        .cloned()
        .collect();
    Ok(out)
}

/// Old rows against ours that came from them. Rows the old side deleted after an earlier run stay
/// here (the import deletes nothing): they are counted apart, not as a difference.
async fn counts(
    old: &Transaction<'_>,
    new: &Transaction<'_>,
    old_tenant: i64,
    source: &str,
    listed: &[Anomaly],
    out: &mut Verification,
) -> Result<(), ImportError> {
    for (old_table, table) in ENTITIES {
        let (scope, join) = if *old_table == "tenants" {
            ("id = $1::int8", "x.id = m.new_id")
        } else {
            (
                "tenant_id = $1::int8",
                "x.id = m.new_id and x.tenant_id = m.tenant_id",
            )
        };
        let n_old: i64 = old
            .query_one(
                &format!("select count(*) as n from {old_table} where {scope}"),
                &[&old_tenant],
            )
            .await
            .and_then(|r| r.try_get("n"))
            .map_err(old_err(&format!("counting {old_table}")))?;
        let ids: Vec<i64> = new
            .query_one(
                &format!(
                    "select coalesce(array_agg(m.old_id), '{{}}') as ids
                       from import_map m join {table} x on {join}
                      where m.source = $1 and m.entity = $2"
                ),
                &[&source, old_table],
            )
            .await
            .and_then(|r| r.try_get("ids"))
            .map_err(new_err(&format!("counting {table}")))?;
        let still_there: i64 = old
            .query_one(
                &format!(
                    "select count(*) as n from {old_table} where {scope} and id = any($2::int8[])"
                ),
                &[&old_tenant, &ids],
            )
            .await
            .and_then(|r| r.try_get("n"))
            .map_err(old_err(&format!("counting {old_table}")))?;
        let n_new = ids.len() as i64;
        let gone = n_new - still_there;
        let skipped = listed
            .iter()
            .filter(|a| a.entity == *old_table && a.skipped())
            .count() as i64;
        let status = if still_there == n_old && gone == 0 {
            "equal".to_string()
        } else if still_there == n_old - skipped {
            let mut why = Vec::new();
            if skipped > 0 {
                why.push(format!("{skipped} skipped (listed)"));
            }
            if gone > 0 {
                why.push(format!("{gone} deleted on the old side since (kept here)"));
            }
            why.join(", ")
        } else {
            format!(
                "DIFFERS: {} old rows not here",
                n_old - skipped - still_there
            )
        };
        out.lines.push(Line {
            what: "count".into(),
            key: old_table.to_string(),
            old: n_old.to_string(),
            new: n_new.to_string(),
            status,
        });
    }
    Ok(())
}

#[derive(Default, Clone, Copy)]
struct Side {
    stored: Decimal,
    /// Σ of the transactions that came from the old side (on the old side: all of them).
    mapped: Decimal,
    /// Σ of all transactions (ours adds issues, fixes and later use of the app).
    all: Decimal,
}

async fn balances(
    old: &Transaction<'_>,
    new: &Transaction<'_>,
    old_tenant: i64,
    source: &str,
    tenant: i64,
    listed: &[Anomaly],
    out: &mut Verification,
) -> Result<(), ImportError> {
    let sums = old_sums(old, old_tenant).await?;
    let mut old_company: HashMap<(i64, i64), Side> = HashMap::new();
    let mut old_safe: HashMap<i64, Side> = HashMap::new();
    for (k, v) in &sums.company {
        let e = old_company.entry(*k).or_default();
        e.mapped = *v;
        e.all = *v;
    }
    for (k, v) in &sums.safe {
        let e = old_safe.entry(*k).or_default();
        e.mapped = *v;
        e.all = *v;
    }
    let err = old_err("reading the old balances");
    for r in old
        .query(
            "select company_id::int8 as company_id, metal_id::int8 as metal_id, balance_grams
               from company_metal_balances where tenant_id = $1::int8",
            &[&old_tenant],
        )
        .await
        .map_err(&err)?
    {
        let key = (
            r.try_get("company_id").map_err(&err)?,
            r.try_get("metal_id").map_err(&err)?,
        );
        old_company.entry(key).or_default().stored = g(r.try_get("balance_grams").map_err(&err)?);
    }
    for r in old
        .query(
            "select metal_id::int8 as metal_id, quantity_grams from safe_supplies
              where tenant_id = $1::int8 and supply_type = 'FINE_METAL' and metal_id is not null",
            &[&old_tenant],
        )
        .await
        .map_err(&err)?
    {
        let metal: i64 = r.try_get("metal_id").map_err(&err)?;
        old_safe.entry(metal).or_default().stored +=
            g(r.try_get("quantity_grams").map_err(&err)?);
    }

    let err = new_err("reading our balances");
    let mut new_company: HashMap<(i64, i64), Side> = HashMap::new();
    let mut new_safe: HashMap<i64, Side> = HashMap::new();
    for r in new
        .query(
            "select mc.old_id as company, mm.old_id as metal, b.balance_grams
               from company_metal_balances b
               join import_map mc on mc.source = $2 and mc.entity = 'companies' and mc.new_id = b.company_id
               join import_map mm on mm.source = $2 and mm.entity = 'metals' and mm.new_id = b.metal_id
              where b.tenant_id = $1",
            &[&tenant, &source],
        )
        .await
        .map_err(&err)?
    {
        let key = (r.try_get("company").map_err(&err)?, r.try_get("metal").map_err(&err)?);
        new_company.entry(key).or_default().stored = r.try_get("balance_grams").map_err(&err)?;
    }
    for r in new
        .query(
            "select mm.old_id as metal, s.quantity_grams from safe_supplies s
               join import_map mm on mm.source = $2 and mm.entity = 'metals' and mm.new_id = s.metal_id
              where s.tenant_id = $1 and s.supply_type = 'FINE_METAL'",
            &[&tenant, &source],
        )
        .await
        .map_err(&err)?
    {
        let metal: i64 = r.try_get("metal").map_err(&err)?;
        new_safe.entry(metal).or_default().stored = r.try_get("quantity_grams").map_err(&err)?;
    }
    for r in new
        .query(
            "select mc.old_id as company, mm.old_id as metal, t.company_id is not null as has_company,
                    t.transaction_type, t.quantity_grams, mt.old_id is not null as from_old
               from metal_transactions t
               join import_map mm on mm.source = $2 and mm.entity = 'metals' and mm.new_id = t.metal_id
               left join import_map mc on mc.source = $2 and mc.entity = 'companies' and mc.new_id = t.company_id
               left join import_map mt on mt.source = $2 and mt.entity = 'metal_transactions' and mt.new_id = t.id
              where t.tenant_id = $1",
            &[&tenant, &source],
        )
        .await
        .map_err(&err)?
    {
        let metal: i64 = r.try_get("metal").map_err(&err)?;
        let company: Option<i64> = r.try_get("company").map_err(&err)?;
        let kind: String = r.try_get("transaction_type").map_err(&err)?;
        let grams: Decimal = r.try_get("quantity_grams").map_err(&err)?;
        let from_old: bool = r.try_get("from_old").map_err(&err)?;
        if let Some(c) = company {
            let e = new_company.entry((c, metal)).or_default();
            e.all += grams;
            if from_old {
                e.mapped += grams;
            }
        }
        if SAFE_TYPES.contains(&kind.as_str()) {
            let e = new_safe.entry(metal).or_default();
            e.all += grams;
            if from_old {
                e.mapped += grams;
            }
        }
    }

    let tx_skipped = listed.iter().any(|a| {
        a.skipped()
            && matches!(
                a.entity.as_str(),
                "metal_transactions"
                    | "company_metal_balances"
                    | "safe_supplies"
                    | "companies"
                    | "metals"
            )
    });
    let keys: BTreeSet<(i64, i64)> = old_company
        .keys()
        .chain(new_company.keys())
        .copied()
        .collect();
    for key in keys {
        let o = old_company.get(&key).copied().unwrap_or_default();
        let n = new_company.get(&key).copied().unwrap_or_default();
        let drift_listed = listed.iter().any(|a| {
            a.kind == "company_balance_differs_from_transactions"
                && a.old_id == key.0
                && a.metal_id == Some(key.1)
        });
        let reversed = listed
            .iter()
            .any(|a| a.kind == "unreversed_casting_deduction" && a.action.starts_with("fixed"));
        out.lines.push(Line {
            what: "company_balance".into(),
            key: format!("company {} / metal {}", key.0, key.1),
            old: format!("{} / tx {}", o.stored.normalize(), o.all.normalize()),
            new: format!("{} / tx {}", n.stored.normalize(), n.all.normalize()),
            status: judge(o, n, drift_listed, tx_skipped, reversed),
        });
    }
    let metals: BTreeSet<i64> = old_safe.keys().chain(new_safe.keys()).copied().collect();
    for metal in metals {
        let o = old_safe.get(&metal).copied().unwrap_or_default();
        let n = new_safe.get(&metal).copied().unwrap_or_default();
        let drift_listed = listed
            .iter()
            .any(|a| a.kind == "safe_differs_from_transactions" && a.metal_id == Some(metal));
        // Our casting issues its metal from the safe (the old service's did not): allowed.
        let status = judge(o, n, drift_listed, tx_skipped, true);
        out.lines.push(Line {
            what: "safe".into(),
            key: format!("metal {metal}"),
            old: format!("{} / tx {}", o.stored.normalize(), o.all.normalize()),
            new: format!("{} / tx {}", n.stored.normalize(), n.all.normalize()),
            status,
        });
    }
    Ok(())
}

/// Equal, explained, or `DIFFERS`: the transactions that came over must add up as they did there
/// (unless rows were skipped and listed), and our stored value must equal our transactions, or
/// differ from them exactly as the old one did from its own when that was listed.
fn judge(o: Side, n: Side, drift_listed: bool, tx_skipped: bool, derived_allowed: bool) -> String {
    let tx_ok = o.mapped == n.mapped;
    let old_drift = o.stored - o.mapped;
    let new_drift = n.stored - n.all;
    let drift_ok = new_drift == Decimal::ZERO || (drift_listed && new_drift == old_drift);
    let derived_ok = derived_allowed || n.all == n.mapped;
    if !tx_ok && !tx_skipped {
        return format!(
            "DIFFERS: transactions {} here",
            (n.mapped - o.mapped).normalize()
        );
    }
    if !drift_ok {
        return format!(
            "DIFFERS: stored minus transactions is {} here, {} there",
            new_drift.normalize(),
            old_drift.normalize()
        );
    }
    if !derived_ok {
        return format!(
            "DIFFERS: {} g booked here that no anomaly explains",
            (n.all - n.mapped).normalize()
        );
    }
    let ours = n.all - n.mapped;
    if drift_listed && new_drift != Decimal::ZERO {
        "explained: stored as the old side had it, which differs from its transactions (anomaly listed)".into()
    } else if tx_ok && o.stored + ours == n.stored {
        if ours == Decimal::ZERO {
            "equal".into()
        } else {
            format!(
                "equal, plus {} g booked here (casting issues, fixes)",
                ours.normalize()
            )
        }
    } else if !tx_ok {
        "explained: rows skipped (listed)".into()
    } else {
        "explained: recomputed from the transactions (--fix, anomaly listed)".into()
    }
}
