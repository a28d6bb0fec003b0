-- authorize: auth_context (0001) that refuses by raising instead of answering no row, and checks the
-- endpoint's permissions itself. A request's statements are sent together with it, before its
-- answer is back (one round trip instead of two, Tx::authorize); the raise aborts the transaction,
-- so whatever was sent behind it fails unexecuted: a refused caller can neither read nor write.
-- Two SQLSTATEs of our own (class JM, nothing of PostgreSQL's), so a refusal cannot be mistaken for
-- another error: JM401 the token's user may not act (inactive, tenant inactive, token revoked),
-- JM403 a permission is missing, named in the message (the first missing one, in the order asked).
-- NOT security definer, VOLATILE: as auth_context.
create function authorize(p_tenant_id bigint, p_user_id bigint, p_issued_at timestamptz,
                          p_required text[])
    returns table (username text, role_id bigint, role_name text, permissions text[])
    language plpgsql volatile
    set search_path = public, pg_temp
as $$
#variable_conflict use_column
declare
    found_row record;
    missing text;
begin
    select * into found_row from auth_context(p_tenant_id, p_user_id, p_issued_at);
    if not found then
        raise exception 'not authenticated' using errcode = 'JM401';
    end if;
    select r into missing
      from unnest(p_required) with ordinality as q(r, i)
     where r <> all (found_row.permissions)
     order by i
     limit 1;
    if missing is not null then
        raise exception '%', missing using errcode = 'JM403';
    end if;
    return query select found_row.username, found_row.role_id, found_row.role_name,
                        found_row.permissions;
end
$$;
comment on function authorize(bigint, bigint, timestamptz, text[]) is
    'auth_context that raises JM401 (no such active user/tenant, or revoked token) or JM403 (message: the first permission of p_required the role lacks) instead of answering no row.';

revoke execute on function authorize(bigint, bigint, timestamptz, text[]) from public;
grant execute on function authorize(bigint, bigint, timestamptz, text[]) to app_rw;
