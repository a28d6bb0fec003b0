-- The metal loss report: its permission, and a loss tolerance per department.

insert into permissions (name, resource, action, description) values
    ('reports:read', 'reports', 'read', 'View the metal loss report');

-- Existing tenants' admin and manager roles get it, as provisioning grants it to new tenants'.
insert into role_permissions (tenant_id, role_id, permission_id)
select r.tenant_id, r.id, p.id
  from roles r
  join permissions p on p.name = 'reports:read'
 where r.is_system_role and r.name in ('admin', 'manager')
on conflict do nothing;

-- Percent of the grams in that a department may lose; null: no tolerance set.
alter table departments
    add column loss_tolerance_percent numeric(5,2)
        constraint departments_loss_tolerance_range
        check (loss_tolerance_percent >= 0 and loss_tolerance_percent <= 100);

-- The report groups a tenant's entries by (order, department, metal).
create index ix_department_ledger_entries_tenant_unit
    on department_ledger_entries (tenant_id, order_id, department_id, metal_id);
