//! The scale data generator (`cargo run -p local -- generate [--scale N]`, the performance issue):
//! tenant "Scale Co" with, per unit of scale, 500 companies with a contact each, 10,000 orders of
//! 3 line items, 200,000 ledger entries over about a year across Casting, Filing, Polishing,
//! Setting and Inventory, and 5,000 company deposits and safe purchases; beside it 50 small
//! tenants. Never reachable through the API.
//!
//! Tenants, their roles, metals and first users come from the real sign-up use case. The bulk rows
//! are set-based inserts on the schema owner's connection (`repo::scale`), one transaction for all
//! of them, which keep every invariant the use cases keep row by row:
//!
//! * `fine_weight` = weight × purity rounded to 4 places, negated for OUT;
//! * `department_balances` = Σ of the entries' signed gross weights per (department, metal);
//! * every IN entry of Casting has its casting consumption (`MANUFACTURING_CONSUMPTION −fine`,
//!   linked to the entry and the order's company) and its issue from the safe (`SAFE_ISSUE −fine`),
//!   so these come on top of the 5,000 transactions;
//! * `company_metal_balances` = Σ of the transactions booked against the company and metal;
//! * the safe's `FINE_METAL` = Σ of the deposits, purchases and issues of the metal, and each metal's
//!   average cost is the purchases replayed in booking order through
//!   `domain::amount::weighted_average_cost`, as `metal_accounting::purchase` computes it;
//! * order numbers come from `tenant_order_counters`, which is left at the highest number.
//!
//! Idempotent: when the subdomain `scale` exists nothing is touched.

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, Instant};

use crate::app::signup::{self, NewAccount, NewTenant};
use crate::context::Ctx;
use crate::domain::amount::{Grams, UnitPrice, weighted_average_cost};
use crate::domain::tenant::Subdomain;
use crate::domain::{MetalId, NonBlank, Password, TenantId, Username};
use crate::error::{ApiError, ApiResult};
use crate::repo::provisioning;
use crate::repo::scale::{self as sql};

pub use crate::repo::scale::Volume;

pub const SCALE_TENANT: &str = "Scale Co";
pub const SCALE_SUBDOMAIN: &str = "scale";
/// The Scale Co admin's login (the measurements log in with it).
pub const SCALE_ADMIN: (&str, &str) = ("scale-admin", "scale-admin-123");
/// How many small tenants live beside Scale Co.
pub const OTHER_TENANTS: usize = 50;

impl Volume {
    /// Scale Co's volume at scale `n` (1 = the issue's figures).
    pub fn at_scale(n: i32) -> Volume {
        Volume {
            companies: 500 * n,
            orders: 10_000 * n,
            items_per_order: 3,
            ledger_entries: 200_000 * n,
            transactions: 5_000 * n,
        }
    }

    /// Each of the other tenants: a few rows of everything.
    pub const SMALL: Volume = Volume {
        companies: 3,
        orders: 5,
        items_per_order: 3,
        ledger_entries: 20,
        transactions: 6,
    };
}

/// What one tenant got.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub companies: u64,
    pub contacts: u64,
    pub orders: u64,
    pub line_items: u64,
    pub ledger_entries: u64,
    pub department_balances: u64,
    pub deposits: u64,
    pub purchases: u64,
    pub casting_consumptions: u64,
    pub company_metal_balances: u64,
    pub safe_supplies: u64,
}

impl std::ops::AddAssign<&Counts> for Counts {
    fn add_assign(&mut self, o: &Counts) {
        self.companies += o.companies;
        self.contacts += o.contacts;
        self.orders += o.orders;
        self.line_items += o.line_items;
        self.ledger_entries += o.ledger_entries;
        self.department_balances += o.department_balances;
        self.deposits += o.deposits;
        self.purchases += o.purchases;
        self.casting_consumptions += o.casting_consumptions;
        self.company_metal_balances += o.company_metal_balances;
        self.safe_supplies += o.safe_supplies;
    }
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} companies, {} contacts, {} orders, {} line items, {} ledger entries, \
             {} department balances, {} deposits, {} safe purchases, {} casting consumptions, \
             {} company metal balances, {} safe rows",
            self.companies,
            self.contacts,
            self.orders,
            self.line_items,
            self.ledger_entries,
            self.department_balances,
            self.deposits,
            self.purchases,
            self.casting_consumptions,
            self.company_metal_balances,
            self.safe_supplies
        )
    }
}

#[derive(Debug, Clone)]
pub enum GenerateReport {
    /// The subdomain `scale` exists: nothing was touched.
    Exists,
    Created {
        scale: i32,
        tenant_id: i64,
        scale_co: Box<Counts>,
        others: Box<Counts>,
        sign_up: Duration,
        load: Duration,
        vacuum: Duration,
    },
}

impl fmt::Display for GenerateReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GenerateReport::Exists => write!(
                f,
                "The scale tenant exists (subdomain '{SCALE_SUBDOMAIN}'); nothing was generated."
            ),
            GenerateReport::Created {
                scale,
                tenant_id,
                scale_co,
                others,
                sign_up,
                load,
                vacuum,
            } => {
                let (user, password) = SCALE_ADMIN;
                writeln!(
                    f,
                    "Generated tenant '{SCALE_TENANT}' (id {tenant_id}, subdomain '{SCALE_SUBDOMAIN}') at scale {scale}, \
                     login {user} / {password}:"
                )?;
                writeln!(f, "  {scale_co}")?;
                writeln!(f, "{OTHER_TENANTS} other tenants, together:")?;
                writeln!(f, "  {others}")?;
                write!(
                    f,
                    "Took {:.1} s: sign-ups {:.1} s, bulk load {:.1} s, vacuum analyze {:.1} s.",
                    (*sign_up + *load + *vacuum).as_secs_f64(),
                    sign_up.as_secs_f64(),
                    load.as_secs_f64(),
                    vacuum.as_secs_f64()
                )
            }
        }
    }
}

/// Sign up Scale Co and the other tenants through `ctx` (the API's role), then fill them on the
/// owner's connection `owner_url`. `scale` ≥ 1.
pub async fn generate(ctx: &Ctx, owner_url: &str, scale: i32) -> ApiResult<GenerateReport> {
    if scale < 1 {
        return Err(ApiError::bug("scale must be at least 1"));
    }
    let started = Instant::now();
    let Some(tenants) = sign_up_all(ctx).await? else {
        return Ok(GenerateReport::Exists);
    };
    let sign_up = started.elapsed();

    let started = Instant::now();
    let mut owner = crate::db::connect(owner_url).await?;
    let tx = owner
        .transaction()
        .await
        .map_err(crate::error::DbError::from)?;
    let (scale_tenant, scale_user) = tenants[0];
    let scale_co = fill(&tx, scale_tenant, scale_user, Volume::at_scale(scale)).await?;
    let mut others = Counts::default();
    for &(tenant, user) in &tenants[1..] {
        others += &fill(&tx, tenant, user, Volume::SMALL).await?;
    }
    tx.commit().await.map_err(crate::error::DbError::from)?;
    let load = started.elapsed();

    let started = Instant::now();
    sql::vacuum(&owner).await?;
    Ok(GenerateReport::Created {
        scale,
        tenant_id: scale_tenant,
        scale_co: Box::new(scale_co),
        others: Box::new(others),
        sign_up,
        load,
        vacuum: started.elapsed(),
    })
}

/// (tenant id, admin user id) of Scale Co and then the others, or `None` if Scale Co exists. One
/// transaction: a failure leaves no half-made set of tenants.
async fn sign_up_all(ctx: &Ctx) -> ApiResult<Option<Vec<(i64, i64)>>> {
    let mut conn = ctx.conn().await?;
    let result = async {
        let mut tx = conn.begin_system().await?;
        tx.identify("generate", "local_generate");
        if provisioning::subdomain_taken(&tx, SCALE_SUBDOMAIN).await? {
            return Ok(None);
        }
        let mut out = Vec::new();
        let (user, password) = SCALE_ADMIN;
        out.push(sign_up(ctx, &mut tx, SCALE_TENANT, SCALE_SUBDOMAIN, user, password).await?);
        for n in 1..=OTHER_TENANTS {
            let name = format!("Neighbour {n:02} Jewelers");
            let subdomain = format!("scale-neighbour-{n:02}");
            let user = format!("neighbour{n:02}-admin");
            out.push(sign_up(ctx, &mut tx, &name, &subdomain, &user, "neighbour-123").await?);
        }
        tx.commit().await?;
        Ok(Some(out))
    }
    .await;
    conn.finish(&result);
    result
}

async fn sign_up(
    ctx: &Ctx,
    tx: &mut crate::db::Tx<'_>,
    name: &str,
    subdomain: &str,
    user: &str,
    password: &str,
) -> ApiResult<(i64, i64)> {
    let admin = signup::sign_up(
        ctx,
        tx,
        NewTenant {
            name: NonBlank::parse("tenant_name", name, 255)?,
            subdomain: Some(Subdomain::parse(subdomain)?),
        },
        NewAccount {
            username: Username::parse(user)?,
            password: Password::parse(password)?,
            full_name: NonBlank::parse("full_name", &format!("{name} Admin"), 255)?,
            email: None,
        },
    )
    .await?;
    Ok((admin.tenant_id.get(), admin.id.get()))
}

async fn fill(
    tx: &tokio_postgres::Transaction<'_>,
    tenant: i64,
    user: i64,
    v: Volume,
) -> ApiResult<Counts> {
    sql::bulk_load(tx).await?;
    sql::departments(tx, tenant).await?;
    let (companies, contacts) = sql::companies(tx, tenant, v.companies).await?;
    let (orders, line_items) = sql::orders(tx, tenant, v.orders, v.items_per_order).await?;
    let ledger_entries = sql::ledger(tx, tenant, user, v.ledger_entries / 2).await?;
    let department_balances =
        crate::app::ledger::recompute_totals(tx, TenantId::from_db(tenant)).await?;
    let (deposits, purchases, casting_consumptions) =
        sql::metal_transactions(tx, tenant, user, v.transactions).await?;
    let (company_metal_balances, safe_supplies) = sql::metal_balances(tx, tenant).await?;
    for (metal, cost) in average_costs(sql::safe_events(tx, tenant).await?)? {
        sql::set_average_cost(tx, tenant, metal, cost).await?;
    }
    Ok(Counts {
        companies,
        contacts,
        orders,
        line_items,
        ledger_entries,
        department_balances,
        deposits,
        purchases,
        casting_consumptions,
        company_metal_balances,
        safe_supplies,
    })
}

/// Each metal's average cost after its safe movements in booking order: a purchase averages its
/// price with the stock held before it (deposits and issues included, at the average so far), as
/// `metal_accounting::purchase` does one request at a time. Metals never bought keep none.
fn average_costs(events: Vec<sql::SafeEvent>) -> ApiResult<Vec<(MetalId, UnitPrice)>> {
    let mut state: HashMap<MetalId, (Grams, Option<UnitPrice>)> = HashMap::new();
    for e in events {
        let (held, average) = state.entry(e.metal).or_insert((Grams::ZERO, None));
        if let Some(cost) = e.cost {
            *average = Some(
                weighted_average_cost(*held, *average, e.grams, cost)
                    .ok_or_else(|| ApiError::bug("weighted average cost out of range"))?,
            );
        }
        *held = Grams::from_decimal(held.get() + e.grams.get());
    }
    let mut out: Vec<_> = state
        .into_iter()
        .filter_map(|(metal, (_, average))| average.map(|a| (metal, a)))
        .collect();
    out.sort_by_key(|(metal, _)| metal.get());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(s: &str) -> Grams {
        s.parse().unwrap()
    }

    fn p(s: &str) -> UnitPrice {
        s.parse().unwrap()
    }

    #[test]
    fn scale_one_is_the_issues_volume() {
        let v = Volume::at_scale(1);
        assert_eq!(
            (v.companies, v.orders, v.ledger_entries, v.transactions),
            (500, 10_000, 200_000, 5_000)
        );
        assert_eq!(Volume::at_scale(10).ledger_entries, 2_000_000);
    }

    #[test]
    fn average_costs_replay_purchases_with_deposits_held_before_them() {
        let m = MetalId::from_db(1);
        let events = vec![
            sql::SafeEvent {
                metal: m,
                grams: g("100"),
                cost: Some(p("60")),
            },
            // A deposit raises the stock without a price: the next purchase averages over it.
            sql::SafeEvent {
                metal: m,
                grams: g("100"),
                cost: None,
            },
            sql::SafeEvent {
                metal: m,
                grams: g("200"),
                cost: Some(p("66")),
            },
            sql::SafeEvent {
                metal: MetalId::from_db(2),
                grams: g("5"),
                cost: None,
            },
        ];
        // (60 × 200 + 66 × 200) / 400 = 63.
        assert_eq!(average_costs(events).unwrap(), vec![(m, p("63"))]);
    }
}
