#!/usr/bin/env bash
# Manual deploy, for those without GitHub Actions: the same steps as .github/workflows/deploy.yml
# (keep the two in step), with your own AWS credentials (a profile, SSO, or environment variables).
#
#   ./deploy.sh [dev|staging|prod] [extra sam deploy options...]
#
# 1. checks the tools and that samconfig.toml is filled in for the environment,
# 2. sam build, then sam deploy --config-env <env> (prod shows the change set and asks first),
# 3. invokes the migration function ({"action":"up"}) and fails if it fails,
# 4. smoke-tests GET <ApiUrl>/health/db, expecting "status":"healthy".
# One-time setup (OIDC/secret stacks, database roles): docs/deploying.md.
set -euo pipefail

usage() {
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
}

env_name="${1:-dev}"
case "$env_name" in
  dev | staging | prod) ;;
  -h | --help)
    usage
    exit 0
    ;;
  *)
    echo "deploy.sh: unknown environment '$env_name' (dev, staging or prod)" >&2
    exit 2
    ;;
esac
shift $(($# > 0 ? 1 : 0))

cd "$(dirname "${BASH_SOURCE[0]}")"
export SAM_CLI_TELEMETRY=0
# sam and cargo-lambda at their pins: `infra/scripts/venv.sh aws-sam-cli cargo-lambda` installs them into .venv.
if [ -d .venv/bin ]; then
  PATH="$PWD/.venv/bin:$PATH"
fi

step() { printf '\n==> %s\n' "$*"; }
die() {
  echo "deploy.sh: $*" >&2
  exit 1
}

step "Checking tools"
missing=()
for tool in aws sam cargo cargo-lambda curl awk grep; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
  die "missing: ${missing[*]}. Install: AWS CLI v2; infra/scripts/venv.sh aws-sam-cli cargo-lambda (pinned, into .venv); Rust via rustup"
fi
sam --version
cargo lambda --version

bash infra/scripts/samconfig-check.sh "$env_name"
stack="$(awk -v header="[$env_name.deploy.parameters]" '
  $0 == header { on = 1; next }
  /^\[/        { on = 0 }
  on && $1 == "stack_name" { gsub(/"/, "", $3); print $3 }' samconfig.toml)"
region="$(awk -v header="[$env_name.deploy.parameters]" '
  $0 == header { on = 1; next }
  /^\[/        { on = 0 }
  on && $1 == "region" { gsub(/"/, "", $3); print $3 }' samconfig.toml)"
if [ -z "$stack" ] || [ -z "$region" ]; then
  die "samconfig.toml: [$env_name.deploy.parameters] needs stack_name and region"
fi

account="$(aws sts get-caller-identity --query Account --output text)" ||
  die "no AWS credentials (aws configure / aws sso login / AWS_PROFILE)"
echo "Deploying stack $stack to account $account, region $region"

step "sam build"
sam build

step "sam deploy --config-env $env_name"
sam deploy --config-env "$env_name" "$@"

output() {
  aws cloudformation describe-stacks --region "$region" --stack-name "$stack" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}
api_url="$(output ApiUrl)"
api_url="${api_url%/}"
migrate_fn="$(output MigrateFunctionName)"
if [ -z "$api_url" ] || [ "$api_url" = "None" ] || [ -z "$migrate_fn" ] || [ "$migrate_fn" = "None" ]; then
  die "stack $stack lacks the ApiUrl or MigrateFunctionName output"
fi

step "Migrating ($migrate_fn)"
result="$(mktemp)"
trap 'rm -f "$result"' EXIT
function_error="$(aws lambda invoke \
  --region "$region" \
  --function-name "$migrate_fn" \
  --cli-binary-format raw-in-base64-out \
  --cli-read-timeout 900 \
  --payload '{"action":"up"}' \
  --query FunctionError --output text \
  "$result")"
cat "$result"
echo
if [ -n "$function_error" ] && [ "$function_error" != "None" ]; then
  die "migration failed ($function_error)"
fi

step "Smoke test $api_url/health/db"
body="$(curl -fsS --retry 5 --retry-delay 3 --retry-all-errors --max-time 30 "$api_url/health/db")" ||
  die "GET $api_url/health/db failed"
echo "$body"
grep -Eq '"status"[[:space:]]*:[[:space:]]*"healthy"' <<<"$body" ||
  die "$api_url/health/db is not healthy (check the function logs, the secret and the VPC routes)"

step "Deployed $stack: $api_url"
