//! The department ledger: pieces and grams moving IN and OUT of production departments (reference
//! rules §6–7, decisions §3).
//!
//! * An entry's department, order and metal are body fields: each must be the tenant's (422 naming
//!   the field). A metal that is newly chosen must be active; an entry keeps a metal deactivated
//!   after it was recorded, so it can still be edited.
//! * `fine_weight` = weight × the metal's purity, negative for OUT.
//! * Each entry adds its gross weight (IN) or takes it (OUT) from `department_balances[department,
//!   metal]`, in the same transaction; an edit moves the amount, a delete takes it back.
//! * An IN entry of the casting department (`casting` or `cast`) consumes its fine weight from the
//!   order's company balance and issues it from the safe (`metal_accounting::consume_for_casting`). An edit that changes what
//!   the entry consumes reverses the standing consumption exactly and books the new one; an edit
//!   that changes nothing of it books nothing; a delete reverses it.
//! * Archiving hides entries from the list (unless asked for) and from the order timeline; it
//!   changes no balance. The summary counts archived entries too.
//! * The list is not paged unless `skip` or `limit` is given: the app shows the whole ledger.
//! * The summary reads running totals (pieces in and out, fine grams) kept per (department, metal)
//!   beside the gross balance, by the same increments, so it does not sum the ledger on every call.

use chrono::{NaiveDate, Utc};
use futures_util::future::{join, join4};
use serde::Serialize;

use crate::app::metal_accounting;
use crate::db::Tx;
use crate::domain::amount::{Grams, Quantity};
use crate::domain::ledger::{self, Direction};
use crate::domain::metal::Purity;
use crate::domain::metal_accounting::positive_grams;
use crate::domain::{CompanyId, DepartmentId, LedgerEntryId, MetalId, OrderId, optional_text};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::repo::ledger::{self as repo, BalanceDelta, EntryFields, EntryFilter, MetalTotals};

/// Answered by the API (and named in its OpenAPI document).
pub use crate::repo::ledger::LedgerEntryRow;

pub const NOTES_MAX: usize = 2000;

fn id<T>(field: &str, raw: i64, new: fn(i64) -> Option<T>) -> ApiResult<T> {
    new(raw).ok_or_else(|| ApiError::field(field, "must be a positive integer"))
}

fn weight(raw: Grams) -> ApiResult<Grams> {
    positive_grams("weight", raw)
}

/// A valid entry to record.
#[derive(Debug)]
pub struct NewEntry {
    date: NaiveDate,
    department: DepartmentId,
    order: OrderId,
    metal: MetalId,
    direction: Direction,
    quantity: Quantity,
    weight: Grams,
    notes: Option<String>,
}

impl NewEntry {
    /// `date` absent or blank: today (UTC), as the app's form defaults it.
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        date: Option<&str>,
        department: i64,
        order: i64,
        metal: i64,
        direction: &str,
        quantity: Quantity,
        weight_grams: Grams,
        notes: Option<&str>,
    ) -> ApiResult<Self> {
        Ok(NewEntry {
            date: match date.map(str::trim).filter(|d| !d.is_empty()) {
                Some(d) => ledger::date("date", d)?,
                None => Utc::now().date_naive(),
            },
            department: id("department_id", department, DepartmentId::new)?,
            order: id("order_id", order, OrderId::new)?,
            metal: id("metal_id", metal, MetalId::new)?,
            direction: Direction::parse("direction", direction)?,
            quantity: ledger::positive_quantity("quantity", quantity)?,
            weight: weight(weight_grams)?,
            notes: optional_text("notes", notes, NOTES_MAX)?,
        })
    }
}

/// A valid edit: `None` keeps a field, `Some(None)` (null or blank) clears the notes.
#[derive(Debug, Default)]
pub struct EntryChanges {
    date: Option<NaiveDate>,
    department: Option<DepartmentId>,
    order: Option<OrderId>,
    metal: Option<MetalId>,
    direction: Option<Direction>,
    quantity: Option<Quantity>,
    weight: Option<Grams>,
    notes: Option<Option<String>>,
}

impl EntryChanges {
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        date: Option<&str>,
        department: Option<i64>,
        order: Option<i64>,
        metal: Option<i64>,
        direction: Option<&str>,
        quantity: Option<Quantity>,
        weight_grams: Option<Grams>,
        notes: Option<Option<&str>>,
    ) -> ApiResult<Self> {
        Ok(EntryChanges {
            date: date.map(|d| ledger::date("date", d)).transpose()?,
            department: department
                .map(|d| id("department_id", d, DepartmentId::new))
                .transpose()?,
            order: order.map(|o| id("order_id", o, OrderId::new)).transpose()?,
            metal: metal.map(|m| id("metal_id", m, MetalId::new)).transpose()?,
            direction: direction
                .map(|d| Direction::parse("direction", d))
                .transpose()?,
            quantity: quantity
                .map(|q| ledger::positive_quantity("quantity", q))
                .transpose()?,
            weight: weight_grams.map(weight).transpose()?,
            notes: notes
                .map(|n| optional_text("notes", n, NOTES_MAX))
                .transpose()?,
        })
    }
}

/// What the list shows.
#[derive(Debug, Default)]
pub struct ListQuery {
    pub department: Option<DepartmentId>,
    pub order: Option<OrderId>,
    pub date_from: Option<NaiveDate>,
    pub date_to: Option<NaiveDate>,
    pub include_archived: bool,
    pub skip: i64,
    /// `None`: the whole ledger.
    pub limit: Option<i64>,
}

fn not_found(id: LedgerEntryId) -> ApiError {
    ApiError::not_found("Ledger entry", id)
}

/// The entry's department, order and metal, checked to be the tenant's.
struct Checked {
    department_name: String,
    order_number: String,
    company: CompanyId,
    purity: Purity,
}

/// One round trip for the three ids; every id that is not the tenant's is named (422), and a newly
/// chosen metal must be active.
async fn check(
    tx: &Tx<'_>,
    department: DepartmentId,
    order: OrderId,
    metal: MetalId,
    metal_is_new: bool,
) -> ApiResult<Checked> {
    let f = repo::facts(tx, department, order, metal).await?;
    let mut errors = Vec::new();
    if f.department_name.is_none() {
        errors.push(FieldError::body(
            "department_id",
            format!("Department with id {department} not found"),
        ));
    }
    if f.order_number.is_none() || f.company_id.is_none() {
        errors.push(FieldError::body(
            "order_id",
            format!("Order with id {order} not found"),
        ));
    }
    match f.metal_active {
        None => errors.push(FieldError::body(
            "metal_id",
            format!("Metal with id {metal} not found"),
        )),
        Some(false) if metal_is_new => errors.push(FieldError::body(
            "metal_id",
            format!("Metal with id {metal} is inactive"),
        )),
        Some(_) => {}
    }
    match (
        f.department_name,
        f.order_number,
        f.company_id,
        f.fine_percentage,
    ) {
        (Some(department_name), Some(order_number), Some(company), Some(purity))
            if errors.is_empty() =>
        {
            Ok(Checked {
                department_name,
                order_number,
                company,
                purity,
            })
        }
        _ if errors.is_empty() => Err(ApiError::bug("metal without fine_percentage")),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// What the entry consumes from its order's company, if anything.
struct Consumption {
    company: CompanyId,
    metal: MetalId,
    fine: Grams,
    order: OrderId,
    notes: String,
}

fn consumption(
    id: LedgerEntryId,
    e: &EntryFields,
    checked: &Checked,
) -> ApiResult<Option<Consumption>> {
    let direction = Direction::from_db(&e.direction)?;
    Ok(
        ledger::casting_consumption(direction, &checked.department_name, e.fine_weight).map(
            |fine| Consumption {
                company: checked.company,
                metal: e.metal_id,
                fine,
                order: e.order_id,
                notes: ledger::casting_notes(id, fine, &checked.order_number),
            },
        ),
    )
}

async fn consume(tx: &Tx<'_>, id: LedgerEntryId, c: &Consumption) -> ApiResult<()> {
    metal_accounting::consume_for_casting(tx, c.company, c.metal, c.fine, c.order, id, &c.notes)
        .await?;
    Ok(())
}

/// Whether the consumption and issue standing for the entry are exactly `wanted` (then an edit
/// books nothing). The standing rows come consumption first, then issue.
async fn already_consumed(
    tx: &Tx<'_>,
    id: LedgerEntryId,
    wanted: Option<&Consumption>,
) -> ApiResult<bool> {
    let standing = crate::repo::metal_accounting::standing_consumption(tx, id).await?;
    Ok(match (standing.as_slice(), wanted) {
        ([], None) => true,
        ([used, issued], Some(w)) => {
            let debit = Grams::from_decimal(-w.fine.get());
            used.company_id == Some(w.company)
                && issued.company_id.is_none()
                && [used, issued]
                    .iter()
                    .all(|s| s.metal_id == w.metal && s.order_id == Some(w.order) && s.net == debit)
        }
        _ => false,
    })
}

/// What the entry adds to its department's and its unit's running totals.
fn balance_delta(e: &EntryFields) -> ApiResult<BalanceDelta> {
    let direction = Direction::from_db(&e.direction)?;
    let fine = Grams::from_decimal(e.fine_weight.get().abs());
    let (qty_in, qty_out, gross_in, gross_out, fine_in, fine_out) = match direction {
        Direction::In => (
            e.quantity,
            Quantity::ZERO,
            e.weight,
            Grams::ZERO,
            fine,
            Grams::ZERO,
        ),
        Direction::Out => (
            Quantity::ZERO,
            e.quantity,
            Grams::ZERO,
            e.weight,
            Grams::ZERO,
            fine,
        ),
    };
    Ok(BalanceDelta {
        grams: ledger::department_delta(direction, e.weight),
        qty_in,
        qty_out,
        fine_weight: e.fine_weight,
        gross_in,
        gross_out,
        fine_in,
        fine_out,
    })
}

fn grams_out_of_range(e: crate::error::DbError) -> ApiError {
    if e.is_out_of_range() {
        ApiError::field("weight", "takes the department's balance out of range")
    } else {
        e.into()
    }
}

pub async fn list(tx: &Tx<'_>, q: &ListQuery) -> ApiResult<Vec<LedgerEntryRow>> {
    if let (Some(from), Some(to)) = (q.date_from, q.date_to)
        && from > to
    {
        return Err(ApiError::query_field(
            "date_to",
            "must not be before date_from",
        ));
    }
    Ok(repo::list(
        tx,
        &EntryFilter {
            department: q.department,
            order: q.order,
            date_from: q.date_from,
            date_to: q.date_to,
            include_archived: q.include_archived,
            skip: q.skip,
            limit: q.limit,
        },
    )
    .await?)
}

async fn get(tx: &Tx<'_>, id: LedgerEntryId) -> ApiResult<LedgerEntryRow> {
    repo::get(tx, id).await?.ok_or_else(|| not_found(id))
}

/// Records the entry, moves its department balance and books its casting consumption, all in the
/// request's transaction.
pub async fn create(tx: &Tx<'_>, new: NewEntry) -> ApiResult<LedgerEntryRow> {
    let user = tx.user_id()?;
    // Two flights: what the entry refers to (its fine weight and casting consumption follow from
    // the metal's purity and the department) with the entry's id drawn; then everything else.
    let (checked, id) = join(
        check(tx, new.department, new.order, new.metal, true),
        repo::reserve_id(tx),
    )
    .await;
    let checked = checked?;
    let id = id?;
    let fields = EntryFields {
        date: new.date,
        department_id: new.department,
        order_id: new.order,
        metal_id: new.metal,
        direction: new.direction.as_str().to_string(),
        quantity: new.quantity,
        weight: new.weight,
        fine_weight: ledger::fine_weight(new.direction, new.weight, checked.purity),
        notes: new.notes,
    };
    let delta = balance_delta(&fields)?;
    let consumed = consumption(id, &fields, &checked)?;
    let (inserted, balance, consumption, row) = join4(
        repo::insert(tx, id, &fields, user),
        repo::add_to_department_balance(tx, new.order, new.department, new.metal, delta),
        async {
            match &consumed {
                Some(c) => consume(tx, id, c).await,
                None => Ok(()),
            }
        },
        get(tx, id),
    )
    .await;
    inserted?;
    balance.map_err(grams_out_of_range)?;
    consumption?;
    row
}

/// Applies the changes to the stored entry. The old amount leaves its department balance and the
/// new one enters (possibly another department or metal); the casting consumption follows the
/// entry exactly.
pub async fn update(tx: &Tx<'_>, id: LedgerEntryId, ch: EntryChanges) -> ApiResult<LedgerEntryRow> {
    let old = repo::lock(tx, id).await?.ok_or_else(|| not_found(id))?;
    let direction = match ch.direction {
        Some(d) => d,
        None => Direction::from_db(&old.direction)?,
    };
    let metal = ch.metal.unwrap_or(old.metal_id);
    let department = ch.department.unwrap_or(old.department_id);
    let order = ch.order.unwrap_or(old.order_id);
    let checked = check(tx, department, order, metal, metal != old.metal_id).await?;
    let weight = ch.weight.unwrap_or(old.weight);
    let new = EntryFields {
        date: ch.date.unwrap_or(old.date),
        department_id: department,
        order_id: order,
        metal_id: metal,
        direction: direction.as_str().to_string(),
        quantity: ch.quantity.unwrap_or(old.quantity),
        weight,
        fine_weight: ledger::fine_weight(direction, weight, checked.purity),
        notes: ch.notes.unwrap_or_else(|| old.notes.clone()),
    };
    if new == old {
        return get(tx, id).await;
    }
    if !repo::update(tx, id, &new).await? {
        return Err(not_found(id));
    }
    let (old_delta, new_delta) = (balance_delta(&old)?, balance_delta(&new)?);
    let unit = |e: &EntryFields| (e.order_id, e.department_id, e.metal_id);
    if (unit(&old), old_delta) != (unit(&new), new_delta) {
        repo::add_to_department_balance(
            tx,
            old.order_id,
            old.department_id,
            old.metal_id,
            old_delta.negated(),
        )
        .await
        .map_err(grams_out_of_range)?;
        repo::add_to_department_balance(
            tx,
            new.order_id,
            new.department_id,
            new.metal_id,
            new_delta,
        )
        .await
        .map_err(grams_out_of_range)?;
    }
    let wanted = consumption(id, &new, &checked)?;
    if !already_consumed(tx, id, wanted.as_ref()).await? {
        metal_accounting::reverse_casting(
            tx,
            id,
            &format!("Reversal of casting consumption from edited ledger entry {id}"),
        )
        .await?;
        if let Some(c) = &wanted {
            consume(tx, id, c).await?;
        }
    }
    get(tx, id).await
}

/// Takes the entry's amount back from its department balance, reverses its casting consumption and
/// deletes it.
pub async fn delete(tx: &Tx<'_>, id: LedgerEntryId) -> ApiResult<()> {
    let old = repo::lock(tx, id).await?.ok_or_else(|| not_found(id))?;
    metal_accounting::reverse_casting(
        tx,
        id,
        &format!("Reversal of casting consumption from deleted ledger entry {id}"),
    )
    .await?;
    let delta = balance_delta(&old)?;
    repo::add_to_department_balance(
        tx,
        old.order_id,
        old.department_id,
        old.metal_id,
        delta.negated(),
    )
    .await
    .map_err(grams_out_of_range)?;
    if repo::delete(tx, id).await? {
        Ok(())
    } else {
        Err(not_found(id))
    }
}

/// How many entries an archive call archived.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Archived {
    pub message: String,
    pub count: u64,
}

/// Archives the not yet archived entries dated `from..=to` (both inclusive).
pub async fn archive(tx: &Tx<'_>, from: NaiveDate, to: NaiveDate) -> ApiResult<Archived> {
    if from > to {
        return Err(ApiError::field("date_to", "must not be before date_from"));
    }
    let count = repo::archive(tx, from, to).await?;
    Ok(Archived {
        message: format!("Archived {count} entries"),
        count,
    })
}

pub async fn unarchive(tx: &Tx<'_>, id: LedgerEntryId) -> ApiResult<LedgerEntryRow> {
    // Read back after the change, in the same flight.
    let (found, row) = futures_util::future::join(repo::unarchive(tx, id), repo::get(tx, id)).await;
    if !found? {
        return Err(not_found(id));
    }
    row?.ok_or_else(|| not_found(id))
}

/// One metal of the summary.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct MetalBalance {
    pub metal_id: MetalId,
    pub metal_code: String,
    pub metal_name: String,
    /// Pieces recorded IN.
    pub qty_in: Quantity,
    /// Pieces recorded OUT.
    pub qty_out: Quantity,
    /// Σ signed fine weight: fine grams still held.
    pub fine_weight_balance: Grams,
}

/// What the ledger holds, over every entry (archived ones too).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Summary {
    /// Σ over metals of pieces IN − pieces OUT.
    pub total_qty_held: Quantity,
    /// Σ over metals of pieces OUT.
    pub total_qty_out: Quantity,
    /// The metals whose fine weight balance is not zero.
    pub balances: Vec<MetalBalance>,
}

/// The summary's formulas (reference rules §7), on the per-metal totals.
pub fn summarize(totals: Vec<MetalTotals>) -> ApiResult<Summary> {
    let overflow = || ApiError::bug("ledger summary past Decimal's range");
    let mut held = Quantity::ZERO;
    let mut out = Quantity::ZERO;
    let mut balances = Vec::new();
    for t in totals {
        let net = Quantity::from_decimal(
            t.qty_in
                .get()
                .checked_sub(t.qty_out.get())
                .ok_or_else(overflow)?,
        );
        held = held.checked_add(net).ok_or_else(overflow)?;
        out = out.checked_add(t.qty_out).ok_or_else(overflow)?;
        if t.fine_weight_balance != Grams::ZERO {
            balances.push(MetalBalance {
                metal_id: t.metal_id,
                metal_code: t.metal_code,
                metal_name: t.metal_name,
                qty_in: t.qty_in,
                qty_out: t.qty_out,
                fine_weight_balance: t.fine_weight_balance,
            });
        }
    }
    Ok(Summary {
        total_qty_held: held,
        total_qty_out: out,
        balances,
    })
}

/// For bulk loads on the schema owner's connection that write entries without `create` (the scale
/// generator, the import from the old service): the department balances and unit totals recomputed
/// from the tenant's entries (`repo::derived::ledger_totals`). Returns the balances written.
pub async fn recompute_totals(
    owner: &tokio_postgres::Transaction<'_>,
    tenant: crate::domain::TenantId,
) -> ApiResult<u64> {
    Ok(crate::repo::derived::ledger_totals(owner, tenant.get()).await?)
}

pub async fn summary(tx: &Tx<'_>, department: Option<DepartmentId>) -> ApiResult<Summary> {
    summarize(repo::totals(tx, department).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn totals(metal: i64, qty_in: &str, qty_out: &str, fine: &str) -> MetalTotals {
        MetalTotals {
            metal_id: MetalId::from_db(metal),
            metal_code: format!("M{metal}"),
            metal_name: format!("Metal {metal}"),
            qty_in: qty_in.parse().unwrap(),
            qty_out: qty_out.parse().unwrap(),
            fine_weight_balance: fine.parse().unwrap(),
        }
    }

    #[test]
    fn summary_totals_pieces_and_hides_metals_with_no_fine_weight_left() {
        let s = summarize(vec![
            totals(1, "10", "4", "12.5"),
            totals(2, "3", "3", "0"),
            totals(3, "0", "2", "-1.25"),
        ])
        .unwrap();
        // held: (10 − 4) + (3 − 3) + (0 − 2) = 4; out: 4 + 3 + 2 = 9.
        assert_eq!(s.total_qty_held, "4".parse().unwrap());
        assert_eq!(s.total_qty_out, "9".parse().unwrap());
        let shown: Vec<_> = s.balances.iter().map(|b| b.metal_id.get()).collect();
        assert_eq!(shown, vec![1, 3]);
        assert_eq!(s.balances[1].fine_weight_balance, "-1.25".parse().unwrap());
    }

    #[test]
    fn an_empty_ledger_summarizes_to_zero() {
        let s = summarize(vec![]).unwrap();
        assert_eq!(s.total_qty_held, Quantity::ZERO);
        assert_eq!(s.total_qty_out, Quantity::ZERO);
        assert!(s.balances.is_empty());
    }

    #[test]
    fn new_entries_parse_each_field_or_name_it() {
        let q: Quantity = "2".parse().unwrap();
        let w: Grams = "10".parse().unwrap();
        let ok = NewEntry::parse(None, 1, 2, 3, "in", q, w, Some("  ")).unwrap();
        assert_eq!(ok.direction, Direction::In);
        assert_eq!(ok.date, Utc::now().date_naive());
        assert_eq!(ok.notes, None);
        let detail = |r: ApiResult<NewEntry>| r.unwrap_err().detail();
        assert_eq!(
            detail(NewEntry::parse(None, 0, 2, 3, "IN", q, w, None)),
            "department_id: must be a positive integer"
        );
        assert_eq!(
            detail(NewEntry::parse(
                None,
                1,
                2,
                3,
                "IN",
                Quantity::ZERO,
                w,
                None
            )),
            "quantity: must be greater than 0"
        );
        assert_eq!(
            detail(NewEntry::parse(None, 1, 2, 3, "IN", q, Grams::ZERO, None)),
            "weight: must be greater than 0"
        );
        assert_eq!(
            detail(NewEntry::parse(
                Some("2026-13-01"),
                1,
                2,
                3,
                "IN",
                q,
                w,
                None
            )),
            "date: must be a date (YYYY-MM-DD)"
        );
    }
}
