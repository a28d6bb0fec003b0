-- Closes the metal identity (README "Metal accountability"): metal leaves the safe when it goes to
-- the floor, and shipped pieces carry the metal that leaves with them; and the per-unit ledger
-- totals the reconciliation reads.

-- SAFE_ISSUE: the fine metal a casting IN entry takes out of the safe (negative; its reversal
-- positive), linked to the entry like its MANUFACTURING_CONSUMPTION so an edit or delete undoes
-- exactly that amount.
alter table metal_transactions drop constraint metal_transactions_transaction_type_check;
alter table metal_transactions add constraint metal_transactions_transaction_type_check
    check (transaction_type in ('COMPANY_DEPOSIT', 'MANUFACTURING_CONSUMPTION', 'SAFE_PURCHASE',
                                'SAFE_ADJUSTMENT', 'SAFE_ISSUE'));

-- What a shipment's pieces weigh and of which metal; the fine grams are the gross weight × the
-- metal's purity, as a ledger entry computes them. All three or none.
alter table shipments
    add column metal_id bigint,
    add column weight numeric(14,4) check (weight > 0),
    add column fine_weight numeric(14,4),
    add constraint shipments_metal_weight_check
        check ((metal_id is null) = (weight is null) and (weight is null) = (fine_weight is null)),
    add foreign key (tenant_id, metal_id) references metals (tenant_id, id) on delete restrict;
create index ix_shipments_tenant_metal on shipments (tenant_id, metal_id) where metal_id is not null;

-- Casting recorded before this migration took the customer's metal but left the safe alone: issue
-- what is still consumed, per entry and metal, so the safe and the trail agree from now on.
with backfill as (
    select tenant_id, metal_id, order_id, ledger_entry_id, sum(quantity_grams) as grams,
           min(created_by) as created_by
      from metal_transactions
     where transaction_type = 'MANUFACTURING_CONSUMPTION' and ledger_entry_id is not null
       and metal_id is not null
     group by tenant_id, metal_id, order_id, ledger_entry_id
    having sum(quantity_grams) <> 0),
issued as (
    insert into metal_transactions (tenant_id, transaction_type, metal_id, company_id, order_id,
                                    ledger_entry_id, quantity_grams, notes, created_by)
    select tenant_id, 'SAFE_ISSUE', metal_id, null, order_id, ledger_entry_id, grams,
           format('Issued to casting with ledger entry %s (migration 0007)', ledger_entry_id),
           created_by
      from backfill)
insert into safe_supplies (tenant_id, metal_id, supply_type, quantity_grams)
select tenant_id, metal_id, 'FINE_METAL', sum(grams)
  from backfill
 group by tenant_id, metal_id
    on conflict on constraint uq_safe_supply
    do update set quantity_grams = safe_supplies.quantity_grams + excluded.quantity_grams;

-- Running totals per (order, department, metal), the unit of the loss rules, kept by the same
-- atomic increments as department_balances (archived entries included: archiving moves nothing),
-- so the reconciliation reads one row per unit instead of summing the whole ledger. Derived data:
-- it goes with its order, department or metal, whose deletes the ledger entries already guard.
create table ledger_unit_totals (
    tenant_id       bigint not null default app_current_tenant()
                    references tenants (id) on delete cascade,
    order_id        bigint not null,
    department_id   bigint not null,
    metal_id        bigint not null,
    pieces_in       numeric(14,4) not null default 0,
    pieces_out      numeric(14,4) not null default 0,
    gross_in        numeric(14,4) not null default 0,
    gross_out       numeric(14,4) not null default 0,
    fine_in         numeric(14,4) not null default 0,
    fine_out        numeric(14,4) not null default 0,
    primary key (tenant_id, order_id, department_id, metal_id),
    foreign key (tenant_id, order_id) references orders (tenant_id, id) on delete cascade,
    foreign key (tenant_id, department_id) references departments (tenant_id, id) on delete cascade,
    foreign key (tenant_id, metal_id) references metals (tenant_id, id) on delete cascade
);
create index ix_ledger_unit_totals_tenant_metal on ledger_unit_totals (tenant_id, metal_id);
alter table ledger_unit_totals enable row level security;
create policy tenant_isolation on ledger_unit_totals
    using (tenant_id = app_current_tenant())
    with check (tenant_id = app_current_tenant());
grant select, insert, update, delete on ledger_unit_totals to app_rw;

insert into ledger_unit_totals (tenant_id, order_id, department_id, metal_id, pieces_in, pieces_out,
                                gross_in, gross_out, fine_in, fine_out)
select tenant_id, order_id, department_id, metal_id,
       coalesce(sum(quantity) filter (where direction = 'IN'), 0),
       coalesce(sum(quantity) filter (where direction = 'OUT'), 0),
       coalesce(sum(weight) filter (where direction = 'IN'), 0),
       coalesce(sum(weight) filter (where direction = 'OUT'), 0),
       coalesce(sum(fine_weight) filter (where direction = 'IN'), 0),
       coalesce(-sum(fine_weight) filter (where direction = 'OUT'), 0)
  from department_ledger_entries
 group by tenant_id, order_id, department_id, metal_id;
