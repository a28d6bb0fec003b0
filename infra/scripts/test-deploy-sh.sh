#!/usr/bin/env bash
# Runs deploy.sh end to end against stand-ins for aws, sam, cargo and curl (no AWS, no network): checks
# the order of the steps, the arguments that matter, and that a failed migration or an unhealthy
# /health/db fails the deploy. Prints "N passed, N failed".
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/repo/infra/scripts" "$work/bin"
cp "$repo/deploy.sh" "$work/repo/"
cp "$repo/infra/scripts/samconfig-check.sh" "$work/repo/infra/scripts/"
# samconfig.toml with the placeholders filled in.
sed -e 's/REPLACE_ME (ArtifactsBucketName[^"]*)/jmsk-artifacts-test/' \
  -e 's/REPLACE_ME //g' "$repo/samconfig.toml" >"$work/repo/samconfig.toml"

log="$work/calls.log"
export STUB_LOG="$log"
# Each stand-in records its command line, then answers like the real tool would.
stub() {
  {
    echo '#!/usr/bin/env bash'
    # shellcheck disable=SC2016 # written into the stand-in, expanded when it runs
    echo 'echo "$(basename "$0") $*" >>"$STUB_LOG"'
    cat
  } >"$work/bin/$1"
  chmod +x "$work/bin/$1"
}
stub sam <<<'exit 0'
stub cargo <<<'exit 0'
stub cargo-lambda <<<'exit 0'
stub aws <<'STUB'
case "$*" in
  *get-caller-identity*) echo 123456789012 ;;
  *"OutputKey=='ApiUrl'"*) echo "https://abc.execute-api.eu-west-1.amazonaws.com/prod/" ;;
  *"OutputKey=='MigrateFunctionName'"*) echo "jmsk-dev-MigrateFunction-XYZ" ;;
  *"lambda invoke"*)
    for last; do :; done
    echo '{"applied":[1]}' >"$last"
    echo "${STUB_FUNCTION_ERROR:-None}" ;;
  *) exit 1 ;;
esac
STUB
stub curl <<'STUB'
healthy='{"status":"healthy","database":"connected"}'
echo "${STUB_HEALTH:-$healthy}"
STUB

passed=0
failed=0
check() {
  local name="$1"
  shift
  if "$@"; then
    passed=$((passed + 1))
    echo "ok   $name"
  else
    failed=$((failed + 1))
    echo "FAIL $name"
  fi
}

run() { PATH="$work/bin:/usr/bin:/bin" bash "$work/repo/deploy.sh" "$@" >"$work/out.log" 2>&1; }

: >"$log"
check "dev deploy succeeds" run dev
check "sam build, then sam deploy --config-env dev" bash -c "grep -E '^sam (build|deploy)' '$log' | tr '\\n' '|' | grep -qx 'sam build|sam deploy --config-env dev|'"
check "migration is invoked with action up" grep -q "lambda invoke .*--function-name jmsk-dev-MigrateFunction-XYZ .*--payload {\"action\":\"up\"}" "$log"
check "smoke test hits /health/db without a double slash" grep -q "curl .*https://abc.execute-api.eu-west-1.amazonaws.com/prod/health/db" "$log"
check "extra options reach sam deploy" bash -c "run() { PATH='$work/bin:/usr/bin:/bin' bash '$work/repo/deploy.sh' \"\$@\" >/dev/null 2>&1; }; : >'$log'; run prod --no-confirm-changeset && grep -q '^sam deploy --config-env prod --no-confirm-changeset$' '$log'"
check "a failed migration fails the deploy" bash -c "! STUB_FUNCTION_ERROR=Unhandled PATH='$work/bin:/usr/bin:/bin' bash '$work/repo/deploy.sh' dev >/dev/null 2>&1"
check "an unhealthy database fails the deploy" bash -c "! STUB_HEALTH='{\"status\":\"unhealthy\"}' PATH='$work/bin:/usr/bin:/bin' bash '$work/repo/deploy.sh' dev >/dev/null 2>&1"
check "an unknown environment is refused" bash -c "! PATH='$work/bin:/usr/bin:/bin' bash '$work/repo/deploy.sh' qa >/dev/null 2>&1"
cp "$repo/samconfig.toml" "$work/repo/samconfig.toml"
check "placeholders in samconfig.toml stop the deploy" bash -c "! PATH='$work/bin:/usr/bin:/bin' bash '$work/repo/deploy.sh' dev >/dev/null 2>&1"

echo "deploy.sh: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
