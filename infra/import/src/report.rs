//! What a run says: per tenant the rows read, inserted, updated and skipped per entity, every anomaly
//! of the old data and what was done about it, the roundings, and the verification.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub dry_run: bool,
    pub fix: bool,
    pub verify_only: bool,
    pub zone: String,
    pub tenants: Vec<TenantReport>,
}

impl Report {
    /// Every selected tenant imported (or verified) and nothing differs that no anomaly explains:
    /// the exit status is zero exactly then.
    pub fn clean(&self) -> bool {
        self.tenants.iter().all(|t| {
            t.stopped.is_none()
                && t.verification
                    .as_ref()
                    .is_some_and(|v| v.differences.is_empty())
        })
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct EntityCount {
    /// Rows of the tenant in the old table.
    pub old: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub skipped: u64,
}

/// Something the old data gets wrong (or that our schema cannot hold), with the old row it is about.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Anomaly {
    /// e.g. `cross_tenant_reference`, `unreversed_casting_deduction` (docs/import.md, "Anomalies").
    pub kind: String,
    /// The old table, or `company_metal_balances`/`safe_supplies` for derived state.
    pub entity: String,
    /// The old row's id; for balances the company's (or 0 for the safe).
    pub old_id: i64,
    /// For balances and the safe: the old metal's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metal_id: Option<i64>,
    pub detail: String,
    /// `imported as is`, `skipped`, `fixed: …`, `renamed to …`, `merged into …`, `recomputed`.
    pub action: String,
}

impl Anomaly {
    pub fn skipped(&self) -> bool {
        self.action == "skipped"
    }
}

/// How an old role (or the lack of one) became one of ours.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RoleMapping {
    pub old_role_id: Option<i64>,
    pub old_name: String,
    pub users: u64,
    pub mapped_to: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TenantReport {
    pub old_tenant_id: i64,
    /// The old tenant's identity across old databases (`<id>@<created_at>`).
    pub source: String,
    pub tenant_id: Option<i64>,
    /// Why nothing of this tenant was written (e.g. the usernames that break our rules).
    pub stopped: Option<String>,
    pub entities: BTreeMap<String, EntityCount>,
    pub roles: Vec<RoleMapping>,
    pub anomalies: Vec<Anomaly>,
    /// Float values whose rounding to the column's scale changed them, per `table.column`.
    pub roundings: BTreeMap<String, u64>,
    /// The order counter after the run (the highest old number, or more).
    pub order_counter: Option<i64>,
    pub verification: Option<Verification>,
}

impl TenantReport {
    pub fn new(old_tenant_id: i64) -> Self {
        TenantReport {
            old_tenant_id,
            source: String::new(),
            tenant_id: None,
            stopped: None,
            entities: BTreeMap::new(),
            roles: Vec::new(),
            anomalies: Vec::new(),
            roundings: BTreeMap::new(),
            order_counter: None,
            verification: None,
        }
    }

    pub fn roundings_total(&self) -> u64 {
        self.roundings.values().sum()
    }
}

/// A row count or a balance, old side against ours.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Line {
    /// `count`, `company_balance`, `safe`.
    pub what: String,
    /// The entity, or `company <old id> / metal <code>`, or `metal <code>`.
    pub key: String,
    pub old: String,
    pub new: String,
    /// `equal`, or what explains the difference, or `DIFFERS`.
    pub status: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Verification {
    pub lines: Vec<Line>,
    /// The lines no anomaly explains: non-empty makes the exit status non-zero.
    pub differences: Vec<Line>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode = match (self.verify_only, self.dry_run, self.fix) {
            (true, _, _) => "verify only",
            (false, true, true) => "dry run, with fixes",
            (false, true, false) => "dry run (nothing written)",
            (false, false, true) => "import, with fixes",
            (false, false, false) => "import",
        };
        writeln!(f, "{mode}; old timestamps read in zone {}", self.zone)?;
        for t in &self.tenants {
            writeln!(f)?;
            match t.tenant_id {
                Some(id) => writeln!(f, "old tenant {} -> tenant {id}", t.old_tenant_id)?,
                None => writeln!(f, "old tenant {}", t.old_tenant_id)?,
            }
            if let Some(why) = &t.stopped {
                writeln!(f, "  STOPPED: {why}")?;
            }
            if !t.entities.is_empty() {
                writeln!(
                    f,
                    "  {:<28} {:>7} {:>8} {:>8} {:>9} {:>7}",
                    "entity", "old", "inserted", "updated", "unchanged", "skipped"
                )?;
                for (name, c) in &t.entities {
                    writeln!(
                        f,
                        "  {:<28} {:>7} {:>8} {:>8} {:>9} {:>7}",
                        name, c.old, c.inserted, c.updated, c.unchanged, c.skipped
                    )?;
                }
            }
            for r in &t.roles {
                let id = r.old_role_id.map_or("none".to_string(), |i| i.to_string());
                writeln!(
                    f,
                    "  role {id} '{}' ({} users) -> {}",
                    r.old_name, r.users, r.mapped_to
                )?;
            }
            if let Some(n) = t.order_counter {
                writeln!(f, "  order counter: {n}")?;
            }
            if !t.roundings.is_empty() {
                let list: Vec<String> = t
                    .roundings
                    .iter()
                    .map(|(k, v)| format!("{k} {v}"))
                    .collect();
                writeln!(
                    f,
                    "  roundings: {} ({})",
                    t.roundings_total(),
                    list.join(", ")
                )?;
            }
            if !t.anomalies.is_empty() {
                writeln!(f, "  anomalies ({}):", t.anomalies.len())?;
                for a in &t.anomalies {
                    writeln!(
                        f,
                        "    {} {} {}: {} [{}]",
                        a.kind, a.entity, a.old_id, a.detail, a.action
                    )?;
                }
            }
            if let Some(v) = &t.verification {
                writeln!(f, "  verification:")?;
                for l in &v.lines {
                    writeln!(
                        f,
                        "    {:<15} {:<40} old {:>14}  new {:>14}  {}",
                        l.what, l.key, l.old, l.new, l.status
                    )?;
                }
                if v.differences.is_empty() {
                    writeln!(f, "  verification clean")?;
                } else {
                    writeln!(
                        f,
                        "  verification: {} UNEXPLAINED DIFFERENCE(S)",
                        v.differences.len()
                    )?;
                }
            }
        }
        Ok(())
    }
}
