-- enter_tenant: scopes the rest of the transaction to a tenant, for the flows that find their tenant
-- themselves (login, refresh, sign-up; Tx::enter_tenant). A function instead of the app sending
-- `select set_config(...)`: RDS Proxy pins a client connection to one database connection for the
-- rest of its session when it sees set_config in a statement, but does not look inside functions.
-- The normal request path already sets the tenant this way, inside auth_context (0001).
--
-- Transaction-local (set_config's third argument), like auth_context: it cannot outlive the
-- transaction, so a reused connection never starts in the last request's tenant.
-- Not SECURITY DEFINER: app_rw may set its own tenant setting; RLS and the explicit tenant filters
-- decide what that reaches. VOLATILE because it changes a setting.
create function enter_tenant(p_tenant_id bigint)
    returns void
    language plpgsql volatile
    set search_path = public, pg_temp
as $$
begin
    perform set_config('app.tenant_id', p_tenant_id::text, true);
end
$$;
comment on function enter_tenant(bigint) is
    'Sets app.tenant_id for the rest of the transaction (row-level security), without the app sending set_config itself, which would pin an RDS Proxy session.';

revoke execute on function enter_tenant(bigint) from public;
grant execute on function enter_tenant(bigint) to app_rw;
