//! Metal accounting (reference rules §6, decisions §3): safe purchases, company deposits, casting
//! consumption (with the issue of its metal from the safe) and its reversal, and the read-only
//! views of the safe, the balances and the trail.
//!
//! Every movement is booked in the caller's transaction as one atomic increment per balance plus one
//! `metal_transactions` row, so it is all-or-nothing with whatever else the request does:
//!
//! | movement | company balance | safe `FINE_METAL` | transaction |
//! |---|---|---|---|
//! | [`purchase`] (FINE_METAL) | – | `+q` (and the metal's average cost) | `SAFE_PURCHASE +q` |
//! | [`purchase`] (ALLOY) | – | – (`safe[NULL, ALLOY] += q`) | `SAFE_PURCHASE +q`, no metal |
//! | [`deposit`] | `+q` | `+q` | `COMPANY_DEPOSIT +q` |
//! | [`consume_for_casting`] | `−fine` | `−fine` | `MANUFACTURING_CONSUMPTION −fine`, `SAFE_ISSUE −fine` |
//! | [`reverse_casting`] | `+fine` | `+fine` | `MANUFACTURING_CONSUMPTION +fine`, `SAFE_ISSUE +fine` |
//!
//! The old service left the safe alone on casting, so nothing ever took metal out of it; the issue
//! (migration 0007) makes the safe what the vault holds, and lets the reconciliation report
//! balance (README "Metal accountability").
//!
//! Reads never write: the old service's "recalculate the safe" on `GET …/metal-balances` is gone.
//!
//! The acting user (`created_by`) is the transaction's authenticated caller.

use crate::db::Tx;
use crate::domain::amount::{Grams, UnitPrice, weighted_average_cost};
use crate::domain::metal::MetalType;
use crate::domain::metal_accounting::{SupplyType, TransactionType, reversal_of};
use crate::domain::{CompanyId, LedgerEntryId, MetalId, OrderId, Page, UserId};
use crate::error::{ApiError, ApiResult, DbError};
use crate::repo::companies;
use crate::repo::metal_accounting::{self as repo, NewTransaction, TransactionFilter};
use futures_util::future::try_join;
use futures_util::future::{join, join3};

/// Answered by the API (and named in its OpenAPI document).
pub use crate::repo::metal_accounting::{
    CompanyMetalBalanceRow, MetalTransactionRow, SafeSupplyRow,
};

/// Longest `notes` accepted.
pub const NOTES_MAX: usize = 2000;

fn caller(tx: &Tx<'_>) -> ApiResult<UserId> {
    tx.user_id()
}

/// An increment that would take a balance past its column (`numeric(14,4)`: under 10^10 g) is the
/// request's fault: a 422 naming the amount, and nothing is booked.
fn past_range(field: &'static str, what: &'static str) -> impl FnOnce(DbError) -> ApiError {
    move |e| {
        if e.is_out_of_range() {
            ApiError::field(
                field,
                format!("would take {what} past what it can hold (less than 10000000000)"),
            )
        } else {
            e.into()
        }
    }
}

fn company_not_found(id: CompanyId) -> ApiError {
    ApiError::not_found("Company", id)
}

/// A metal named by a body field (`metal_id`): it must be an active metal of this tenant, else a
/// 422 naming the field (another tenant's id reads as unknown).
async fn active_metal(tx: &Tx<'_>, field: &str, id: MetalId) -> ApiResult<repo::MetalFacts> {
    match repo::metal(tx, id).await? {
        Some(m) if m.is_active => Ok(m),
        Some(_) => Err(ApiError::field(
            field,
            format!("Metal with id {id} is inactive"),
        )),
        None => Err(ApiError::field(
            field,
            format!("Metal with id {id} not found"),
        )),
    }
}

/// `POST /safe/purchases`, parsed.
pub struct Purchase {
    pub supply_type: SupplyType,
    pub metal: Option<MetalId>,
    pub grams: Grams,
    pub cost_per_gram: UnitPrice,
    pub notes: Option<String>,
}

/// Buy metal into the safe. FINE_METAL needs an active metal of the tenant and updates its weighted
/// average cost (§6), with the safe's quantity *before* the purchase taken from the same atomic
/// increment that books it; the metal row is locked first, so concurrent purchases of one metal
/// average one after the other. ALLOY goes to the safe's single alloy row, without cost, and must
/// not name a metal: so every transaction with a metal is fine metal of that metal, and the safe's
/// fine metal always equals the sum of the purchases and deposits of that metal (decisions §3).
pub async fn purchase(tx: &Tx<'_>, p: Purchase) -> ApiResult<MetalTransactionRow> {
    let user = caller(tx)?;
    let record = NewTransaction {
        transaction_type: TransactionType::SafePurchase.as_str(),
        metal: p.metal,
        company: None,
        order: None,
        ledger_entry: None,
        grams: p.grams,
        notes: p.notes.as_deref(),
        created_by: user,
    };
    // The purchase's record needs nothing of the bookings' answers: it goes out with their first
    // statements, and a refusal of theirs rolls it back.
    let (booked, recorded) =
        join(book_purchase(tx, &p), repo::insert_transaction(tx, &record)).await;
    booked?;
    Ok(recorded?)
}

/// The safe's increment and, for fine metal, the metal's new average cost.
async fn book_purchase(tx: &Tx<'_>, p: &Purchase) -> ApiResult<()> {
    match p.supply_type {
        SupplyType::FineMetal => {
            let id = p.metal.ok_or_else(|| {
                ApiError::BadRequest("metal_id is required for FINE_METAL purchases".to_string())
            })?;
            // The lock and the safe's increment together: the increment needs nothing of the
            // lock's answer, and a refusal below rolls it back.
            let (locked, after) = join(
                repo::lock_metal(tx, id),
                repo::add_to_safe(tx, Some(id), SupplyType::FineMetal.as_str(), p.grams),
            )
            .await;
            let metal = match locked? {
                Some(m) if m.is_active => m,
                Some(_) => {
                    return Err(ApiError::field(
                        "metal_id",
                        format!("Metal with id {id} is inactive"),
                    ));
                }
                None => {
                    return Err(ApiError::field(
                        "metal_id",
                        format!("Metal with id {id} not found"),
                    ));
                }
            };
            let after = after.map_err(past_range("quantity_grams", "the safe"))?;
            let held = Grams::from_decimal(after.get() - p.grams.get());
            let average =
                weighted_average_cost(held, metal.average_cost_per_gram, p.grams, p.cost_per_gram)
                    .ok_or_else(|| ApiError::bug("weighted average cost out of range"))?;
            repo::set_average_cost(tx, id, average)
                .await
                .map_err(past_range(
                    "cost_per_gram",
                    "the metal's average cost per gram",
                ))?;
        }
        SupplyType::Alloy => {
            if p.metal.is_some() {
                return Err(ApiError::field(
                    "metal_id",
                    "must be absent for ALLOY purchases (the safe keeps one alloy row)",
                ));
            }
            repo::add_to_safe(tx, None, SupplyType::Alloy.as_str(), p.grams)
                .await
                .map_err(past_range("quantity_grams", "the safe"))?;
        }
    }
    Ok(())
}

/// Which metal a deposit is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DepositMetal {
    /// This metal (what the React app sends); `expect_type`, when the body also named a
    /// `metal_type`, must be its type.
    Id {
        id: MetalId,
        expect_type: Option<MetalType>,
    },
    /// The tenant's active metal of this type with the highest purity (the old API's `metal_type`).
    Type(MetalType),
}

/// A deposit as a body states it (the deposit endpoint's, or an order's inline `metal_deposit`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepositRequest {
    metal: DepositMetal,
    grams: Grams,
    notes: Option<String>,
}

impl DepositRequest {
    /// `metal_id` (what the app sends) or `metal_type` (the old API), both checked against each
    /// other; `quantity_grams` more than 0; `notes` optional. Field errors name the body fields.
    pub fn parse(
        metal_id: Option<i64>,
        metal_type: Option<&str>,
        quantity_grams: Option<Grams>,
        notes: Option<&str>,
    ) -> ApiResult<Self> {
        let metal_type = metal_type
            .map(|t| MetalType::parse("metal_type", t))
            .transpose()?;
        let metal = match (metal_id, metal_type) {
            (Some(raw), expect_type) => DepositMetal::Id {
                id: MetalId::new(raw)
                    .ok_or_else(|| ApiError::field("metal_id", "must be a positive integer"))?,
                expect_type,
            },
            (None, Some(t)) => DepositMetal::Type(t),
            (None, None) => {
                return Err(ApiError::field(
                    "metal_id",
                    "Field required (or give metal_type)",
                ));
            }
        };
        let grams =
            quantity_grams.ok_or_else(|| ApiError::field("quantity_grams", "Field required"))?;
        Ok(DepositRequest {
            metal,
            grams: crate::domain::metal_accounting::positive_grams("quantity_grams", grams)?,
            notes: crate::domain::optional_text("notes", notes, NOTES_MAX)?,
        })
    }
}

/// Book the deposit `d` of pure metal by `company`: `balance[company, metal] += grams`,
/// `safe[metal, FINE_METAL] += grams`, and a `COMPANY_DEPOSIT` transaction (`order_id` stays
/// null, also when an order's inline `metal_deposit` calls this). Runs inside the caller's
/// transaction: an error anywhere in the request leaves nothing behind.
///
/// * `company` must be in this tenant: 404 otherwise (it is the path id of the deposit endpoint;
///   an order's caller has already resolved it from the contact).
/// * `metal`: by id, an active metal of the tenant (422 naming `metal_id`), whose type must match
///   `expect_type` if given (422 naming `metal_type`); by type, 400 `No active metal found for type
///   'X'` when the tenant has none.
/// * its grams are more than 0 already: `DepositRequest::parse` is the only way to make one.
pub async fn deposit(
    tx: &Tx<'_>,
    company: CompanyId,
    d: &DepositRequest,
) -> ApiResult<MetalTransactionRow> {
    let user = caller(tx)?;
    match d.metal {
        DepositMetal::Id { id, expect_type } => {
            // One flight: the checks and the booking. A refusal returns an error, which rolls
            // back the booking sent behind its check.
            let (exists, metal, booked) = join3(
                companies::exists(tx, company),
                active_metal(tx, "metal_id", id),
                book_deposit(tx, company, id, d, user),
            )
            .await;
            if !exists? {
                return Err(company_not_found(company));
            }
            let m = metal?;
            if let Some(t) = expect_type
                && m.metal_type != t.as_str()
            {
                return Err(ApiError::field(
                    "metal_type",
                    format!("metal {id} is {}, not {}", m.metal_type, t.as_str()),
                ));
            }
            booked
        }
        // The metal is found by its type first: its id is in every booking (one flight more).
        DepositMetal::Type(t) => {
            let (exists, metal) = join(
                companies::exists(tx, company),
                repo::reference_metal(tx, t.as_str()),
            )
            .await;
            if !exists? {
                return Err(company_not_found(company));
            }
            let metal = metal?.ok_or_else(|| {
                ApiError::BadRequest(format!("No active metal found for type '{}'", t.as_str()))
            })?;
            book_deposit(tx, company, metal, d, user).await
        }
    }
}

/// A deposit's three bookings, sent together: the company's balance, the safe, the transaction.
async fn book_deposit(
    tx: &Tx<'_>,
    company: CompanyId,
    metal: MetalId,
    d: &DepositRequest,
    user: UserId,
) -> ApiResult<MetalTransactionRow> {
    let (grams, notes) = (d.grams, d.notes.as_deref());
    let new = NewTransaction {
        transaction_type: TransactionType::CompanyDeposit.as_str(),
        metal: Some(metal),
        company: Some(company),
        order: None,
        ledger_entry: None,
        grams,
        notes,
        created_by: user,
    };
    let (balance, safe, booked) = join3(
        repo::add_to_company_balance(tx, company, metal, grams),
        repo::add_to_safe(tx, Some(metal), SupplyType::FineMetal.as_str(), grams),
        repo::insert_transaction(tx, &new),
    )
    .await;
    balance.map_err(past_range("quantity_grams", "the company's balance"))?;
    safe.map_err(past_range("quantity_grams", "the safe"))?;
    Ok(booked?)
}

/// Casting consumption of one department ledger entry (§6): `balance[company, metal] −= fine_grams`
/// (it may go negative) and a `MANUFACTURING_CONSUMPTION` transaction of `−fine_grams`; and the
/// metal's issue to the floor: `safe[metal, FINE_METAL] −= fine_grams` (it may go negative too)
/// with a `SAFE_ISSUE` transaction. Both are linked to `order` and `ledger_entry`, so that
/// [`reverse_casting`] can undo exactly this amount. Answers the consumption. `fine_grams` is the entry's gross weight × its metal's purity
/// (`Purity::fine_weight`), at least 0; nothing is booked (`None`) when it is 0.
///
/// The caller (the ledger use case) has already decided that the entry is a casting IN entry and
/// checked that `company`, `metal`, `order` and `ledger_entry` are this tenant's; the composite
/// foreign keys refuse anything else.
pub async fn consume_for_casting(
    tx: &Tx<'_>,
    company: CompanyId,
    metal: MetalId,
    fine_grams: Grams,
    order: OrderId,
    ledger_entry: LedgerEntryId,
    notes: &str,
) -> ApiResult<Option<MetalTransactionRow>> {
    if fine_grams.is_negative() {
        return Err(ApiError::bug("casting consumption of a negative weight"));
    }
    if fine_grams == Grams::ZERO {
        return Ok(None);
    }
    let user = caller(tx)?;
    let debit = reversal_of(fine_grams);
    let new = NewTransaction {
        transaction_type: TransactionType::ManufacturingConsumption.as_str(),
        metal: Some(metal),
        company: Some(company),
        order: Some(order),
        ledger_entry: Some(ledger_entry),
        grams: debit,
        notes: Some(notes),
        created_by: user,
    };
    let issue = issue_notes(ledger_entry);
    // Sent together: none needs another's answer; the first failure, in this order, is the answer.
    let (balance, row, issued) = join3(
        repo::add_to_company_balance(tx, company, metal, debit),
        repo::insert_transaction(tx, &new),
        repo::issue_from_safe(tx, metal, debit, Some(order), ledger_entry, &issue, user),
    )
    .await;
    balance.map_err(past_range("weight", "the company's balance"))?;
    let row = row?;
    issued.map_err(past_range("weight", "the safe"))?;
    Ok(Some(row))
}

fn issue_notes(ledger_entry: LedgerEntryId) -> String {
    format!("Issued to casting with ledger entry {ledger_entry}")
}

/// Undo every casting consumption and issue still standing for `ledger_entry`: for each (company,
/// metal, order) whose consumption transactions of this entry do not sum to zero, credit the
/// balance with exactly the opposite and book it as a positive `MANUFACTURING_CONSUMPTION` with
/// `notes`; likewise give each standing issue back to the safe with a positive `SAFE_ISSUE`.
/// Afterwards the entry's casting sums to zero, so a second call books nothing (it returns the
/// reversals it booked, none then).
///
/// Call it **before** editing or deleting the entry (deleting sets the transactions'
/// `ledger_entry_id` to null): on an edit, reverse, then [`consume_for_casting`] with the new values.
/// The entry's row is locked, so concurrent reversals of one entry cannot both undo it. 404 if the
/// entry is not in this tenant.
pub async fn reverse_casting(
    tx: &Tx<'_>,
    ledger_entry: LedgerEntryId,
    notes: &str,
) -> ApiResult<Vec<MetalTransactionRow>> {
    let user = caller(tx)?;
    if !repo::lock_ledger_entry(tx, ledger_entry).await? {
        return Err(ApiError::not_found("Ledger entry", ledger_entry));
    }
    let mut booked = Vec::new();
    for standing in repo::standing_consumption(tx, ledger_entry).await? {
        let credit = reversal_of(standing.net);
        let kind = TransactionType::from_code(&standing.transaction_type);
        let row = match (kind, standing.company_id) {
            (Some(TransactionType::ManufacturingConsumption), Some(company)) => {
                repo::add_to_company_balance(tx, company, standing.metal_id, credit)
                    .await
                    .map_err(past_range("weight", "the company's balance"))?;
                repo::insert_transaction(
                    tx,
                    &NewTransaction {
                        transaction_type: TransactionType::ManufacturingConsumption.as_str(),
                        metal: Some(standing.metal_id),
                        company: Some(company),
                        order: standing.order_id,
                        ledger_entry: Some(ledger_entry),
                        grams: credit,
                        notes: Some(notes),
                        created_by: user,
                    },
                )
                .await?
            }
            (Some(TransactionType::SafeIssue), None) => repo::issue_from_safe(
                tx,
                standing.metal_id,
                credit,
                standing.order_id,
                ledger_entry,
                notes,
                user,
            )
            .await
            .map_err(past_range("weight", "the safe"))?,
            _ => return Err(ApiError::bug("standing casting of another kind")),
        };
        booked.push(row);
    }
    Ok(booked)
}

/// The safe, fine metal first (by metal code), then alloy.
pub async fn safe_supplies(tx: &Tx<'_>) -> ApiResult<Vec<SafeSupplyRow>> {
    Ok(repo::safe_supplies(tx).await?)
}

/// One row per metal the company has a balance of (not aggregated by type); 404 for a company that
/// is not this tenant's. Writes nothing.
pub async fn company_balances(
    tx: &Tx<'_>,
    company: CompanyId,
) -> ApiResult<Vec<CompanyMetalBalanceRow>> {
    let (exists, balances) = try_join(
        companies::exists(tx, company),
        repo::company_balances(tx, company),
    )
    .await?;
    if !exists {
        return Err(company_not_found(company));
    }
    Ok(balances)
}

/// Equality filters of [`transactions`]; `None` = any.
#[derive(Debug, Default, Clone, Copy)]
pub struct TransactionQuery {
    pub company: Option<CompanyId>,
    pub metal: Option<MetalId>,
    pub transaction_type: Option<TransactionType>,
}

/// The tenant's metal transactions, newest first.
pub async fn transactions(
    tx: &Tx<'_>,
    q: TransactionQuery,
    page: Page,
) -> ApiResult<Vec<MetalTransactionRow>> {
    Ok(repo::transactions(
        tx,
        &TransactionFilter {
            company: q.company,
            metal: q.metal,
            transaction_type: q.transaction_type.map(TransactionType::as_str),
        },
        page.skip(),
        page.limit(),
    )
    .await?)
}

#[cfg(test)]
#[path = "metal_accounting_db_tests.rs"]
mod db_tests;
