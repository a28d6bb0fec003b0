-- 0001_schema.down.sql — reverts 0001_schema.up.sql, in reverse order.
--
-- Runs inside ONE transaction opened by the migrator, as the owner role (no BEGIN/COMMIT here).
-- No IF EXISTS: up is atomic, so every object must be there; a missing one means drift and
-- should stop the rollback loudly.
-- The role app_rw is cluster-wide and may be used by other databases: it is NOT dropped, only
-- the privileges granted here are revoked (table/sequence/function grants go with the objects).

-- Functions used by the application (reverse order of creation).
drop function auth_context(bigint, bigint, timestamptz);
drop function tenant_create(text, text);
drop function tenant_subdomain_taken(text);
drop function auth_record_login(bigint, bigint, text, text, text, boolean, text);
drop function auth_refresh_lookup(text);
drop function auth_user_by_username(text);

-- Tables, children before parents; each table's trigger and policy are dropped explicitly first.
drop trigger trg_lookup_values_updated_at on lookup_values;
drop policy tenant_isolation on lookup_values;
drop table lookup_values;

drop policy tenant_isolation on metal_transactions;
drop table metal_transactions;

drop trigger trg_department_ledger_entries_updated_at on department_ledger_entries;
drop policy tenant_isolation on department_ledger_entries;
drop table department_ledger_entries;

drop trigger trg_department_balances_updated_at on department_balances;
drop policy tenant_isolation on department_balances;
drop table department_balances;

drop trigger trg_departments_updated_at on departments;
drop policy tenant_isolation on departments;
drop table departments;

drop trigger trg_shipments_updated_at on shipments;
drop policy tenant_isolation on shipments;
drop table shipments;

drop trigger trg_order_line_items_updated_at on order_line_items;
drop policy tenant_isolation on order_line_items;
drop table order_line_items;

drop trigger trg_orders_updated_at on orders;
drop policy tenant_isolation on orders;
drop table orders;

drop trigger trg_supplies_updated_at on supplies;
drop policy tenant_isolation on supplies;
drop table supplies;

drop table metal_prices;

drop trigger trg_company_metal_balances_updated_at on company_metal_balances;
drop policy tenant_isolation on company_metal_balances;
drop table company_metal_balances;

drop trigger trg_safe_supplies_updated_at on safe_supplies;
drop policy tenant_isolation on safe_supplies;
drop table safe_supplies;

drop trigger trg_metals_updated_at on metals;
drop policy tenant_isolation on metals;
drop table metals;

drop trigger trg_addresses_updated_at on addresses;
drop policy tenant_isolation on addresses;
drop table addresses;

drop trigger trg_contacts_updated_at on contacts;
drop policy tenant_isolation on contacts;
drop table contacts;

drop trigger trg_companies_updated_at on companies;
drop policy tenant_isolation on companies;
drop table companies;

drop policy tenant_isolation on login_history;
drop table login_history;

drop policy tenant_isolation on refresh_tokens;
drop table refresh_tokens;

drop trigger trg_users_updated_at on users;
drop policy tenant_isolation on users;
drop table users;

drop policy tenant_isolation on role_permissions;
drop table role_permissions;

drop trigger trg_roles_updated_at on roles;
drop policy tenant_isolation on roles;
drop table roles;

drop table permissions;

drop policy tenant_isolation on tenant_order_counters;
drop table tenant_order_counters;

drop trigger trg_tenants_updated_at on tenants;
drop policy tenant_self on tenants;
drop table tenants;

-- Helper functions (after the tables: column defaults and policies depend on app_current_tenant).
drop function set_updated_at();
drop function app_current_tenant();

-- Schema privilege granted by up (the role itself and schema public stay).
revoke usage on schema public from app_rw;
