//! One old tenant into ours, in the caller's transaction: entity by entity in dependency order, each
//! old row inserted (and its new id kept in `import_map`) or, when mapped by an earlier run, updated
//! where it differs; then the derived state recomputed set-based, as the app keeps it.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use shared::domain::Username;
use shared::domain::amount::ROUNDING;
use shared::domain::permissions::{ADMIN, MANAGER, STAFF, SYSTEM_ROLES, system_role_permissions};
use tokio_postgres::types::{FromSql, ToSql};
use tokio_postgres::{Row, Statement, Transaction};

use crate::convert::{self, Roundings};
use crate::report::{Anomaly, RoleMapping, TenantReport};
use crate::{ImportError, Options, new_err, old_err, verify};

type Val = Box<dyn ToSql + Sync + Send>;

fn v<T: ToSql + Sync + Send + 'static>(x: T) -> Val {
    Box::new(x)
}

/// The old tables the import reads row by row, with ours they become, in dependency order.
pub const ENTITIES: &[(&str, &str)] = &[
    ("tenants", "tenants"),
    ("roles", "roles"),
    ("users", "users"),
    ("companies", "companies"),
    ("contacts", "contacts"),
    ("addresses", "addresses"),
    ("lookup_values", "lookup_values"),
    ("metals", "metals"),
    ("supplies", "supplies"),
    ("departments", "departments"),
    ("orders", "orders"),
    ("order_line_items", "order_line_items"),
    ("shipments", "shipments"),
    ("department_ledger_entries", "department_ledger_entries"),
    ("metal_transactions", "metal_transactions"),
];

/// The columns the import needs that not every old database has: the old migrations (fax,
/// default_address_id) and the ORM (`create_all`) disagree on these (reference-data-model.md).
#[derive(Debug, Clone, Copy, Default)]
pub struct Drift {
    pub fax: bool,
    pub default_address_id: bool,
}

async fn has_column(old: &Transaction<'_>, table: &str, column: &str) -> Result<bool, ImportError> {
    Ok(old
        .query_opt(
            "select 1 from information_schema.columns
              where table_schema = current_schema() and table_name = $1 and column_name = $2",
            &[&table, &column],
        )
        .await
        .map_err(old_err("reading the old schema"))?
        .is_some())
}

/// The old database is at alembic head `006_add_username` (users.username, metals.metal_type and
/// order_line_items exist); anything older is refused with what is missing.
pub async fn check_old_schema(old: &Transaction<'_>) -> Result<Drift, ImportError> {
    for (table, column) in [
        ("users", "username"),
        ("metals", "metal_type"),
        ("order_line_items", "order_id"),
        ("department_ledger_entries", "fine_weight"),
        ("metal_transactions", "transaction_type"),
        ("safe_supplies", "supply_type"),
    ] {
        if !has_column(old, table, column).await? {
            return Err(ImportError::Old(format!(
                "{table}.{column} is missing: the import reads the schema of the old service's \
                 migrations up to 006_add_username (run its `alembic upgrade head` first)"
            )));
        }
    }
    Ok(Drift {
        fax: has_column(old, "companies", "fax").await?,
        default_address_id: has_column(old, "companies", "default_address_id").await?,
    })
}

fn get<'r, T: FromSql<'r>>(row: &'r Row, col: &str) -> Result<T, ImportError> {
    row.try_get(col)
        .map_err(|e| ImportError::Old(format!("reading column {col}: {e}")))
}

/// `col` of the old table as `timestamptz`: the naive value read in the run's zone ($2).
fn ts(col: &str) -> String {
    format!("({col} at time zone $2::text) as {col}")
}

/// As [`ts`], for our NOT NULL columns: a missing old value becomes the snapshot's time.
fn ts_nn(col: &str) -> String {
    format!("coalesce({col} at time zone $2::text, now()) as {col}")
}

enum Ref {
    Null,
    Id(i64),
    /// The old row it points at was skipped by this run.
    Skipped,
    /// Not one of this tenant's rows: another tenant's (the old schema's single-column foreign
    /// keys allowed it; our composite keys do not).
    Foreign,
}

struct Prepared {
    entity: &'static str,
    ncols: usize,
    insert: Statement,
    update: Statement,
}

pub(crate) struct Run<'a, 'o, 'n> {
    opts: &'a Options,
    old: &'a Transaction<'o>,
    new: &'a Transaction<'n>,
    old_tenant: i64,
    /// The old tenant's identity in `import_map` (see [`source_of`]).
    source: String,
    tenant: i64,
    drift: Drift,
    map: HashMap<String, HashMap<i64, i64>>,
    skipped: HashSet<(&'static str, i64)>,
    report: TenantReport,
    round: Roundings,
}

/// Import one old tenant (`opts.dry_run` is the caller's business: it rolls the transaction back).
pub async fn import_tenant(
    opts: &Options,
    old: &Transaction<'_>,
    new: &Transaction<'_>,
    old_tenant: i64,
) -> Result<TenantReport, ImportError> {
    let drift = check_old_schema(old).await?;
    // Contract with the audit trail (migration 0010): no per-row audit entries for this
    // transaction; `record_run` writes the one entry of the run.
    new.execute("select audit_bulk_begin()", &[])
        .await
        .map_err(new_err("audit_bulk_begin()"))?;
    let mut run = Run {
        opts,
        old,
        new,
        old_tenant,
        source: source_of(old, old_tenant).await?,
        tenant: 0,
        drift,
        map: HashMap::new(),
        skipped: HashSet::new(),
        report: TenantReport::new(old_tenant),
        round: Roundings::default(),
    };
    run.report.source = run.source.clone();
    // Two runs of the same old tenant at once would both insert its rows; the second waits for
    // the first's commit and then finds them in import_map.
    new.execute(
        "select pg_advisory_xact_lock(hashtextextended('import ' || $1, 0))",
        &[&run.source],
    )
    .await
    .map_err(new_err("locking the old tenant's import"))?;
    run.load_map().await?;
    if let Err(stop) = run.tenant().await? {
        run.report.stopped = Some(stop);
        return Ok(run.report);
    }
    run.roles().await?;
    if let Err(stop) = run.users().await? {
        run.report.stopped = Some(stop);
        return Ok(run.report);
    }
    run.companies().await?;
    run.contacts().await?;
    run.addresses().await?;
    run.lookup_values().await?;
    run.metals().await?;
    run.supplies().await?;
    run.departments().await?;
    run.orders().await?;
    run.line_items().await?;
    run.shipments().await?;
    run.ledger_entries().await?;
    run.metal_transactions().await?;
    run.casting_deductions().await?;
    run.finish().await?;
    run.report.roundings = std::mem::take(&mut run.round.0);
    let listed = run.report.anomalies.clone();
    run.report.verification =
        Some(verify::tenant(old, new, old_tenant, &run.source, run.tenant, &listed).await?);
    Ok(run.report)
}

/// Which old tenant this is, across old databases: its id and its creation time, which the old
/// service sets once (no endpoint changes it). Every manufacturer's own old database starts at
/// tenant 1; the id alone would map the second one onto the first.
pub async fn source_of(old: &Transaction<'_>, old_tenant: i64) -> Result<String, ImportError> {
    old.query_one(
        "select id::text || '@' || coalesce(created_at::text, subdomain) as source
           from tenants where id = $1::int8",
        &[&old_tenant],
    )
    .await
    .and_then(|r| r.try_get("source"))
    .map_err(old_err("identifying the old tenant"))
}

/// The run's row in `import_runs` and its single audit entry.
pub async fn record_run(
    new: &Transaction<'_>,
    report: &TenantReport,
    fixed: bool,
) -> Result<(), ImportError> {
    let tenant = report
        .tenant_id
        .ok_or_else(|| ImportError::New("a finished tenant run has no tenant id".into()))?;
    let full = serde_json::to_value(report)
        .map_err(|e| ImportError::New(format!("serialising the report: {e}")))?;
    new.execute(
        "insert into import_runs (tenant_id, source, old_tenant_id, fixed, report)
         values ($1, $2, $3, $4, $5)",
        &[
            &tenant,
            &report.source,
            &report.old_tenant_id,
            &fixed,
            &full,
        ],
    )
    .await
    .map_err(new_err("recording the run"))?;
    let counts: serde_json::Map<String, serde_json::Value> = report
        .entities
        .iter()
        .map(|(k, c)| (k.clone(), serde_json::json!(c)))
        .collect();
    let summary = serde_json::json!({
        "old_tenant_id": report.old_tenant_id,
        "source": report.source,
        "fix": fixed,
        "counts": counts,
        "anomalies": report.anomalies.len(),
        "roundings": report.roundings_total(),
    });
    new.execute(
        "insert into audit_log (tenant_id, action, entity_type, entity_id, endpoint, after)
         values ($1, 'import', 'tenant', $1, 'import', $2)",
        &[&tenant, &summary],
    )
    .await
    .map_err(new_err("writing the audit entry"))?;
    Ok(())
}

impl Run<'_, '_, '_> {
    async fn old_rows(&self, what: &str, sql: &str) -> Result<Vec<Row>, ImportError> {
        let rows = if sql.contains("$2") {
            self.old
                .query(sql, &[&self.old_tenant, &self.opts.zone])
                .await
        } else {
            self.old.query(sql, &[&self.old_tenant]).await
        };
        rows.map_err(old_err(what))
    }

    async fn load_map(&mut self) -> Result<(), ImportError> {
        let rows = self
            .new
            .query(
                "select entity, old_id, new_id from import_map where source = $1",
                &[&self.source],
            )
            .await
            .map_err(new_err("reading import_map"))?;
        for r in &rows {
            let entity: String = r.try_get("entity").map_err(new_err("import_map"))?;
            let old: i64 = r.try_get("old_id").map_err(new_err("import_map"))?;
            let new: i64 = r.try_get("new_id").map_err(new_err("import_map"))?;
            self.map.entry(entity).or_default().insert(old, new);
        }
        Ok(())
    }

    fn mapped(&self, entity: &str, old: i64) -> Option<i64> {
        self.map.get(entity).and_then(|m| m.get(&old)).copied()
    }

    fn lookup(&self, entity: &'static str, old: Option<i64>) -> Ref {
        match old {
            None => Ref::Null,
            Some(o) => match self.mapped(entity, o) {
                Some(id) => Ref::Id(id),
                None if self.skipped.contains(&(entity, o)) => Ref::Skipped,
                None => Ref::Foreign,
            },
        }
    }

    /// The new ids of `refs` (field, entity, old id), or why the row cannot be imported.
    fn resolve(
        &self,
        refs: &[(&str, &'static str, Option<i64>)],
    ) -> Result<Vec<Option<i64>>, (String, String)> {
        let mut out = Vec::new();
        for (field, entity, old) in refs {
            match self.lookup(entity, *old) {
                Ref::Null => out.push(None),
                Ref::Id(id) => out.push(Some(id)),
                Ref::Skipped => {
                    return Err((
                        "depends_on_skipped".into(),
                        format!(
                            "{field} {} is a skipped {entity} row",
                            old.unwrap_or_default()
                        ),
                    ));
                }
                Ref::Foreign => {
                    return Err((
                        "cross_tenant_reference".into(),
                        format!(
                            "{field} {} is not a {entity} row of this tenant",
                            old.unwrap_or_default()
                        ),
                    ));
                }
            }
        }
        Ok(out)
    }

    fn anomaly(&mut self, kind: &str, entity: &str, old_id: i64, detail: String, action: &str) {
        self.report.anomalies.push(Anomaly {
            kind: kind.into(),
            entity: entity.into(),
            old_id,
            metal_id: None,
            detail,
            action: action.into(),
        });
    }

    fn skip(&mut self, entity: &'static str, old_id: i64, (kind, detail): (String, String)) {
        self.skipped.insert((entity, old_id));
        self.count(entity).skipped += 1;
        self.anomaly(&kind, entity, old_id, detail, "skipped");
    }

    fn count(&mut self, entity: &str) -> &mut crate::EntityCount {
        self.report.entities.entry(entity.to_string()).or_default()
    }

    fn round(&mut self, column: &str, raw: Option<f64>, scale: u32) -> Option<Decimal> {
        self.round.round(column, raw, scale)
    }

    async fn prepare(
        &self,
        entity: &'static str,
        table: &str,
        cols: &[&str],
        insert_only: &[&str],
    ) -> Result<Prepared, ImportError> {
        let all: Vec<&str> = cols.iter().chain(insert_only).copied().collect();
        // The row and its import_map entry in one statement: one round trip per new row.
        let n = all.len();
        let insert = format!(
            "with ins as (insert into {table} (tenant_id, {}) values ($1, {}) returning id)
             insert into import_map (source, old_tenant_id, entity, old_id, tenant_id, new_id)
             select ${}, ${}, ${}, ${}, $1, id from ins returning new_id as id",
            all.join(", "),
            (2..n + 2)
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", "),
            n + 2,
            n + 3,
            n + 4,
            n + 5
        );
        let params: Vec<String> = (3..cols.len() + 3).map(|i| format!("${i}")).collect();
        let update = format!(
            "update {table} set ({cols}) = row({params})
              where tenant_id = $1 and id = $2 and ({cols}) is distinct from ({params})",
            cols = cols.join(", "),
            params = params.join(", ")
        );
        Ok(Prepared {
            entity,
            ncols: cols.len(),
            insert: self
                .new
                .prepare(&insert)
                .await
                .map_err(new_err(&format!("preparing the insert into {table}")))?,
            update: self
                .new
                .prepare(&update)
                .await
                .map_err(new_err(&format!("preparing the update of {table}")))?,
        })
    }

    async fn remember(
        &mut self,
        entity: &str,
        old_id: i64,
        new_id: i64,
    ) -> Result<(), ImportError> {
        self.new
            .execute(
                "insert into import_map (source, old_tenant_id, entity, old_id, tenant_id, new_id)
                 values ($1, $2, $3, $4, $5, $6)",
                &[
                    &self.source,
                    &self.old_tenant,
                    &entity,
                    &old_id,
                    &self.tenant,
                    &new_id,
                ],
            )
            .await
            .map_err(new_err("writing import_map"))?;
        self.map
            .entry(entity.to_string())
            .or_default()
            .insert(old_id, new_id);
        Ok(())
    }

    /// Insert the row (first run) or update it where it differs (later runs). `vals` are the
    /// updatable columns followed by the insert-only ones.
    async fn upsert(
        &mut self,
        p: &Prepared,
        old_id: i64,
        vals: Vec<Val>,
    ) -> Result<i64, ImportError> {
        let what = p.entity;
        if let Some(id) = self.mapped(what, old_id) {
            let mut params: Vec<&(dyn ToSql + Sync)> = vec![&self.tenant, &id];
            params.extend(
                vals[..p.ncols]
                    .iter()
                    .map(|x| x.as_ref() as &(dyn ToSql + Sync)),
            );
            let n = self
                .new
                .execute(&p.update, &params)
                .await
                .map_err(new_err(&format!("updating {what} (old id {old_id})")))?;
            if n > 0 {
                self.count(what).updated += 1;
            } else {
                self.count(what).unchanged += 1;
            }
            return Ok(id);
        }
        let entity = what.to_string();
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![&self.tenant];
        params.extend(vals.iter().map(|x| x.as_ref() as &(dyn ToSql + Sync)));
        params.extend([
            &self.source as &(dyn ToSql + Sync),
            &self.old_tenant,
            &entity,
            &old_id,
        ]);
        let row = self
            .new
            .query_one(&p.insert, &params)
            .await
            .map_err(new_err(&format!("inserting {what} (old id {old_id})")))?;
        let id: i64 = row.try_get("id").map_err(new_err("reading the new id"))?;
        self.map.entry(entity).or_default().insert(old_id, id);
        self.count(what).inserted += 1;
        Ok(id)
    }

    /// [`Self::upsert`] for many rows, sent as one pipeline per chunk (tokio-postgres queues
    /// concurrent statements on the connection), so a large tenant does not wait one round trip
    /// per row. The rows of one entity never refer to each other.
    async fn upsert_all(
        &mut self,
        p: &Prepared,
        rows: Vec<(i64, Vec<Val>)>,
    ) -> Result<(), ImportError> {
        const CHUNK: usize = 256;
        let what = p.entity;
        let entity = what.to_string();
        let (updates, inserts): (Vec<_>, Vec<_>) = rows
            .into_iter()
            .map(|(old_id, vals)| (old_id, self.mapped(what, old_id), vals))
            .partition(|(_, id, _)| id.is_some());
        for chunk in updates.chunks(CHUNK) {
            let (new, tenant) = (self.new, &self.tenant);
            let done = futures_util::future::try_join_all(chunk.iter().map(
                |(old_id, id, vals)| async move {
                    let id = id.unwrap_or_default();
                    let mut params: Vec<&(dyn ToSql + Sync)> = vec![tenant, &id];
                    params.extend(
                        vals[..p.ncols]
                            .iter()
                            .map(|x| x.as_ref() as &(dyn ToSql + Sync)),
                    );
                    new.execute(&p.update, &params)
                        .await
                        .map_err(new_err(&format!("updating {what} (old id {old_id})")))
                },
            ))
            .await?;
            for n in done {
                if n > 0 {
                    self.count(what).updated += 1;
                } else {
                    self.count(what).unchanged += 1;
                }
            }
        }
        for chunk in inserts.chunks(CHUNK) {
            let (new, tenant, source, old_tenant, entity) = (
                self.new,
                &self.tenant,
                &self.source,
                &self.old_tenant,
                &entity,
            );
            let ids = futures_util::future::try_join_all(chunk.iter().map(
                |(old_id, _, vals)| async move {
                    let mut params: Vec<&(dyn ToSql + Sync)> = vec![tenant];
                    params.extend(vals.iter().map(|x| x.as_ref() as &(dyn ToSql + Sync)));
                    params.extend([source as &(dyn ToSql + Sync), old_tenant, entity, old_id]);
                    let row = new
                        .query_one(&p.insert, &params)
                        .await
                        .map_err(new_err(&format!("inserting {what} (old id {old_id})")))?;
                    row.try_get::<_, i64>("id")
                        .map(|id| (*old_id, id))
                        .map_err(new_err("reading the new id"))
                },
            ))
            .await?;
            let m = self.map.entry(entity.clone()).or_default();
            for (old_id, id) in &ids {
                m.insert(*old_id, *id);
            }
            self.count(what).inserted += ids.len() as u64;
        }
        Ok(())
    }

    // ---------------------------------------------------------------------------------------
    // Tenancy and identity
    // ---------------------------------------------------------------------------------------

    async fn tenant(&mut self) -> Result<Result<(), String>, ImportError> {
        let rows = self
            .old_rows(
                "tenants",
                &format!(
                    "select name, subdomain, coalesce(is_active, true) as is_active, {}, {}
                       from tenants where id = $1::int8",
                    ts_nn("created_at"),
                    ts_nn("updated_at")
                ),
            )
            .await?;
        let row = rows
            .first()
            .ok_or_else(|| ImportError::Old(format!("tenant {} vanished", self.old_tenant)))?;
        let name: String = get(row, "name")?;
        let subdomain: String = get(row, "subdomain")?;
        let active: bool = get(row, "is_active")?;
        let created: DateTime<Utc> = get(row, "created_at")?;
        self.count("tenants").old = 1;
        let taken_by: Option<i64> = self
            .new
            .query_opt("select id from tenants where subdomain = $1", &[&subdomain])
            .await
            .map_err(new_err("checking the subdomain"))?
            .map(|r| r.try_get("id"))
            .transpose()
            .map_err(new_err("checking the subdomain"))?;
        let mapped = self.mapped("tenants", self.old_tenant);
        match mapped {
            Some(id) => {
                let exists = self
                    .new
                    .query_opt("select 1 from tenants where id = $1", &[&id])
                    .await
                    .map_err(new_err("finding the imported tenant"))?;
                if exists.is_none() {
                    return Ok(Err(format!(
                        "tenant {id}, which an earlier run imported this tenant into, no longer exists"
                    )));
                }
                self.tenant = id;
                // A subdomain another tenant took meanwhile stays ours as it was.
                let subdomain_free = taken_by.is_none_or(|t| t == id);
                let n = self
                    .new
                    .execute(
                        "update tenants set name = $2, is_active = $3,
                                subdomain = case when $5 then $4 else subdomain end
                          where id = $1
                            and (name, is_active, subdomain)
                                is distinct from ($2, $3, case when $5 then $4 else subdomain end)",
                        &[&id, &name, &active, &subdomain, &subdomain_free],
                    )
                    .await
                    .map_err(new_err("updating the tenant"))?;
                if n > 0 {
                    self.count("tenants").updated += 1;
                } else {
                    self.count("tenants").unchanged += 1;
                }
            }
            None => {
                if let Some(other) = taken_by {
                    return Ok(Err(format!(
                        "subdomain '{subdomain}' is taken by tenant {other} of this database"
                    )));
                }
                // tenant_create also makes the order counter, as sign-up does.
                let row = self
                    .new
                    .query_one("select tenant_create($1, $2) as id", &[&name, &subdomain])
                    .await
                    .map_err(new_err("creating the tenant"))?;
                let id: i64 = row.try_get("id").map_err(new_err("creating the tenant"))?;
                self.new
                    .execute(
                        "update tenants set is_active = $2, created_at = $3 where id = $1",
                        &[&id, &active, &created],
                    )
                    .await
                    .map_err(new_err("creating the tenant"))?;
                self.tenant = id;
                self.remember("tenants", self.old_tenant, id).await?;
                self.count("tenants").inserted += 1;
            }
        }
        self.report.tenant_id = Some(self.tenant);
        // Row-level defaults (tenant_id of role_permissions) and enter_tenant-based code see it.
        self.new
            .execute("select enter_tenant($1)", &[&self.tenant])
            .await
            .map_err(new_err("enter_tenant"))?;
        Ok(Ok(()))
    }

    /// The system roles a signed-up tenant gets (same names, descriptions and permissions), then
    /// each old role mapped onto one of them by name.
    async fn system_roles(&mut self) -> Result<HashMap<String, i64>, ImportError> {
        let mut out = HashMap::new();
        for role in SYSTEM_ROLES {
            let existing = self
                .new
                .query_opt(
                    "select id from roles where tenant_id = $1 and name = $2",
                    &[&self.tenant, &role.name],
                )
                .await
                .map_err(new_err("reading the roles"))?;
            let id: i64 = match existing {
                Some(r) => r.try_get("id").map_err(new_err("reading the roles"))?,
                None => {
                    let r = self
                        .new
                        .query_one(
                            "insert into roles (tenant_id, name, description, is_system_role)
                             values ($1, $2, $3, true) returning id",
                            &[&self.tenant, &role.name, &role.description],
                        )
                        .await
                        .map_err(new_err("creating the system roles"))?;
                    let id: i64 = r
                        .try_get("id")
                        .map_err(new_err("creating the system roles"))?;
                    let perms: Vec<String> = system_role_permissions(role.name)
                        .iter()
                        .map(|p| p.to_string())
                        .collect();
                    self.new
                        .execute(
                            "insert into role_permissions (tenant_id, role_id, permission_id)
                             select $1, $2, p.id from permissions p where p.name = any($3)",
                            &[&self.tenant, &id, &perms],
                        )
                        .await
                        .map_err(new_err("granting the system roles' permissions"))?;
                    id
                }
            };
            out.insert(role.name.to_string(), id);
        }
        Ok(out)
    }

    async fn roles(&mut self) -> Result<(), ImportError> {
        let system = self.system_roles().await?;
        let staff = system
            .get(STAFF)
            .copied()
            .ok_or_else(|| ImportError::New("system role staff missing".into()))?;
        let rows = self
            .old_rows(
                "roles",
                "select r.id::int8 as id, r.name,
                        (select count(*) from users u where u.role_id = r.id and u.tenant_id = r.tenant_id) as users
                   from roles r where r.tenant_id = $1::int8 order by r.id",
            )
            .await?;
        for row in &rows {
            let old_id: i64 = get(row, "id")?;
            let name: String = get(row, "name")?;
            let users: i64 = get(row, "users")?;
            // The old service's only authorisation rule: the role name, lower-cased.
            let target = match name.trim().to_lowercase().as_str() {
                ADMIN => ADMIN,
                MANAGER => MANAGER,
                _ => STAFF,
            };
            let id = system.get(target).copied().unwrap_or(staff);
            self.count("roles").old += 1;
            match self.mapped("roles", old_id) {
                Some(prev) if prev == id => self.count("roles").unchanged += 1,
                Some(_) => {
                    self.new
                        .execute(
                            "update import_map set new_id = $4
                              where source = $1 and entity = $2 and old_id = $3",
                            &[&self.source, &"roles", &old_id, &id],
                        )
                        .await
                        .map_err(new_err("re-mapping a role"))?;
                    if let Some(m) = self.map.get_mut("roles") {
                        m.insert(old_id, id);
                    }
                    self.count("roles").updated += 1;
                }
                None => {
                    self.remember("roles", old_id, id).await?;
                    self.count("roles").inserted += 1;
                }
            }
            self.report.roles.push(RoleMapping {
                old_role_id: Some(old_id),
                old_name: name,
                users: users as u64,
                mapped_to: target.into(),
            });
        }
        let roleless = self
            .old_rows(
                "users without a role",
                "select count(*) as n from users where tenant_id = $1::int8 and role_id is null",
            )
            .await?;
        let n: i64 = roleless
            .first()
            .map(|r| get(r, "n"))
            .transpose()?
            .unwrap_or(0);
        if n > 0 {
            self.report.roles.push(RoleMapping {
                old_role_id: None,
                old_name: "(no role)".into(),
                users: n as u64,
                mapped_to: STAFF.into(),
            });
        }
        Ok(())
    }

    /// A free valid username for `raw` (lower-cased; characters our rules refuse become `_`; too
    /// short is padded, too long cut; a clash gets `-<old id>`).
    fn renamed(raw: &str, old_id: i64, attempt: u32) -> String {
        let mut base: String = raw
            .trim()
            .to_lowercase()
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || "._-@+".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        while base.chars().count() < Username::MIN_CHARS {
            base.push('_');
        }
        let suffix = match attempt {
            0 => String::new(),
            1 => format!("-{old_id}"),
            n => format!("-{old_id}-{n}"),
        };
        let keep = Username::MAX_CHARS - suffix.chars().count();
        let cut: String = base.chars().take(keep).collect();
        format!("{cut}{suffix}")
    }

    async fn username_owner(&self, name: &str) -> Result<Option<i64>, ImportError> {
        self.new
            .query_opt("select id from users where username = $1", &[&name])
            .await
            .map_err(new_err("checking usernames"))?
            .map(|r| r.try_get("id"))
            .transpose()
            .map_err(new_err("checking usernames"))
    }

    async fn users(&mut self) -> Result<Result<(), String>, ImportError> {
        let staff = self
            .new
            .query_one(
                "select id from roles where tenant_id = $1 and name = $2",
                &[&self.tenant, &STAFF],
            )
            .await
            .map_err(new_err("finding the staff role"))?
            .try_get::<_, i64>("id")
            .map_err(new_err("finding the staff role"))?;
        let rows = self
            .old_rows(
                "users",
                &format!(
                    "select id::int8 as id, role_id::int8 as role_id, username, email, hashed_password,
                            full_name, coalesce(is_active, true) as is_active,
                            coalesce(failed_login_attempts, 0) as failed_login_attempts,
                            {}, {}, {}, {}
                       from users where tenant_id = $1::int8 order by id",
                    ts("locked_until"),
                    ts("last_failed_login"),
                    ts_nn("created_at"),
                    ts_nn("updated_at")
                ),
            )
            .await?;
        let p = self
            .prepare(
                "users",
                "users",
                &[
                    "role_id",
                    "username",
                    "email",
                    "hashed_password",
                    "full_name",
                    "is_active",
                    "failed_login_attempts",
                    "locked_until",
                    "last_failed_login",
                ],
                &["created_at", "updated_at"],
            )
            .await?;
        let mut problems = Vec::new();
        let mut assigned: HashSet<String> = HashSet::new();
        let mut cross_role = 0u64;
        let mut batch = Vec::new();
        for row in &rows {
            let old_id: i64 = get(row, "id")?;
            self.count("users").old += 1;
            let raw: String = get(row, "username")?;
            let own = self.mapped("users", old_id);
            let valid = Username::parse(&raw).ok().map(|u| u.as_str().to_string());
            let mut name = match &valid {
                Some(n) => n.clone(),
                None => Self::renamed(&raw, old_id, 0),
            };
            let mut clash = false;
            let mut attempt = 0;
            loop {
                let owner = self.username_owner(&name).await?;
                let taken = assigned.contains(&name) || owner.is_some_and(|o| Some(o) != own);
                if !taken {
                    break;
                }
                clash = true;
                attempt += 1;
                name = Self::renamed(&raw, old_id, attempt);
                if attempt > 20 {
                    break;
                }
            }
            if valid.is_none() || clash {
                let why = match (&valid, clash) {
                    (None, _) => {
                        "breaks our rules (3 to 50 letters, digits or . _ - @ +)".to_string()
                    }
                    (Some(lower), _) => {
                        format!("'{lower}' is taken (usernames are case-insensitive and global)")
                    }
                };
                if !self.opts.rename_invalid {
                    problems.push(format!("user {old_id} '{raw}': {why}"));
                    continue;
                }
                let kind = if valid.is_none() {
                    "invalid_username"
                } else {
                    "username_clash"
                };
                self.anomaly(
                    kind,
                    "users",
                    old_id,
                    format!("'{raw}': {why}"),
                    &format!("renamed to '{name}'"),
                );
            }
            assigned.insert(name.clone());
            let role = match self.lookup("roles", get(row, "role_id")?) {
                Ref::Id(id) => id,
                Ref::Foreign => {
                    cross_role += 1;
                    staff
                }
                Ref::Null | Ref::Skipped => staff,
            };
            let vals = vec![
                v(role),
                v(name),
                v(get::<Option<String>>(row, "email")?),
                v(get::<String>(row, "hashed_password")?),
                v(get::<Option<String>>(row, "full_name")?),
                v(get::<bool>(row, "is_active")?),
                v(get::<i32>(row, "failed_login_attempts")?.max(0)),
                v(get::<Option<DateTime<Utc>>>(row, "locked_until")?),
                v(get::<Option<DateTime<Utc>>>(row, "last_failed_login")?),
                v(get::<DateTime<Utc>>(row, "created_at")?),
                v(get::<DateTime<Utc>>(row, "updated_at")?),
            ];
            batch.push((old_id, vals));
        }
        self.upsert_all(&p, batch).await?;
        if cross_role > 0 {
            self.report.roles.push(RoleMapping {
                old_role_id: None,
                old_name: "(a role of another tenant)".into(),
                users: cross_role,
                mapped_to: STAFF.into(),
            });
        }
        if !problems.is_empty() {
            return Ok(Err(format!(
                "usernames that break our rules (3-50 letters, digits or . _ - @ +, unique once \
                 lower-cased); rerun with --rename-invalid to map them: {}",
                problems.join("; ")
            )));
        }
        Ok(Ok(()))
    }

    // ---------------------------------------------------------------------------------------
    // CRM
    // ---------------------------------------------------------------------------------------

    async fn companies(&mut self) -> Result<(), ImportError> {
        let fax = if self.drift.fax {
            "fax"
        } else {
            "null::text as fax"
        };
        let rows = self
            .old_rows(
                "companies",
                &format!(
                    "select id::int8 as id, name, address, phone, email, {fax}, {}, {}
                       from companies where tenant_id = $1::int8 order by id",
                    ts_nn("created_at"),
                    ts_nn("updated_at")
                ),
            )
            .await?;
        let p = self
            .prepare(
                "companies",
                "companies",
                &["name", "address", "phone", "email"],
                &["created_at", "updated_at"],
            )
            .await?;
        let mut batch = Vec::new();
        for row in &rows {
            let old_id: i64 = get(row, "id")?;
            self.count("companies").old += 1;
            if let Some(fax) = get::<Option<String>>(row, "fax")?.filter(|f| !f.trim().is_empty()) {
                // Our schema (like the old ORM and API) has no fax column.
                self.anomaly(
                    "dropped_value",
                    "companies",
                    old_id,
                    format!("fax '{fax}' (a column of the old migrations only)"),
                    "imported without it",
                );
            }
            let vals = vec![
                v(get::<String>(row, "name")?),
                v(get::<Option<String>>(row, "address")?),
                v(get::<Option<String>>(row, "phone")?),
                v(get::<Option<String>>(row, "email")?),
                v(get::<DateTime<Utc>>(row, "created_at")?),
                v(get::<DateTime<Utc>>(row, "updated_at")?),
            ];
            batch.push((old_id, vals));
        }
        self.upsert_all(&p, batch).await?;
        Ok(())
    }

    async fn contacts(&mut self) -> Result<(), ImportError> {
        let rows = self
            .old_rows(
                "contacts",
                &format!(
                    "select id::int8 as id, company_id::int8 as company_id, name, email, phone, {}, {}
                       from contacts where tenant_id = $1::int8 order by id",
                    ts_nn("created_at"),
                    ts_nn("updated_at")
                ),
            )
            .await?;
        let p = self
            .prepare(
                "contacts",
                "contacts",
                &["company_id", "name", "email", "phone"],
                &["created_at", "updated_at"],
            )
            .await?;
        let mut batch = Vec::new();
        for row in &rows {
            let old_id: i64 = get(row, "id")?;
            self.count("contacts").old += 1;
            let refs = match self.resolve(&[("company_id", "companies", get(row, "company_id")?)]) {
                Ok(r) => r,
                Err(why) => {
                    self.skip("contacts", old_id, why);
                    continue;
                }
            };
            let vals = vec![
                v(refs[0]),
                v(get::<String>(row, "name")?),
                v(get::<Option<String>>(row, "email")?),
                v(get::<Option<String>>(row, "phone")?),
                v(get::<DateTime<Utc>>(row, "created_at")?),
                v(get::<DateTime<Utc>>(row, "updated_at")?),
            ];
            batch.push((old_id, vals));
        }
        self.upsert_all(&p, batch).await?;
        Ok(())
    }

    async fn addresses(&mut self) -> Result<(), ImportError> {
        let default_of = if self.drift.default_address_id {
            "exists (select 1 from companies c where c.default_address_id = a.id)"
        } else {
            "false"
        };
        // Non-defaults first, so a default that moved between runs is released before it is
        // taken (our unique index allows one default per company).
        let rows = self
            .old_rows(
                "addresses",
                &format!(
                    "select a.id::int8 as id, a.company_id::int8 as company_id, a.street_address, a.city,
                            a.state, a.zip_code, a.country, (a.is_default or {default_of}) as is_default,
                            coalesce(a.created_at at time zone $2::text, now()) as created_at
                       from addresses a where a.tenant_id = $1::int8 order by 8, a.id"
                ),
            )
            .await?;
        let p = self
            .prepare(
                "addresses",
                "addresses",
                &[
                    "company_id",
                    "street_address",
                    "city",
                    "state",
                    "zip_code",
                    "country",
                    "is_default",
                ],
                &["created_at", "updated_at"],
            )
            .await?;
        let mut defaults: HashSet<i64> = HashSet::new();
        let mut batch = Vec::new();
        for row in &rows {
            let old_id: i64 = get(row, "id")?;
            self.count("addresses").old += 1;
            let refs = match self.resolve(&[("company_id", "companies", get(row, "company_id")?)]) {
                Ok(r) => r,
                Err(why) => {
                    self.skip("addresses", old_id, why);
                    continue;
                }
            };
            let company = refs[0].unwrap_or_default();
            let mut is_default: bool = get(row, "is_default")?;
            if is_default && !defaults.insert(company) {
                self.anomaly(
                    "second_default_address",
                    "addresses",
                    old_id,
                    "its company already has a default address".into(),
                    "imported as not default",
                );
                is_default = false;
            }
            let created: DateTime<Utc> = get(row, "created_at")?;
            let vals = vec![
                v(refs[0]),
                v(get::<String>(row, "street_address")?),
                v(get::<String>(row, "city")?),
                v(get::<String>(row, "state")?),
                v(get::<String>(row, "zip_code")?),
                v(get::<String>(row, "country")?),
                v(is_default),
                v(created),
                v(created),
            ];
            batch.push((old_id, vals));
        }
        self.upsert_all(&p, batch).await?;
        Ok(())
    }

    // ---------------------------------------------------------------------------------------
    // Catalogue and inventory
    // ---------------------------------------------------------------------------------------

    async fn lookup_values(&mut self) -> Result<(), ImportError> {
        let rows = self
            .old_rows(
                "lookup_values",
                &format!(
                    "select id::int8 as id, category, upper(code) as code, display_label, sort_order,
                            is_active, {}, {}
                       from lookup_values where tenant_id = $1::int8 order by id",
                    ts_nn("created_at"),
                    ts_nn("updated_at")
                ),
            )
            .await?;
        let p = self
            .prepare(
                "lookup_values",
                "lookup_values",
                &[
                    "category",
                    "code",
                    "display_label",
                    "sort_order",
                    "is_active",
                ],
                &["created_at", "updated_at"],
            )
            .await?;
        let mut batch = Vec::new();
        for row in &rows {
            let old_id: i64 = get(row, "id")?;
            self.count("lookup_values").old += 1;
            let vals = vec![
                v(get::<String>(row, "category")?),
                v(get::<String>(row, "code")?),
                v(get::<String>(row, "display_label")?),
                v(get::<i32>(row, "sort_order")?),
                v(get::<bool>(row, "is_active")?),
                v(get::<DateTime<Utc>>(row, "created_at")?),
                v(get::<DateTime<Utc>>(row, "updated_at")?),
            ];
            batch.push((old_id, vals));
        }
        self.upsert_all(&p, batch).await?;
        Ok(())
    }

    async fn metals(&mut self) -> Result<(), ImportError> {
        let rows = self
            .old_rows(
                "metals",
                &format!(
                    "select id::int8 as id, upper(code) as code, name, metal_type::text as metal_type,
                            fine_percentage, average_cost_per_gram, is_active, {}, {}
                       from metals where tenant_id = $1::int8 order by id",
                    ts_nn("created_at"),
                    ts_nn("updated_at")
                ),
            )
            .await?;
        let p = self
            .prepare(
                "metals",
                "metals",
                &[
                    "code",
                    "name",
                    "metal_type",
                    "fine_percentage",
                    "average_cost_per_gram",
                    "is_active",
                ],
                &["created_at", "updated_at"],
            )
            .await?;
        let mut batch = Vec::new();
        for row in &rows {
            let old_id: i64 = get(row, "id")?;
            self.count("metals").old += 1;
            let purity = self.round(
                "metals.fine_percentage",
                get(row, "fine_percentage")?,
                convert::PURITY,
            );
            let cost = self.round(
                "metals.average_cost_per_gram",
                get(row, "average_cost_per_gram")?,
                convert::UNIT,
            );
            let vals = vec![
                v(get::<String>(row, "code")?),
                v(get::<String>(row, "name")?),
                v(get::<String>(row, "metal_type")?),
                v(purity.unwrap_or_default()),
                v(cost),
                v(get::<bool>(row, "is_active")?),
                v(get::<DateTime<Utc>>(row, "created_at")?),
                v(get::<DateTime<Utc>>(row, "updated_at")?),
            ];
            batch.push((old_id, vals));
        }
        self.upsert_all(&p, batch).await?;
        Ok(())
    }

    async fn supplies(&mut self) -> Result<(), ImportError> {
        let rows = self
            .old_rows(
                "supplies",
                &format!(
                    "select id::int8 as id, name, type, quantity, unit, cost_per_unit, supplier, notes, {}, {}
                       from supplies where tenant_id = $1::int8 order by id",
                    ts_nn("created_at"),
                    ts_nn("updated_at")
                ),
            )
            .await?;
        let p = self
            .prepare(
                "supplies",
                "supplies",
                &[
                    "name",
                    "type",
                    "quantity",
                    "unit",
                    "cost_per_unit",
                    "supplier",
                    "notes",
                ],
                &["created_at", "updated_at"],
            )
            .await?;
        let mut batch = Vec::new();
        for row in &rows {
            let old_id: i64 = get(row, "id")?;
            self.count("supplies").old += 1;
            let qty = self.round("supplies.quantity", get(row, "quantity")?, convert::UNIT);
            let cost = self.round(
                "supplies.cost_per_unit",
                get(row, "cost_per_unit")?,
                convert::UNIT,
            );
            let vals = vec![
                v(get::<String>(row, "name")?),
                v(get::<String>(row, "type")?),
                v(qty.unwrap_or_default()),
                v(get::<Option<String>>(row, "unit")?),
                v(cost),
                v(get::<Option<String>>(row, "supplier")?),
                v(get::<Option<String>>(row, "notes")?),
                v(get::<DateTime<Utc>>(row, "created_at")?),
                v(get::<DateTime<Utc>>(row, "updated_at")?),
            ];
            batch.push((old_id, vals));
        }
        self.upsert_all(&p, batch).await?;
        Ok(())
    }

    async fn departments(&mut self) -> Result<(), ImportError> {
        let rows = self
            .old_rows(
                "departments",
                &format!(
                    "select id::int8 as id, name, coalesce(is_active, true) as is_active, {}, {}
                       from departments where tenant_id = $1::int8 order by id",
                    ts_nn("created_at"),
                    ts_nn("updated_at")
                ),
            )
            .await?;
        let p = self
            .prepare(
                "departments",
                "departments",
                &["name", "is_active"],
                &["created_at", "updated_at"],
            )
            .await?;
        // Ours are unique per tenant case-insensitively; the old endpoint compared exactly.
        let mut by_name: HashMap<String, (i64, i64)> = HashMap::new();
        for row in &rows {
            let old_id: i64 = get(row, "id")?;
            self.count("departments").old += 1;
            let name: String = get(row, "name")?;
            let key = name.to_lowercase();
            if let Some(&(first_old, first_new)) = by_name.get(&key) {
                if self.mapped("departments", old_id).is_none() {
                    self.remember("departments", old_id, first_new).await?;
                    self.count("departments").inserted += 1;
                } else {
                    self.count("departments").unchanged += 1;
                }
                self.anomaly(
                    "duplicate_department_name",
                    "departments",
                    old_id,
                    format!("'{name}' differs from department {first_old} only in case"),
                    &format!("merged into department {first_old}"),
                );
                continue;
            }
            let vals = vec![
                v(name),
                v(get::<bool>(row, "is_active")?),
                v(get::<DateTime<Utc>>(row, "created_at")?),
                v(get::<DateTime<Utc>>(row, "updated_at")?),
            ];
            let id = self.upsert(&p, old_id, vals).await?;
            by_name.insert(key, (old_id, id));
        }
        Ok(())
    }

    // ---------------------------------------------------------------------------------------
    // Orders and shipments
    // ---------------------------------------------------------------------------------------

    async fn orders(&mut self) -> Result<(), ImportError> {
        let rows = self
            .old_rows(
                "orders",
                &format!(
                    "select o.id::int8 as id, o.order_number, o.contact_id::int8 as contact_id,
                            o.company_id::int8 as company_id, c.company_id::int8 as contact_company,
                            (c.tenant_id = o.tenant_id) as contact_here,
                            o.product_description, o.specifications, coalesce(o.quantity, 1) as quantity,
                            o.price, o.metal_id::int8 as metal_id, o.target_weight_per_piece,
                            o.initial_total_weight, o.labor_cost,
                            coalesce(o.status::text, 'PENDING') as status, {}, {}, {}
                       from orders o left join contacts c on c.id = o.contact_id
                      where o.tenant_id = $1::int8 order by o.id",
                    ts("o.due_date").replace(" as o.due_date", " as due_date"),
                    ts_nn("o.created_at").replace(" as o.created_at", " as created_at"),
                    ts_nn("o.updated_at").replace(" as o.updated_at", " as updated_at")
                ),
            )
            .await?;
        let p = self
            .prepare(
                "orders",
                "orders",
                &[
                    "order_number",
                    "contact_id",
                    "company_id",
                    "product_description",
                    "specifications",
                    "quantity",
                    "price",
                    "metal_id",
                    "target_weight_per_piece",
                    "initial_total_weight",
                    "labor_cost",
                    "status",
                    "due_date",
                ],
                &["created_at", "updated_at"],
            )
            .await?;
        let mut highest = 0i64;
        let mut batch = Vec::new();
        for row in &rows {
            let old_id: i64 = get(row, "id")?;
            self.count("orders").old += 1;
            let number: String = get(row, "order_number")?;
            let mut company_old: Option<i64> = get(row, "company_id")?;
            let contact_company: Option<i64> = get(row, "contact_company")?;
            let contact_here: Option<bool> = get(row, "contact_here")?;
            if contact_here == Some(true) && contact_company != company_old {
                let detail = format!(
                    "company {} but its contact belongs to company {}",
                    company_old.unwrap_or_default(),
                    contact_company.unwrap_or_default()
                );
                if self.opts.fix {
                    self.anomaly(
                        "order_company_mismatch",
                        "orders",
                        old_id,
                        detail,
                        "fixed: company set to the contact's",
                    );
                    company_old = contact_company;
                } else {
                    self.anomaly(
                        "order_company_mismatch",
                        "orders",
                        old_id,
                        detail,
                        "imported as is",
                    );
                }
            }
            let refs = match self.resolve(&[
                ("contact_id", "contacts", get(row, "contact_id")?),
                ("company_id", "companies", company_old),
                ("metal_id", "metals", get(row, "metal_id")?),
            ]) {
                Ok(r) => r,
                Err(why) => {
                    self.skip("orders", old_id, why);
                    continue;
                }
            };
            if let Some(n) = number
                .rsplit('-')
                .next()
                .and_then(|d| d.parse::<i64>().ok())
            {
                highest = highest.max(n);
            }
            let price = self.round("orders.price", get(row, "price")?, convert::MONEY);
            let tw = self.round(
                "orders.target_weight_per_piece",
                get(row, "target_weight_per_piece")?,
                convert::GRAMS,
            );
            let itw = self.round(
                "orders.initial_total_weight",
                get(row, "initial_total_weight")?,
                convert::GRAMS,
            );
            let labor = self.round("orders.labor_cost", get(row, "labor_cost")?, convert::MONEY);
            let vals = vec![
                v(number),
                v(refs[0]),
                v(refs[1]),
                v(get::<Option<String>>(row, "product_description")?),
                v(get::<Option<String>>(row, "specifications")?),
                v(get::<i32>(row, "quantity")?),
                v(price),
                v(refs[2]),
                v(tw),
                v(itw),
                v(labor),
                v(get::<String>(row, "status")?),
                v(get::<Option<DateTime<Utc>>>(row, "due_date")?),
                v(get::<DateTime<Utc>>(row, "created_at")?),
                v(get::<DateTime<Utc>>(row, "updated_at")?),
            ];
            batch.push((old_id, vals));
        }
        self.upsert_all(&p, batch).await?;
        // New numbers continue past the highest old one (legacy 5-digit ones included), never
        // re-issuing an old number even where the old tenant id inside it equals ours.
        let row = self
            .new
            .query_one(
                "update tenant_order_counters set last_number = greatest(last_number, $2)
                  where tenant_id = $1 returning last_number",
                &[&self.tenant, &highest],
            )
            .await
            .map_err(new_err("advancing the order counter"))?;
        self.report.order_counter = Some(
            row.try_get("last_number")
                .map_err(new_err("order counter"))?,
        );
        Ok(())
    }

    async fn line_items(&mut self) -> Result<(), ImportError> {
        let rows = self
            .old_rows(
                "order_line_items",
                &format!(
                    "select id::int8 as id, order_id::int8 as order_id, product_description, specifications,
                            metal_id::int8 as metal_id, quantity, target_weight_per_piece,
                            initial_total_weight, price, labor_cost, {}, {}
                       from order_line_items where tenant_id = $1::int8 order by id",
                    ts_nn("created_at"),
                    ts_nn("updated_at")
                ),
            )
            .await?;
        let p = self
            .prepare(
                "order_line_items",
                "order_line_items",
                &[
                    "order_id",
                    "product_description",
                    "specifications",
                    "metal_id",
                    "quantity",
                    "target_weight_per_piece",
                    "initial_total_weight",
                    "price",
                    "labor_cost",
                ],
                &["created_at", "updated_at"],
            )
            .await?;
        let mut batch = Vec::new();
        for row in &rows {
            let old_id: i64 = get(row, "id")?;
            self.count("order_line_items").old += 1;
            let refs = match self.resolve(&[
                ("order_id", "orders", get(row, "order_id")?),
                ("metal_id", "metals", get(row, "metal_id")?),
            ]) {
                Ok(r) => r,
                Err(why) => {
                    self.skip("order_line_items", old_id, why);
                    continue;
                }
            };
            let quantity: i32 = get(row, "quantity")?;
            if quantity < 1 {
                self.skip(
                    "order_line_items",
                    old_id,
                    (
                        "value_out_of_range".into(),
                        format!("quantity {quantity} (ours must be at least 1)"),
                    ),
                );
                continue;
            }
            let tw = self.round(
                "order_line_items.target_weight_per_piece",
                get(row, "target_weight_per_piece")?,
                convert::GRAMS,
            );
            let itw = self.round(
                "order_line_items.initial_total_weight",
                get(row, "initial_total_weight")?,
                convert::GRAMS,
            );
            let price = self.round("order_line_items.price", get(row, "price")?, convert::MONEY);
            let labor = self.round(
                "order_line_items.labor_cost",
                get(row, "labor_cost")?,
                convert::MONEY,
            );
            let vals = vec![
                v(refs[0]),
                v(get::<String>(row, "product_description")?),
                v(get::<Option<String>>(row, "specifications")?),
                v(refs[1]),
                v(quantity),
                v(tw),
                v(itw),
                v(price),
                v(labor),
                v(get::<DateTime<Utc>>(row, "created_at")?),
                v(get::<DateTime<Utc>>(row, "updated_at")?),
            ];
            batch.push((old_id, vals));
        }
        self.upsert_all(&p, batch).await?;
        Ok(())
    }

    async fn shipments(&mut self) -> Result<(), ImportError> {
        let rows = self
            .old_rows(
                "shipments",
                &format!(
                    "select id::int8 as id, order_id::int8 as order_id, tracking_number, carrier,
                            coalesce(shipping_address, '') as shipping_address,
                            coalesce(status::text, 'PREPARING') as status, shipping_cost, notes,
                            {}, {}, {}, {}
                       from shipments where tenant_id = $1::int8 order by id",
                    ts("shipped_at"),
                    ts("delivered_at"),
                    ts_nn("created_at"),
                    ts_nn("updated_at")
                ),
            )
            .await?;
        let p = self
            .prepare(
                "shipments",
                "shipments",
                &[
                    "order_id",
                    "tracking_number",
                    "carrier",
                    "shipping_address",
                    "status",
                    "shipping_cost",
                    "shipped_at",
                    "delivered_at",
                    "notes",
                ],
                &["created_at", "updated_at"],
            )
            .await?;
        let mut batch = Vec::new();
        for row in &rows {
            let old_id: i64 = get(row, "id")?;
            self.count("shipments").old += 1;
            let refs = match self.resolve(&[("order_id", "orders", get(row, "order_id")?)]) {
                Ok(r) => r,
                Err(why) => {
                    self.skip("shipments", old_id, why);
                    continue;
                }
            };
            let cost = self.round(
                "shipments.shipping_cost",
                get(row, "shipping_cost")?,
                convert::MONEY,
            );
            let vals = vec![
                v(refs[0]),
                v(get::<Option<String>>(row, "tracking_number")?),
                v(get::<Option<String>>(row, "carrier")?),
                v(get::<String>(row, "shipping_address")?),
                v(get::<String>(row, "status")?),
                v(cost),
                v(get::<Option<DateTime<Utc>>>(row, "shipped_at")?),
                v(get::<Option<DateTime<Utc>>>(row, "delivered_at")?),
                v(get::<Option<String>>(row, "notes")?),
                v(get::<DateTime<Utc>>(row, "created_at")?),
                v(get::<DateTime<Utc>>(row, "updated_at")?),
            ];
            batch.push((old_id, vals));
        }
        self.upsert_all(&p, batch).await?;
        Ok(())
    }

    // ---------------------------------------------------------------------------------------
    // Production and metal accounting
    // ---------------------------------------------------------------------------------------

    async fn ledger_entries(&mut self) -> Result<(), ImportError> {
        let rows = self
            .old_rows(
                "department_ledger_entries",
                &format!(
                    "select id::int8 as id, date, department_id::int8 as department_id,
                            order_id::int8 as order_id, metal_id::int8 as metal_id, direction, quantity,
                            weight, fine_weight, notes, created_by::int8 as created_by, is_archived, {}, {}
                       from department_ledger_entries where tenant_id = $1::int8 order by id",
                    ts_nn("created_at"),
                    ts_nn("updated_at")
                ),
            )
            .await?;
        let p = self
            .prepare(
                "department_ledger_entries",
                "department_ledger_entries",
                &[
                    "date",
                    "department_id",
                    "order_id",
                    "metal_id",
                    "direction",
                    "quantity",
                    "weight",
                    "fine_weight",
                    "notes",
                    "created_by",
                    "is_archived",
                ],
                &["created_at", "updated_at"],
            )
            .await?;
        let mut batch = Vec::new();
        for row in &rows {
            let old_id: i64 = get(row, "id")?;
            let entity = "department_ledger_entries";
            self.count(entity).old += 1;
            let refs = match self.resolve(&[
                ("department_id", "departments", get(row, "department_id")?),
                ("order_id", "orders", get(row, "order_id")?),
                ("metal_id", "metals", get(row, "metal_id")?),
                ("created_by", "users", get(row, "created_by")?),
            ]) {
                Ok(r) => r,
                Err(why) => {
                    self.skip(entity, old_id, why);
                    continue;
                }
            };
            let quantity = self.round(
                "department_ledger_entries.quantity",
                get(row, "quantity")?,
                convert::GRAMS,
            );
            let weight = self.round(
                "department_ledger_entries.weight",
                get(row, "weight")?,
                convert::GRAMS,
            );
            let fine = self.round(
                "department_ledger_entries.fine_weight",
                get(row, "fine_weight")?,
                convert::GRAMS,
            );
            let positive = |d: Option<Decimal>| d.is_some_and(|d| d > Decimal::ZERO);
            if !positive(quantity) || !positive(weight) {
                self.skip(
                    entity,
                    old_id,
                    (
                        "value_out_of_range".into(),
                        format!(
                            "quantity {} / weight {} (ours must be more than 0 after rounding to 4 places)",
                            quantity.unwrap_or_default(),
                            weight.unwrap_or_default()
                        ),
                    ),
                );
                continue;
            }
            let vals = vec![
                v(get::<NaiveDate>(row, "date")?),
                v(refs[0]),
                v(refs[1]),
                v(refs[2]),
                v(get::<String>(row, "direction")?),
                v(quantity),
                v(weight),
                v(fine.unwrap_or_default()),
                v(get::<Option<String>>(row, "notes")?),
                v(refs[3]),
                v(get::<bool>(row, "is_archived")?),
                v(get::<DateTime<Utc>>(row, "created_at")?),
                v(get::<DateTime<Utc>>(row, "updated_at")?),
            ];
            batch.push((old_id, vals));
        }
        self.upsert_all(&p, batch).await?;
        Ok(())
    }

    async fn metal_transactions(&mut self) -> Result<(), ImportError> {
        let rows = self
            .old_rows(
                "metal_transactions",
                &format!(
                    "select id::int8 as id, transaction_type, metal_id::int8 as metal_id,
                            company_id::int8 as company_id, order_id::int8 as order_id, quantity_grams,
                            notes, created_by::int8 as created_by,
                            substring(notes from 'ledger entry ([0-9]+)')::int8 as ledger_entry, {}
                       from metal_transactions where tenant_id = $1::int8 order by id",
                    ts_nn("created_at")
                ),
            )
            .await?;
        let p = self
            .prepare(
                "metal_transactions",
                "metal_transactions",
                &[
                    "transaction_type",
                    "metal_id",
                    "company_id",
                    "order_id",
                    "ledger_entry_id",
                    "quantity_grams",
                    "notes",
                    "created_by",
                ],
                &["created_at"],
            )
            .await?;
        let mut batch = Vec::new();
        for row in &rows {
            let old_id: i64 = get(row, "id")?;
            let entity = "metal_transactions";
            self.count(entity).old += 1;
            let refs = match self.resolve(&[
                ("metal_id", "metals", get(row, "metal_id")?),
                ("company_id", "companies", get(row, "company_id")?),
                ("order_id", "orders", get(row, "order_id")?),
                ("created_by", "users", get(row, "created_by")?),
            ]) {
                Ok(r) => r,
                Err(why) => {
                    self.skip(entity, old_id, why);
                    continue;
                }
            };
            let kind: String = get(row, "transaction_type")?;
            // The casting consumption names its ledger entry only in its notes; ours links it,
            // so that editing or deleting the entry reverses exactly this amount.
            let ledger_entry = match get::<Option<i64>>(row, "ledger_entry")? {
                Some(e) if kind == "MANUFACTURING_CONSUMPTION" => {
                    self.mapped("department_ledger_entries", e)
                }
                _ => None,
            };
            let grams = self.round(
                "metal_transactions.quantity_grams",
                get(row, "quantity_grams")?,
                convert::GRAMS,
            );
            let vals = vec![
                v(kind),
                v(refs[0]),
                v(refs[1]),
                v(refs[2]),
                v(ledger_entry),
                v(grams.unwrap_or_default()),
                v(get::<Option<String>>(row, "notes")?),
                v(refs[3]),
                v(get::<DateTime<Utc>>(row, "created_at")?),
            ];
            batch.push((old_id, vals));
        }
        self.upsert_all(&p, batch).await?;
        Ok(())
    }

    /// Casting deductions the old service never reversed (its update/delete called the reversal
    /// without `user_id`, reference-rules §6): per (ledger entry, metal, company), what the entry
    /// as it stands should have deducted against what was booked. Listed always; with `--fix` the
    /// missing reversal is booked (linked to the entry, as our reversal would be).
    async fn casting_deductions(&mut self) -> Result<(), ImportError> {
        let booked = self
            .old_rows(
                "casting consumption",
                "select substring(notes from 'ledger entry ([0-9]+)')::int8 as entry,
                        metal_id::int8 as metal_id, company_id::int8 as company_id,
                        array_agg(quantity_grams order by id) as grams, max(id)::int8 as last_tx,
                        (array_agg(created_by order by id desc))[1]::int8 as created_by,
                        max(order_id)::int8 as order_id
                   from metal_transactions
                  where tenant_id = $1::int8 and transaction_type = 'MANUFACTURING_CONSUMPTION'
                    and notes ~ 'ledger entry [0-9]+' and metal_id is not null and company_id is not null
                  group by 1, 2, 3 order by 1, 2, 3",
            )
            .await?;
        let expected = self
            .old_rows(
                "casting ledger entries",
                "select e.id::int8 as entry, e.metal_id::int8 as metal_id, o.company_id::int8 as company_id,
                        e.weight, m.fine_percentage
                   from department_ledger_entries e
                   join departments d on d.id = e.department_id
                   join orders o on o.id = e.order_id and o.tenant_id = e.tenant_id
                   join metals m on m.id = e.metal_id and m.tenant_id = e.tenant_id
                  where e.tenant_id = $1::int8 and e.direction = 'IN'
                    and lower(d.name) in ('casting', 'cast')",
            )
            .await?;
        let mut should: HashMap<(i64, i64, i64), Decimal> = HashMap::new();
        for r in &expected {
            let key = (get(r, "entry")?, get(r, "metal_id")?, get(r, "company_id")?);
            let weight: f64 = get(r, "weight")?;
            let purity: f64 = get(r, "fine_percentage")?;
            let pure = Roundings::default()
                .round("", Some(weight * purity), convert::GRAMS)
                .unwrap_or_default();
            should.insert(key, -pure);
        }
        let p = self
            .prepare(
                "casting_reversal",
                "metal_transactions",
                &[
                    "transaction_type",
                    "metal_id",
                    "company_id",
                    "order_id",
                    "ledger_entry_id",
                    "quantity_grams",
                    "notes",
                    "created_by",
                ],
                &["created_at"],
            )
            .await?;
        for r in &booked {
            let (entry, metal, company): (i64, i64, i64) =
                (get(r, "entry")?, get(r, "metal_id")?, get(r, "company_id")?);
            let grams: Vec<f64> = get(r, "grams")?;
            let total: Decimal = grams
                .iter()
                .filter_map(|g| Roundings::default().round("", Some(*g), convert::GRAMS))
                .sum();
            let target = should
                .get(&(entry, metal, company))
                .copied()
                .unwrap_or_default();
            let missing = (target - total).round_dp_with_strategy(convert::GRAMS, ROUNDING);
            if missing <= Decimal::ZERO {
                continue;
            }
            let last_tx: i64 = get(r, "last_tx")?;
            let state = if should.contains_key(&(entry, metal, company)) {
                "edited"
            } else {
                "deleted (or no longer a casting IN entry)"
            };
            let detail = format!(
                "ledger entry {entry} ({state}): {total} g booked against company {company}, \
                 metal {metal}, where {target} g stands; {missing} g never reversed"
            );
            if !self.opts.fix {
                self.anomaly(
                    "unreversed_casting_deduction",
                    "metal_transactions",
                    last_tx,
                    detail,
                    "imported as is",
                );
                continue;
            }
            let refs = self.resolve(&[
                ("metal_id", "metals", Some(metal)),
                ("company_id", "companies", Some(company)),
                ("order_id", "orders", get(r, "order_id")?),
                ("created_by", "users", get(r, "created_by")?),
            ]);
            let refs = match refs {
                Ok(refs) => refs,
                Err((_, why)) => {
                    self.anomaly(
                        "unreversed_casting_deduction",
                        "metal_transactions",
                        last_tx,
                        detail,
                        &format!("imported as is (cannot fix: {why})"),
                    );
                    continue;
                }
            };
            let linked = self.mapped("department_ledger_entries", entry);
            let vals = vec![
                v("MANUFACTURING_CONSUMPTION".to_string()),
                v(refs[0]),
                v(refs[1]),
                v(refs[2]),
                v(linked),
                v(missing),
                v(Some(format!(
                    "Reversal of casting consumption from ledger entry {entry} that the old service \
                     never booked (import --fix): {missing}g"
                ))),
                v(refs[3]),
                v(Utc::now()),
            ];
            self.upsert(&p, last_tx, vals).await?;
            self.anomaly(
                "unreversed_casting_deduction",
                "metal_transactions",
                last_tx,
                detail,
                &format!("fixed: reversal of {missing} g booked"),
            );
        }
        Ok(())
    }

    /// Derived state, recomputed set-based as the app keeps it: the safe's issues for casting
    /// (migration 0007's rule), department balances and ledger totals (0006, 0007), company
    /// balances and the safe (as the old side stored them, or with `--fix` from the transactions).
    async fn finish(&mut self) -> Result<(), ImportError> {
        let t = self.tenant;
        let db = self.new;
        let exec = |sql: &'static str, what: &'static str| async move {
            db.execute(sql, &[&t]).await.map_err(new_err(what))
        };
        // Casting takes its fine metal out of the safe (SAFE_ISSUE, linked to the entry); the old
        // service left the safe alone, so issue what each entry still consumes and is not issued.
        let issued = exec(
            "with net as (
                select ledger_entry_id, metal_id, max(order_id) as order_id, min(created_by) as created_by,
                       max(created_at) as at,
                       coalesce(sum(quantity_grams) filter (where transaction_type = 'MANUFACTURING_CONSUMPTION'), 0)
                     - coalesce(sum(quantity_grams) filter (where transaction_type = 'SAFE_ISSUE'), 0) as grams
                  from metal_transactions
                 where tenant_id = $1 and ledger_entry_id is not null and metal_id is not null
                   and transaction_type in ('MANUFACTURING_CONSUMPTION', 'SAFE_ISSUE')
                 group by ledger_entry_id, metal_id)
             insert into metal_transactions (tenant_id, transaction_type, metal_id, company_id, order_id,
                                             ledger_entry_id, quantity_grams, notes, created_by, created_at)
             select $1, 'SAFE_ISSUE', metal_id, null, order_id, ledger_entry_id, grams,
                    format('Issued to casting with ledger entry %s (import)', ledger_entry_id),
                    created_by, at
               from net where grams <> 0",
            "issuing casting metal from the safe",
        )
        .await?;
        self.count("safe_issues (derived)").inserted += issued;

        shared::app::ledger::recompute_totals(db, shared::domain::TenantId::from_db(t))
            .await
            .map_err(|e| {
                ImportError::New(format!("recomputing the ledger's totals: {}", e.chain()))
            })?;
        self.department_balance_anomalies().await?;
        self.stored_balances().await?;
        Ok(())
    }

    /// The old department balances are running totals never recomputed; ours are recomputed from
    /// the ledger above, so an old one that disagrees with its ledger is listed.
    async fn department_balance_anomalies(&mut self) -> Result<(), ImportError> {
        let rows = self
            .old_rows(
                "department balances",
                "select b.department_id::int8 as department_id, b.metal_id::int8 as metal_id,
                        b.balance_grams as stored,
                        coalesce((select sum(case when e.direction = 'IN' then e.weight else -e.weight end)
                                    from department_ledger_entries e
                                   where e.tenant_id = b.tenant_id and e.department_id = b.department_id
                                     and e.metal_id = b.metal_id), 0) as ledger
                   from department_balances b where b.tenant_id = $1::int8 order by 1, 2",
            )
            .await?;
        for r in &rows {
            self.count("department_balances").old += 1;
            let stored = self
                .round(
                    "department_balances.balance_grams",
                    get(r, "stored")?,
                    convert::GRAMS,
                )
                .unwrap_or_default();
            let ledger = Roundings::default()
                .round("", get(r, "ledger")?, convert::GRAMS)
                .unwrap_or_default();
            if stored != ledger {
                let dept: i64 = get(r, "department_id")?;
                let metal: i64 = get(r, "metal_id")?;
                self.anomaly(
                    "department_balance_differs_from_ledger",
                    "department_balances",
                    dept,
                    format!(
                        "department {dept}, metal {metal}: stored {stored} g, ledger {ledger} g"
                    ),
                    "recomputed from the ledger",
                );
            }
        }
        Ok(())
    }

    /// Company balances and the safe. By default as the old side stored them (plus whatever our
    /// side booked that did not come from there: the import's safe issues, fixes, later use of the
    /// app); with `--fix` recomputed from the transactions, which is our invariant.
    async fn stored_balances(&mut self) -> Result<(), ImportError> {
        self.new
            .batch_execute(
                "create temp table if not exists import_old_balances
                    (company_id bigint, metal_id bigint, supply_type text, grams numeric) on commit drop;
                 truncate import_old_balances",
            )
            .await
            .map_err(new_err("staging the old balances"))?;
        let companies = self
            .old_rows(
                "company metal balances",
                "select id::int8 as id, company_id::int8 as company_id, metal_id::int8 as metal_id, balance_grams
                   from company_metal_balances where tenant_id = $1::int8 order by id",
            )
            .await?;
        let safe = self
            .old_rows(
                "safe supplies",
                "select id::int8 as id, metal_id::int8 as metal_id, supply_type, quantity_grams
                   from safe_supplies where tenant_id = $1::int8 order by id",
            )
            .await?;
        let sums = verify::old_sums(self.old, self.old_tenant).await?;
        let mut stored_company: HashSet<(i64, i64)> = HashSet::new();
        let mut stored_safe: HashSet<i64> = HashSet::new();
        for r in &companies {
            let old_id: i64 = get(r, "id")?;
            self.count("company_metal_balances").old += 1;
            let (company, metal): (i64, i64) = (get(r, "company_id")?, get(r, "metal_id")?);
            stored_company.insert((company, metal));
            let grams = self
                .round(
                    "company_metal_balances.balance_grams",
                    get(r, "balance_grams")?,
                    convert::GRAMS,
                )
                .unwrap_or_default();
            let refs = match self.resolve(&[
                ("company_id", "companies", Some(company)),
                ("metal_id", "metals", Some(metal)),
            ]) {
                Ok(r) => r,
                Err(why) => {
                    self.skip("company_metal_balances", old_id, why);
                    continue;
                }
            };
            let from_tx = sums
                .company
                .get(&(company, metal))
                .copied()
                .unwrap_or_default();
            if grams != from_tx {
                let action = if self.opts.fix {
                    "fixed: recomputed from the transactions"
                } else {
                    "imported as is"
                };
                self.report.anomalies.push(Anomaly {
                    kind: "company_balance_differs_from_transactions".into(),
                    entity: "company_metal_balances".into(),
                    old_id: company,
                    metal_id: Some(metal),
                    detail: format!("stored {grams} g, transactions {from_tx} g"),
                    action: action.into(),
                });
            }
            self.new
                .execute(
                    "insert into import_old_balances values ($1, $2, null, $3)",
                    &[&refs[0], &refs[1], &grams],
                )
                .await
                .map_err(new_err("staging the old balances"))?;
        }
        for r in &safe {
            let old_id: i64 = get(r, "id")?;
            self.count("safe_supplies").old += 1;
            let metal: Option<i64> = get(r, "metal_id")?;
            let kind: String = get(r, "supply_type")?;
            if let (Some(m), "FINE_METAL") = (metal, kind.as_str()) {
                stored_safe.insert(m);
            }
            let grams = self
                .round(
                    "safe_supplies.quantity_grams",
                    get(r, "quantity_grams")?,
                    convert::GRAMS,
                )
                .unwrap_or_default();
            let refs = match self.resolve(&[("metal_id", "metals", metal)]) {
                Ok(r) => r,
                Err(why) => {
                    self.skip("safe_supplies", old_id, why);
                    continue;
                }
            };
            if kind == "FINE_METAL" {
                let from_tx = metal
                    .and_then(|m| sums.safe.get(&m).copied())
                    .unwrap_or_default();
                if grams != from_tx {
                    let action = if self.opts.fix {
                        "fixed: recomputed from the transactions"
                    } else {
                        "imported as is"
                    };
                    self.report.anomalies.push(Anomaly {
                        kind: "safe_differs_from_transactions".into(),
                        entity: "safe_supplies".into(),
                        old_id: 0,
                        metal_id: metal,
                        detail: format!(
                            "stored {grams} g, deposits + purchases {from_tx} g (the old \
                             recalculation on read overwrites the safe)"
                        ),
                        action: action.into(),
                    });
                }
            }
            self.new
                .execute(
                    "insert into import_old_balances values (null, $1, $2, $3)",
                    &[&refs[0], &kind, &grams],
                )
                .await
                .map_err(new_err("staging the old balances"))?;
        }
        // Transactions whose balance row the old side never made (or lost): a stored 0 here.
        let action = if self.opts.fix {
            "fixed: recomputed from the transactions"
        } else {
            "imported as is (no balance row: 0)"
        };
        let mut missing: Vec<((i64, i64), Decimal)> = sums
            .company
            .iter()
            .filter(|(k, g)| !stored_company.contains(k) && !g.is_zero())
            .map(|(k, g)| (*k, *g))
            .collect();
        missing.sort();
        for ((company, metal), grams) in missing {
            if self.mapped("companies", company).is_none() || self.mapped("metals", metal).is_none()
            {
                continue;
            }
            self.report.anomalies.push(Anomaly {
                kind: "company_balance_differs_from_transactions".into(),
                entity: "company_metal_balances".into(),
                old_id: company,
                metal_id: Some(metal),
                detail: format!("no stored balance, transactions {grams} g"),
                action: action.into(),
            });
        }
        let mut missing: Vec<(i64, Decimal)> = sums
            .safe
            .iter()
            .filter(|(m, g)| !stored_safe.contains(m) && !g.is_zero())
            .map(|(m, g)| (*m, *g))
            .collect();
        missing.sort();
        for (metal, grams) in missing {
            if self.mapped("metals", metal).is_none() {
                continue;
            }
            self.report.anomalies.push(Anomaly {
                kind: "safe_differs_from_transactions".into(),
                entity: "safe_supplies".into(),
                old_id: 0,
                metal_id: Some(metal),
                detail: format!("no stored safe row, deposits + purchases {grams} g"),
                action: action.into(),
            });
        }
        let fix = self.opts.fix;
        let t = self.tenant;
        // "Not from the old side": our transactions that import_map does not name as an old one.
        self.new
            .execute(
                "with tx as (
                    select company_id, metal_id, sum(quantity_grams) as grams,
                           sum(quantity_grams) filter (where not exists (
                               select 1 from import_map m where m.tenant_id = t.tenant_id
                                  and m.entity = 'metal_transactions' and m.new_id = t.id)) as ours
                      from metal_transactions t
                     where tenant_id = $1 and company_id is not null and metal_id is not null
                     group by company_id, metal_id),
                 old as (select company_id, metal_id, grams from import_old_balances where company_id is not null),
                 target as (
                    select coalesce(o.company_id, tx.company_id) as company_id,
                           coalesce(o.metal_id, tx.metal_id) as metal_id,
                           case when $2 then coalesce(tx.grams, 0)
                                else coalesce(o.grams, 0) + coalesce(tx.ours, 0) end as grams
                      from old o full join tx on tx.company_id = o.company_id and tx.metal_id = o.metal_id)
                 insert into company_metal_balances (tenant_id, company_id, metal_id, balance_grams)
                 select $1, company_id, metal_id, grams from target
                 on conflict on constraint uq_company_metal_balance
                 do update set balance_grams = excluded.balance_grams
                  where company_metal_balances.balance_grams is distinct from excluded.balance_grams",
                &[&t, &fix],
            )
            .await
            .map_err(new_err("writing company metal balances"))?;
        self.new
            .execute(
                "with tx as (
                    select metal_id, sum(quantity_grams) as grams,
                           sum(quantity_grams) filter (where not exists (
                               select 1 from import_map m where m.tenant_id = t.tenant_id
                                  and m.entity = 'metal_transactions' and m.new_id = t.id)) as ours
                      from metal_transactions t
                     where tenant_id = $1 and metal_id is not null
                       and transaction_type in ('COMPANY_DEPOSIT', 'SAFE_PURCHASE', 'SAFE_ADJUSTMENT', 'SAFE_ISSUE')
                     group by metal_id),
                 old as (select metal_id, grams from import_old_balances
                          where company_id is null and supply_type = 'FINE_METAL' and metal_id is not null),
                 target as (
                    select coalesce(o.metal_id, tx.metal_id) as metal_id,
                           case when $2 then coalesce(tx.grams, 0)
                                else coalesce(o.grams, 0) + coalesce(tx.ours, 0) end as grams
                      from old o full join tx on tx.metal_id = o.metal_id
                    union all
                    -- The old table did not deduplicate NULL-metal rows; ours holds one.
                    select null, sum(grams) from import_old_balances
                     where company_id is null and supply_type = 'ALLOY' and metal_id is null
                    having count(*) > 0)
                 insert into safe_supplies (tenant_id, metal_id, supply_type, quantity_grams)
                 select $1, metal_id, case when metal_id is null then 'ALLOY' else 'FINE_METAL' end, grams
                   from target
                 on conflict on constraint uq_safe_supply
                 do update set quantity_grams = excluded.quantity_grams
                  where safe_supplies.quantity_grams is distinct from excluded.quantity_grams",
                &[&t, &fix],
            )
            .await
            .map_err(new_err("writing the safe"))?;
        Ok(())
    }
}
