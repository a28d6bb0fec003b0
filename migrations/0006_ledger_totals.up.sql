-- The ledger summary (pieces in and out, fine weight per metal) from running totals kept beside each
-- department's gross balance, instead of summing the whole ledger on every call. Like
-- balance_grams, they change only by atomic increments in the entry's transaction, archived entries
-- included (archiving moves nothing).
alter table department_balances
    add column qty_in numeric(14,4) not null default 0,
    add column qty_out numeric(14,4) not null default 0,
    add column fine_weight numeric(14,4) not null default 0;

update department_balances b
   set qty_in = t.qty_in, qty_out = t.qty_out, fine_weight = t.fine_weight
  from (select tenant_id, department_id, metal_id,
               coalesce(sum(quantity) filter (where direction = 'IN'), 0) as qty_in,
               coalesce(sum(quantity) filter (where direction = 'OUT'), 0) as qty_out,
               sum(fine_weight) as fine_weight
          from department_ledger_entries
         group by tenant_id, department_id, metal_id) t
 where t.tenant_id = b.tenant_id and t.department_id = b.department_id and t.metal_id = b.metal_id;
