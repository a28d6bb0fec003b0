drop index ix_department_ledger_entries_tenant_unit;

alter table departments drop column loss_tolerance_percent;

delete from role_permissions
 where permission_id = (select id from permissions where name = 'reports:read');
delete from permissions where name = 'reports:read';
