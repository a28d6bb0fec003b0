#!/usr/bin/env bash
# Proves that /docs (Swagger UI) and /redoc (ReDoc) render every operation of /openapi.json in headless
# Chromium with the network cut off: every request that is not to the loopback server goes to a dead
# proxy and every host name but 127.0.0.1 fails to resolve, so a page needing a CDN would stay empty.
# Chromium's net log is checked as well: no request of the page may even try to leave the machine.
#
#   infra/scripts/docs-offline-check.sh [BASE_URL]
#
# BASE_URL: a running server, e.g. http://127.0.0.1:8000 or, behind a stage prefix, .../prod.
# Without it, the local server is started (`cargo run -p local -- serve`) on a free port (PORT
# overrides), with an embedded PostgreSQL of its own in a temporary directory on another free port, so
# that it runs beside a developer's own local stack (.data/pg, port 54329); both are stopped and
# removed afterwards. Chromium is the pinned Debian build (infra/tools/apt-install.sh installs it when
# it is missing or at another version); CHROMIUM=/path/to/chromium uses another one instead.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d)"
pg_dir=""
server_pid=""
# shellcheck disable=SC2317,SC2329 # invoked by the EXIT trap (SC2317 up to shellcheck 0.10, SC2329 from 0.11)
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
  if [ -n "$pg_dir" ]; then rm -rf "$pg_dir" "$pg_dir.lock"; fi
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

chromium="${CHROMIUM:-}"
if [ -z "$chromium" ]; then
  "$root/infra/tools/apt-install.sh" chromium chromium-common
  chromium=/usr/bin/chromium
fi

base="${1:-}"
if [ -z "$base" ]; then
  port="${PORT:-$(free_port)}"
  base="http://127.0.0.1:$port"
  # Its own directory (pgembed hands it to the postgres user when run as root) and port.
  pg_dir="$(mktemp -d)"
  pg_port="$(free_port)"
  while [ "$pg_port" = "$port" ]; do pg_port="$(free_port)"; done
  echo "docs-offline-check: starting the local server on $base (PostgreSQL on port $pg_port in $pg_dir)" >&2
  (cd "$root" && PORT="$port" LOCAL_PG_DIR="$pg_dir" LOCAL_PG_PORT="$pg_port" exec cargo run -q -p local -- serve) \
    >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 600); do
    curl -sf "$base/health" >/dev/null 2>&1 && break
    if ! kill -0 "$server_pid" 2>/dev/null; then
      cat "$work/server.log" >&2; echo "docs-offline-check: the local server exited" >&2; exit 1
    fi
    sleep 1
  done
fi
base="${base%/}"
curl -sf "$base/openapi.json" -o "$work/openapi.json" || { echo "docs-offline-check: no $base/openapi.json" >&2; exit 1; }

status=0
for page in docs redoc; do
  # Headless Chromium bypasses the proxy for loopback only; the resolver rule fails any other name.
  timeout 300 "$chromium" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --disable-background-networking --disable-component-update --disable-sync --no-first-run \
    --disable-default-apps --disable-extensions --no-default-browser-check \
    --proxy-server=127.0.0.1:9 --host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1" \
    --user-data-dir="$work/profile-$page" --log-net-log="$work/netlog-$page.json" \
    --virtual-time-budget=30000 --dump-dom "$base/$page" >"$work/$page.html" 2>"$work/chromium-$page.log" || {
      echo "docs-offline-check: chromium failed on /$page" >&2; tail -20 "$work/chromium-$page.log" >&2; status=1; continue; }
  python3 - "$work/openapi.json" "$work/$page.html" "$work/netlog-$page.json" "$page" "$base/$page" <<'PY' || status=1
import html, json, re, sys
doc_path, dom_path, netlog_path, page, dom_url = sys.argv[1:]
doc = json.load(open(doc_path))
dom = open(dom_path, encoding="utf-8").read()
ops = [op for item in doc["paths"].values() for op in item.values() if isinstance(op, dict)]
missing = []
for op in ops:
    for what in ("operationId", "summary"):
        # As Chromium serialises text: &, <, > and non-breaking spaces escaped.
        text = html.escape(op[what], quote=False)
        if text not in dom and op[what] not in dom:
            missing.append(f"{what} {op[what]!r}")
# Requests the page made (the net log records each request with its initiator; Chromium's own
# background requests have none) that were not to the loopback server.
loopback = re.compile(r"^(https?|wss?)://(127\.0\.0\.1|localhost|\[::1\])[:/]")
urls, outside = set(), set()
try:
    netlog = json.load(open(netlog_path, encoding="utf-8"))
    start_job = netlog["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    origin = re.match(r"^[a-z]+://[^/]+", dom_url).group(0)
    for event in netlog["events"]:
        params = event.get("params") or {}
        if event.get("type") != start_job or "url" not in params:
            continue
        if params.get("initiator") == origin or params["url"] == dom_url:
            urls.add(params["url"])
            if not loopback.match(params["url"]):
                outside.add(params["url"])
except (OSError, ValueError, KeyError, AttributeError) as e:
    print(f"/{page}: unreadable net log ({e})")
    sys.exit(1)
outside = sorted(outside)
print(f"/{page}: {len(ops)} operations, DOM {len(dom)} bytes, {len(urls)} URLs requested, "
      f"{len(missing)} missing, {len(outside)} off-machine")
for m in missing[:50]:
    print(f"  missing: {m}")
for u in outside[:50]:
    print(f"  off-machine request: {u}")
sys.exit(1 if missing or outside or not ops else 0)
PY
done
if [ "$status" -eq 0 ]; then
  echo "docs-offline-check: /docs and /redoc render every operation offline"
else
  echo "docs-offline-check: FAILED" >&2
fi
exit "$status"
