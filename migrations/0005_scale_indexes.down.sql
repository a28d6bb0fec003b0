-- Back to the indexes of 0001 and 0003.
create index ix_department_ledger_entries_tenant_unit
    on department_ledger_entries (tenant_id, order_id, department_id, metal_id);
drop index ix_department_ledger_entries_tenant_unit_totals;

create index ix_department_ledger_entries_tenant_department
    on department_ledger_entries (tenant_id, department_id);
drop index ix_department_ledger_entries_tenant_department_totals;

drop index ix_companies_tenant_lower_name;

create index ix_orders_tenant_created_at on orders (tenant_id, created_at desc);
drop index ix_orders_tenant_listing;

create index ix_department_ledger_entries_tenant_date
    on department_ledger_entries (tenant_id, date desc);
drop index ix_department_ledger_entries_tenant_listing;
