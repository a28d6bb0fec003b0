#!/usr/bin/env bash
# Warm latency of the reads the performance issue names, against a running local server on the data
# of `cargo run -p local -- generate` (README, Performance → Scale). Sequential requests over one
# keep-alive connection per endpoint; prints a Markdown table of p50/p95 (ms, curl's time_total:
# the whole request seen by the client) and the answer's size. Measures only: nothing is asserted.
#
#   infra/scripts/scale-bench.sh [BASE_URL] [REQUESTS]      # defaults http://127.0.0.1:8000, 50
#
# Needs curl, python3 (statistics, JSON) and the Scale Co login (scale-admin / scale-admin-123).
set -euo pipefail

BASE=${1:-http://127.0.0.1:8000}
N=${2:-50}
API=$BASE/api/v1

TOKEN=$(curl -fsS "$API/auth/login" -H 'Content-Type: application/x-www-form-urlencoded' \
  -d 'username=scale-admin&password=scale-admin-123&remember_me=false' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
AUTH="Authorization: Bearer $TOKEN"

json() { curl -fsS -H "$AUTH" "$API$1"; }
# The month before the last generated one (every unit of it has gone out) and the ids to read.
read -r FROM TO < <(python3 - <<'EOF'
import datetime as d
first = d.date.today().replace(day=1)
start = (first - d.timedelta(days=1)).replace(day=1)
start = (start - d.timedelta(days=1)).replace(day=1)
end = (start + d.timedelta(days=32)).replace(day=1) - d.timedelta(days=1)
print(start, end)
EOF
)
ORDER=$(json "/orders/?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
COMPANY=$(json "/companies-v2/?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')

ENDPOINTS=(
  "/orders/"
  "/companies-v2/"
  "/department-ledger/?date_from=$FROM&date_to=$TO"
  "/department-ledger/?date_from=$FROM&date_to=$TO&limit=100"
  "/department-ledger/summary"
  "/companies/$COMPANY/metal-balances"
  "/orders/$ORDER/timeline"
  "/reports/metal-loss?date_from=$FROM&date_to=$TO"
  "/reports/metal-loss?date_from=$FROM&date_to=$TO&group_by=order"
  "/reports/metal-reconciliation"
)

echo "month $FROM..$TO, order $ORDER, company $COMPANY, $N sequential requests each after 3 warm-ups"
echo
echo "| request | p50 | p95 | answer |"
echo "|---|---:|---:|---:|"
for path in "${ENDPOINTS[@]}"; do
  url="$API$path"
  # One curl process, N+3 requests on one connection: the first 3 warm the caches and are dropped.
  args=()
  for _ in $(seq $((N + 3))); do args+=(-o /dev/null -w '%{http_code} %{time_total} %{size_download}\n' "$url"); done
  # shellcheck disable=SC2016 # the backticks are Markdown inside the Python program, not a shell expansion
  curl -sS -H "$AUTH" "${args[@]}" | python3 -c '
import statistics, sys
rows = [l.split() for l in sys.stdin.read().splitlines()][3:]
bad = [r[0] for r in rows if r[0] != "200"]
if bad:
    sys.exit(f"{sys.argv[2]}: answered {bad[0]}")
ms = sorted(float(r[1]) * 1000 for r in rows)
p = lambda q: ms[min(len(ms) - 1, round(q * (len(ms) - 1)))]
size = int(rows[-1][2])
print(f"| `GET {sys.argv[1]}` | {p(0.5):.1f} ms | {p(0.95):.1f} ms | {size / 1024:.0f} KiB |")
' "$(echo "$path" | sed -E "s/$FROM/<month start>/; s/$TO/<month end>/; s/\/$ORDER\//\/{id}\//; s/\/$COMPANY\//\/{id}\//")" "$path"
done
