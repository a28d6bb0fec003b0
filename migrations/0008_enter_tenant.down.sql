drop function enter_tenant(bigint);
