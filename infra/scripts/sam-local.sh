#!/usr/bin/env bash
# `sam local` against the local stack's database (README, "Three ways to run the API"). Needs Docker and
# the local stack running beside it (`cargo run -p local`: its embedded PostgreSQL on 127.0.0.1:54329,
# seeded with the demo tenant).
#
#   infra/scripts/sam-local.sh start-api            every function in its own container, on :3000
#   infra/scripts/sam-local.sh invoke <endpoint>    one invocation of events/<endpoint>.json, e.g.
#                                                   health_db or companies_list; adds the demo admin's
#                                                   token, fetched from the local stack
#   infra/scripts/sam-local.sh --print <command>    print the sam command instead of running it
#
# Environment: infra/sam/env.local.json gives every function APP_ENV=local (the local stack's fixed
# development JWT key, so its tokens work here), no secret, and the local stack's DATABASE_URL. On Linux
# the containers share the host's network (--docker-network host) and reach PostgreSQL on 127.0.0.1,
# where alone it listens. Elsewhere (Docker Desktop) set SAM_LOCAL_DB_HOST=host.docker.internal: the
# URL is rewritten to it, and Docker Desktop forwards that name to the host's loopback.
# SAM_LOCAL_WARM=EAGER|LAZY|none (default LAZY): see the README for what each costs.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
print=0
if [ "${1:-}" = --print ]; then
  print=1
  shift
fi
command="${1:?usage: $0 [--print] start-api | invoke <endpoint>}"

if [ "$print" = 1 ]; then
  sam=sam
else
  sam="$(infra/scripts/venv.sh aws-sam-cli)/sam"
  command -v docker >/dev/null || {
    echo "sam-local: needs a Docker engine (docker not found); without one use cargo run -p local" >&2
    exit 1
  }
fi
# shellcheck source=infra/scripts/arch.sh
. infra/scripts/arch.sh
# The containers run this machine's architecture (another one needs emulation in Docker): build for
# it, and tell the template. A build for the deploy's architecture is rebuilt; release.sh refuses to
# deploy the result elsewhere.
architecture="$(host_architecture)"
if [ "$print" = 0 ]; then
  if [ ! -f .aws-sam/build/template.yaml ] || ! check_bootstraps .aws-sam/build "$architecture" 2>/dev/null; then
    LAMBDA_TARGET="$(target_of "$architecture")" bash infra/scripts/sam-build.sh
  fi
fi
export SAM_CLI_TELEMETRY=0

env_file=infra/sam/env.local.json
network=(--docker-network host)
if [ -n "${SAM_LOCAL_DB_HOST:-}" ]; then
  env_file="$(mktemp)"
  sed "s/127\.0\.0\.1/${SAM_LOCAL_DB_HOST}/" infra/sam/env.local.json >"$env_file"
  network=()
fi
common=(--template-file .aws-sam/build/template.yaml --env-vars "$env_file" --parameter-overrides Stage=dev "Architecture=$architecture" "${network[@]}")

run() {
  if [ "$print" = 1 ]; then
    echo "$@"
  else
    "$@"
  fi
}

case "$command" in
  start-api)
    warm="${SAM_LOCAL_WARM:-LAZY}"
    warm_opts=()
    [ "$warm" = none ] || warm_opts=(--warm-containers "$warm")
    run "$sam" local start-api "${common[@]}" --host 127.0.0.1 --port 3000 "${warm_opts[@]}"
    ;;
  invoke)
    id="${2:?usage: $0 invoke <endpoint id, e.g. health_db>}"
    event="events/$id.json"
    [ -f "$event" ] || {
      echo "sam-local: no $event (endpoint ids: ls events/)" >&2
      exit 2
    }
    function="$(sed -E 's/(^|_)([a-z0-9])/\U\2/g' <<<"$id")Function"
    if [ "$print" = 0 ]; then
      token="$(curl -fsS -d 'username=admin&password=admin123' http://127.0.0.1:8000/api/v1/auth/login |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')" || {
        echo "sam-local: cannot log in to the local stack on :8000 (cargo run -p local)" >&2
        exit 1
      }
      with_token="$(mktemp)"
      TOKEN="$token" python3 - "$event" "$with_token" <<'PY'
import json, os, sys
event = json.load(open(sys.argv[1]))
bearer = "Bearer " + os.environ["TOKEN"]
event["headers"]["Authorization"] = bearer
event["multiValueHeaders"]["Authorization"] = [bearer]
json.dump(event, open(sys.argv[2], "w"))
PY
      event="$with_token"
    fi
    run "$sam" local invoke "$function" --event "$event" "${common[@]}"
    ;;
  *)
    echo "sam-local: unknown command '$command' (start-api, invoke)" >&2
    exit 2
    ;;
esac
