drop function auth_throttle_forget(text);
drop function auth_throttle_clear(text, text);
drop function auth_throttle_fail(text, text, integer, integer, integer, integer);
drop function auth_throttle_locked(text, text);
drop table login_throttle;
