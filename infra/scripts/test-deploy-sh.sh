#!/usr/bin/env bash
# Runs deploy.sh (and with it infra/scripts/release.sh) end to end against stand-ins for aws, sam,
# cargo and curl (no AWS, no network): checks the order of the steps (both builds, then the migrate
# stack, the migration, the API stack, the smoke test), the arguments that matter, that a failed
# migration stops the release before the API stack, that an unhealthy /health/db fails it, and the
# plan/apply phases the prod pipeline uses. Prints "N passed, N failed".
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/repo/infra/scripts" "$work/repo/infra/sam" "$work/bin"
cp "$repo/deploy.sh" "$work/repo/"
cp "$repo/infra/scripts/samconfig-check.sh" "$repo/infra/scripts/release.sh" "$repo/infra/scripts/arch.sh" "$work/repo/infra/scripts/"
cp "$repo/template.yaml" "$work/repo/"
cp "$repo/infra/sam/migrate.yaml" "$work/repo/infra/sam/"
# samconfig.toml with the placeholders filled in.
fill() {
  sed -e 's/REPLACE_ME (ArtifactsBucketName[^"]*)/jmsk-artifacts-test/' \
    -e 's/REPLACE_ME (CloudFormationRoleArn[^"]*)/arn:aws:iam::123456789012:role\/jmsk-cloudformation-x/' \
    -e 's/REPLACE_ME //g' "$repo/samconfig.toml"
}
fill >"$work/repo/samconfig.toml"

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
stub sam <<'STUB'
# A built function: an ELF header whose e_machine is arm64's (0xb7) unless STUB_MACHINE says otherwise.
bootstrap() {
  mkdir -p "$1/Fn" && touch "$1/template.yaml"
  printf "\177ELF\2\1\1\0\0\0\0\0\0\0\0\0\2\0${STUB_MACHINE:-\267}\0" >"$1/Fn/bootstrap"
}
case "$*" in
  "build --template-file infra/sam/migrate.yaml --build-dir .aws-sam/migrate") bootstrap .aws-sam/migrate ;;
  build) bootstrap .aws-sam/build ;;
  *--no-execute-changeset*)
    echo "Changeset created successfully. arn:aws:cloudformation:eu-west-1:123456789012:changeSet/samcli-deploy$RANDOM/abc" ;;
esac
exit 0
STUB
stub cargo <<<'exit 0'
stub cargo-lambda <<<'exit 0'
stub aws <<'STUB'
case "$*" in
  *get-caller-identity*) echo 123456789012 ;;
  *"OutputKey=='ApiUrl'"*) echo "https://abc.execute-api.eu-west-1.amazonaws.com/prod/" ;;
  *"OutputKey=='MigrateFunctionName'"*) echo "jmsk-dev-migrate" ;;
  *StackStatus*) echo UPDATE_COMPLETE ;;
  *execute-change-set* | *"cloudformation wait"*) exit 0 ;;
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
order() { grep -E '^(sam (build|deploy)|aws lambda invoke|curl)' "$log" | sed -E 's/^(sam [a-z]+( --template-file [^ ]+| --config-env [^ ]+)?|aws lambda invoke|curl).*/\1/' | tr '\n' '|'; }

: >"$log"
check "dev deploy succeeds" run dev
check "build both, then migrate stack, migration, API stack, smoke test" bash -c "[ \"\$(cd '$work' && $(declare -f order); log='$log' order)\" = 'sam build|sam build --template-file infra/sam/migrate.yaml|sam deploy --config-env dev-migrate|aws lambda invoke|sam deploy --config-env dev|curl|' ]"
check "each stack is deployed from its own build" bash -c "grep -q '^sam deploy --config-env dev-migrate --template-file .aws-sam/migrate/template.yaml' '$log' && grep -q '^sam deploy --config-env dev --template-file .aws-sam/build/template.yaml' '$log'"
check "migration is invoked with action up" grep -q "lambda invoke .*--function-name jmsk-dev-migrate .*--payload {\"action\":\"up\"}" "$log"
check "smoke test hits /health/db without a double slash" grep -q "curl .*https://abc.execute-api.eu-west-1.amazonaws.com/prod/health/db" "$log"
check "extra options reach sam deploy" bash -c "run() { PATH='$work/bin:/usr/bin:/bin' bash '$work/repo/deploy.sh' \"\$@\" >/dev/null 2>&1; }; : >'$log'; run prod --no-confirm-changeset && grep -q '^sam deploy --config-env prod --template-file .aws-sam/build/template.yaml --no-confirm-changeset$' '$log'"
: >"$log"
check "a failed migration fails the deploy" bash -c "! STUB_FUNCTION_ERROR=Unhandled PATH='$work/bin:/usr/bin:/bin' bash '$work/repo/deploy.sh' dev >/dev/null 2>&1"
check "a failed migration never deploys the API stack" bash -c "grep -q '^sam deploy --config-env dev-migrate' '$log' && ! grep -q '^sam deploy --config-env dev ' '$log'"
check "an unhealthy database fails the deploy" bash -c "! STUB_HEALTH='{\"status\":\"unhealthy\"}' PATH='$work/bin:/usr/bin:/bin' bash '$work/repo/deploy.sh' dev >/dev/null 2>&1"
check "an unknown environment is refused" bash -c "! PATH='$work/bin:/usr/bin:/bin' bash '$work/repo/deploy.sh' qa >/dev/null 2>&1"
: >"$log"
check "x86_64 binaries are refused for the arm64 default" bash -c "! STUB_MACHINE='\\076' PATH='$work/bin:/usr/bin:/bin' bash '$work/repo/deploy.sh' dev >'$work/out.log' 2>&1 && grep -q 'is not for arm64' '$work/out.log' && ! grep -q '^sam deploy' '$log'"
check "arm64 binaries deploy (positive control, and the build the plan below uses)" run dev

# The prod pipeline: plan creates both change sets and executes nothing; apply runs them in order.
release() { (cd "$work/repo" && PATH="$work/bin:/usr/bin:/bin" RELEASE_PLAN="$work/plan.env" bash infra/scripts/release.sh "$@") >"$work/out.log" 2>&1; }
: >"$log"
check "plan creates both change sets" release prod plan
check "plan executes nothing and migrates nothing" bash -c "[ \"\$(grep -c -- '--no-execute-changeset' '$log')\" = 2 ] && ! grep -qE 'execute-change-set|lambda invoke' '$log'"
check "plan records both change sets" bash -c "grep -q '^MIGRATE_CHANGESET=arn:aws:cloudformation:.*:changeSet/' '$work/plan.env' && grep -q '^API_CHANGESET=arn:aws:cloudformation:.*:changeSet/' '$work/plan.env'"
: >"$log"
check "apply succeeds" release prod apply
check "apply: migrate change set, migration, API change set, smoke test" bash -c "grep -nE 'execute-change-set|lambda invoke|^curl' '$log' | cut -d: -f2- | sed -E 's/^(aws cloudformation execute-change-set|aws lambda invoke|curl).*/\1/' | tr '\n' '|' | grep -qx 'aws cloudformation execute-change-set|aws lambda invoke|aws cloudformation execute-change-set|curl|'"
check "apply without a plan is refused" bash -c "! (cd '$work/repo' && PATH='$work/bin:/usr/bin:/bin' RELEASE_PLAN='$work/none.env' bash infra/scripts/release.sh prod apply >/dev/null 2>&1)"

fill | sed 's/ReservedConcurrencyPerFunction=\\"2\\"/ReservedConcurrencyPerFunction=\\"-1\\"/' >"$work/repo/samconfig.toml"
check "prod without reserved concurrency is refused" bash -c "! PATH='$work/bin:/usr/bin:/bin' bash '$work/repo/deploy.sh' prod >/dev/null 2>&1"
fill | sed 's/DatabaseMaxConnections=\\"900\\"/DatabaseMaxConnections=\\"100\\"/' >"$work/repo/samconfig.toml"
check "prod over the connection budget is refused" bash -c "! PATH='$work/bin:/usr/bin:/bin' bash '$work/repo/deploy.sh' prod >/dev/null 2>&1"
fill >"$work/repo/samconfig.toml"
check "dev needs no reserved concurrency (positive control)" bash -c "PATH='$work/bin:/usr/bin:/bin' bash '$work/repo/deploy.sh' dev >/dev/null 2>&1"
cp "$repo/samconfig.toml" "$work/repo/samconfig.toml"
check "placeholders in samconfig.toml stop the deploy" bash -c "! PATH='$work/bin:/usr/bin:/bin' bash '$work/repo/deploy.sh' dev >/dev/null 2>&1"

echo "deploy.sh: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
