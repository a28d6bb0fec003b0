//! The ledger's derived tables recomputed from its entries, set-based, on the schema owner's
//! connection: for the bulk loads that write entries without the use cases (`local generate`, the
//! import from the old service). The owner bypasses row-level security, so the tenant is named.

use tokio_postgres::Transaction;

use crate::error::DbError;

/// `ledger_unit_totals` = the pieces, gross and fine grams in and out per (order, department,
/// metal), and `department_balances` = Σ of the entries per (department, metal): signed gross
/// weights, pieces in, pieces out and signed fine weights, as `ledger::create` keeps them entry by
/// entry. Units are rebuilt whole (one with no entries left goes); a balance is written only where
/// it differs, so a re-run changes nothing. Returns the department balances written.
pub async fn ledger_totals(tx: &Transaction<'_>, tenant: i64) -> Result<u64, DbError> {
    tx.execute(
        "delete from ledger_unit_totals where tenant_id = $1::int8",
        &[&tenant],
    )
    .await?;
    tx.execute(
        "insert into ledger_unit_totals (tenant_id, order_id, department_id, metal_id, pieces_in,
                                        pieces_out, gross_in, gross_out, fine_in, fine_out)
         select tenant_id, order_id, department_id, metal_id,
                coalesce(sum(quantity) filter (where direction = 'IN'), 0),
                coalesce(sum(quantity) filter (where direction = 'OUT'), 0),
                coalesce(sum(weight) filter (where direction = 'IN'), 0),
                coalesce(sum(weight) filter (where direction = 'OUT'), 0),
                coalesce(sum(fine_weight) filter (where direction = 'IN'), 0),
                coalesce(-sum(fine_weight) filter (where direction = 'OUT'), 0)
           from department_ledger_entries
          where tenant_id = $1::int8
          group by tenant_id, order_id, department_id, metal_id",
        &[&tenant],
    )
    .await?;
    Ok(tx
        .execute(
            "insert into department_balances
                    (tenant_id, department_id, metal_id, balance_grams, qty_in, qty_out, fine_weight)
             select tenant_id, department_id, metal_id,
                    sum(case direction when 'IN' then weight else -weight end),
                    coalesce(sum(quantity) filter (where direction = 'IN'), 0),
                    coalesce(sum(quantity) filter (where direction = 'OUT'), 0),
                    sum(fine_weight)
               from department_ledger_entries
              where tenant_id = $1::int8
              group by tenant_id, department_id, metal_id
             on conflict (tenant_id, department_id, metal_id)
             do update set balance_grams = excluded.balance_grams, qty_in = excluded.qty_in,
                           qty_out = excluded.qty_out, fine_weight = excluded.fine_weight
              where (department_balances.balance_grams, department_balances.qty_in,
                     department_balances.qty_out, department_balances.fine_weight)
                    is distinct from (excluded.balance_grams, excluded.qty_in, excluded.qty_out,
                                      excluded.fine_weight)",
            &[&tenant],
        )
        .await?)
}
