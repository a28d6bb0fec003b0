#!/usr/bin/env bash
# Schema fuzzing: schemathesis (pinned, infra/tools/constraints.txt) against /openapi.json of the local
# server, as the demo admin, with the demo tenant's real ids, every operation, bounded examples and a
# fixed seed. Fails (non-zero, schemathesis's report on stdout) on any 5xx, any answer that does not
# match the documented status codes, content types and schemas, and any 4xx other than 401/403/404/409
# (the answers about credentials and state) for a request the schema calls valid.
#   infra/scripts/fuzz.sh                                   # as CI runs it
#   FUZZ_MAX_EXAMPLES=100 FUZZ_SEED=7 infra/scripts/fuzz.sh # more cases per operation, another seed
# The server runs on free loopback ports with its own throwaway PostgreSQL (never .data/pg) and is
# stopped, PostgreSQL with it, however the script ends. infra/fuzz/ has the fixture and the hooks.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
max_examples="${FUZZ_MAX_EXAMPLES:-25}"
seed="${FUZZ_SEED:-20261201}"

# The hooks and the fixture are imported from infra/fuzz: no __pycache__ in the checkout.
export PYTHONDONTWRITEBYTECODE=1
bin="$(infra/scripts/venv.sh schemathesis)"
cargo build --locked -q -p local
server_bin="$root/target/debug/local"

work="$(mktemp -d)"
server_pid=""
cleanup() {
  local rc=$?
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    # SIGTERM: the server stops serving, then stops its PostgreSQL.
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "$rc" -ne 0 ] && [ -f "$work/server.log" ]; then
    echo "fuzz: failed (exit $rc); the server's errors and 5xx answers:" >&2
    grep -E '"level":"(ERROR|WARN)"|"status":5[0-9][0-9]' "$work/server.log" | tail -n 40 >&2 || true
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  "$bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port="$(free_port)"
pg_port="$(free_port)"
while [ "$pg_port" = "$port" ]; do pg_port="$(free_port)"; done
base="http://127.0.0.1:$port"

# BCRYPT_COST=4 (the least the server takes): sign-ups, logins and user changes hash passwords, and
# at the default cost 12 each would take a quarter of a second of the run's CPU. The login throttle at
# its widest: the fuzzer's wrong passwords for `admin` must not lock out the account the run logs in
# as (the throttle has its own tests, functions/tests/api/auth.rs).
PORT="$port" LOCAL_PG_PORT="$pg_port" LOCAL_PG_DIR="$work/pg" BCRYPT_COST=4 \
  MAX_LOGIN_ATTEMPTS=100 MAX_LOGIN_ATTEMPTS_PER_USERNAME=100000 \
  "$server_bin" serve >"$work/server.log" 2>&1 &
server_pid=$!

echo "fuzz: waiting for $base/health (PostgreSQL in $work/pg on port $pg_port)"
for _ in $(seq 1 120); do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "fuzz: the server exited before it answered:" >&2
    tail -n 40 "$work/server.log" >&2
    exit 1
  fi
  if "$bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
    "$base/health" 2>/dev/null; then
    break
  fi
  sleep 1
done
"$bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$base/health"

mkdir "$work/st"
FUZZ_GUARDS="$work/st/guards.json"
export FUZZ_GUARDS
"$bin/python" infra/fuzz/fixture.py "$base" "$work/st"

# Checks: no 5xx; status codes, content types and bodies as documented; valid data accepted.
# All four phases: the schema's examples, the coverage phase's boundary values (each limit and just
# past it), random fuzzing, and stateful sequences along the links schemathesis infers between
# operations. -n bounds the cases per operation and phase; the seed and one worker make a run repeatable.
# No NUL characters: the API refuses U+0000 in every string and key with a 422 by design (README,
# Decisions: PostgreSQL's text cannot hold it), which the document states once, not on every string.
checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,positive_data_acceptance
echo "fuzz: schemathesis, $max_examples examples per operation, seed $seed"
start=$SECONDS
(
  cd "$work/st"
  "$bin/schemathesis" --config-file "$work/st/schemathesis.toml" run "$base/openapi.json" \
    --checks "$checks" \
    --phases examples,coverage,fuzzing,stateful \
    --max-examples "$max_examples" \
    --seed "$seed" \
    --workers 1 \
    --request-timeout 10 \
    --generation-database none \
    --generation-allow-x00 false \
    --no-color
)
echo "fuzz: passed in $((SECONDS - start)) s"
