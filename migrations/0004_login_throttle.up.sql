-- The login throttle: failed logins counted per (username, client address) and per username.
--
-- Per pair, so that an attacker's failures lock out only the attacker's address, not the owner at
-- theirs; per username (address ''), a higher cap against guessing from many addresses. Unknown
-- usernames are counted like known ones, so a lock tells nothing about whether an account exists.
-- Global, like usernames: no tenant_id, no RLS; the runtime role reaches it only through the
-- SECURITY DEFINER functions below. (users.failed_login_attempts and users.locked_until, the old
-- per-account lock, are no longer written.)
create table login_throttle (
    username        text not null,
    address         text not null,
    failures        integer not null check (failures >= 0),
    window_start    timestamptz not null,
    locked_until    timestamptz,
    primary key (username, address)
);
revoke all on login_throttle from public;
-- No policy: nobody but the owner (the functions below) sees a row, even if a grant slipped in.
alter table login_throttle enable row level security;

create function auth_throttle_locked(p_username text, p_address text)
    returns boolean
    language sql stable security definer
    set search_path = public, pg_temp
as $$
    select exists (
        select 1 from login_throttle
         where username = lower(p_username) and address in (p_address, '')
           and locked_until > now())
$$;
comment on function auth_throttle_locked(text, text) is
    'SECURITY DEFINER: whether logins of this username from this address are locked (by the pair or the username cap).';

-- One failure for the pair and for the username, in one statement (atomic under concurrency).
-- A count older than the window starts again; reaching the limit locks for p_lock_minutes.
create function auth_throttle_fail(p_username text, p_address text, p_max_per_address integer,
                                   p_max_per_username integer, p_window_minutes integer,
                                   p_lock_minutes integer)
    returns void
    language sql volatile security definer
    set search_path = public, pg_temp
as $$
    insert into login_throttle as t (username, address, failures, window_start, locked_until)
    select lower(p_username), a.address, 1, now(),
           case when 1 >= a.max_failures then now() + make_interval(mins => p_lock_minutes) end
      from (values (p_address, p_max_per_address), ('', p_max_per_username)) as a (address, max_failures)
    on conflict (username, address) do update set
        failures = case when t.window_start < now() - make_interval(mins => p_window_minutes)
                        then 1 else t.failures + 1 end,
        window_start = case when t.window_start < now() - make_interval(mins => p_window_minutes)
                            then now() else t.window_start end,
        locked_until = case
            when (case when t.window_start < now() - make_interval(mins => p_window_minutes)
                       then 1 else t.failures + 1 end)
                 >= (case when t.address = '' then p_max_per_username else p_max_per_address end)
            then now() + make_interval(mins => p_lock_minutes)
            else t.locked_until end
$$;
comment on function auth_throttle_fail(text, text, integer, integer, integer, integer) is
    'SECURITY DEFINER: counts a failed login for the (username, address) pair and the username.';

-- A successful login clears its own address's count (not the username cap's).
create function auth_throttle_clear(p_username text, p_address text)
    returns void
    language sql volatile security definer
    set search_path = public, pg_temp
as $$
    delete from login_throttle where username = lower(p_username) and address = p_address
$$;
comment on function auth_throttle_clear(text, text) is
    'SECURITY DEFINER: forgets the failed logins of this username from this address after a success.';

-- An admin's password reset lifts every lock of the username: they just gave the user a known password.
create function auth_throttle_forget(p_username text)
    returns void
    language sql volatile security definer
    set search_path = public, pg_temp
as $$
    delete from login_throttle where username = lower(p_username)
$$;
comment on function auth_throttle_forget(text) is
    'SECURITY DEFINER: forgets every failed login of this username (after an admin reset its password).';

revoke execute on function auth_throttle_forget(text) from public;
grant execute on function auth_throttle_forget(text) to app_rw;
revoke execute on function auth_throttle_locked(text, text) from public;
revoke execute on function auth_throttle_fail(text, text, integer, integer, integer, integer) from public;
revoke execute on function auth_throttle_clear(text, text) from public;
grant execute on function auth_throttle_locked(text, text) to app_rw;
grant execute on function auth_throttle_fail(text, text, integer, integer, integer, integer) to app_rw;
grant execute on function auth_throttle_clear(text, text) to app_rw;
