#!/usr/bin/env bash
# Deploy the stack, then migrate the database through the MigrateFunction (request functions never
# migrate). Needs AWS credentials. STACK names the stack (default jmsk-prod); extra arguments go to
# `sam deploy` (e.g. --guided the first time, or --parameter-overrides ...).
# To be completed by the deployment work: environments, parameter files, secrets, rollback policy.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
stack="${STACK:-jmsk-prod}"
bin="$("$root/infra/scripts/venv.sh" aws-sam-cli cargo-lambda)"
export PATH="$bin:$PATH" SAM_CLI_TELEMETRY=0
cd "$root"
"$root/infra/scripts/sam-build.sh" --parallel
sam deploy --stack-name "$stack" --capabilities CAPABILITY_IAM --resolve-s3 \
  --no-fail-on-empty-changeset "$@"
echo "migrating the database of $stack ..." >&2
out="$(sam remote invoke MigrateFunction --stack-name "$stack" --event '{"action": "up"}' --output json)"
echo "$out"
# A failed invocation carries FunctionError; the deploy must then count as failed.
if grep -q '"FunctionError"' <<<"$out"; then
  echo "migration failed: see the output above and the MigrateFunction's logs" >&2
  exit 1
fi
