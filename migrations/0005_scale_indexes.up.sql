-- Indexes for the reads measured at scale (README, Performance → Scale): one tenant with 10,000
-- orders, 200,000 ledger entries and 500 companies beside 50 others. Each replaces a narrower
-- index with the same leading columns, so every query the old one served is still served and
-- inserts maintain no more indexes than before.

-- Paged lists read exactly one page: their ORDER BY's tie-breakers are in the index, so no
-- incremental sort has to read every entry of the last day (or every order of one instant).
create index ix_department_ledger_entries_tenant_listing
    on department_ledger_entries (tenant_id, date desc, created_at desc, id desc);
drop index ix_department_ledger_entries_tenant_date;

create index ix_orders_tenant_listing on orders (tenant_id, created_at desc, id desc);
drop index ix_orders_tenant_created_at;

-- Companies are listed by lower(name), id: a page is an index range, not a sort of all of them.
create index ix_companies_tenant_lower_name on companies (tenant_id, lower(name), id);

-- The ledger summary (per metal, optionally of one department) reads only the index
-- (index-only scan): the pieces and fine grams are carried in it.
create index ix_department_ledger_entries_tenant_department_totals
    on department_ledger_entries (tenant_id, department_id, metal_id)
    include (direction, quantity, fine_weight);
drop index ix_department_ledger_entries_tenant_department;

-- The metal loss report sums each (order, department, metal) unit of the month from this index
-- alone; the order timeline uses its leading columns.
create index ix_department_ledger_entries_tenant_unit_totals
    on department_ledger_entries (tenant_id, order_id, department_id, metal_id)
    include (direction, quantity, weight, date, is_archived);
drop index ix_department_ledger_entries_tenant_unit;
