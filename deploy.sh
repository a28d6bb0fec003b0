#!/usr/bin/env bash
# Manual deploy, for those without GitHub Actions: the same build and release steps as
# .github/workflows/deploy.yml (both run infra/scripts/release.sh), with your own AWS credentials (a
# profile, SSO, or environment variables).
#
#   ./deploy.sh [dev|staging|prod] [extra sam deploy options...]
#
# 1. checks the tools and that samconfig.toml is filled in for the environment (samconfig-check.sh),
# 2. builds both stacks before touching AWS: sam build of template.yaml and infra/sam/migrate.yaml,
# 3. deploys the migrate stack and runs the migration ({"action":"up"}), failing if it fails,
# 4. deploys the API stack (prod shows the change set and asks first), then smoke-tests /health/db.
# One-time setup (OIDC, deploy-role and secret stacks, database roles): docs/deploying.md.
set -euo pipefail

usage() {
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
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
for tool in aws sam cargo cargo-lambda curl awk grep python3; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
  die "missing: ${missing[*]}. Install: AWS CLI v2; infra/scripts/venv.sh aws-sam-cli cargo-lambda (pinned, into .venv); Rust via rustup"
fi
sam --version
cargo lambda --version

bash infra/scripts/samconfig-check.sh "$env_name"
region="$(awk -v header="[$env_name.deploy.parameters]" '
  $0 == header { on = 1; next }
  /^\[/        { on = 0 }
  on && $1 == "region" { gsub(/"/, "", $3); print $3 }' samconfig.toml)"
[ -n "$region" ] || die "samconfig.toml: [$env_name.deploy.parameters] needs a region"

# Both stacks are built before anything reaches AWS (the pipeline even builds without credentials).
step "sam build (API and migrate stacks)"
sam build
sam build --template-file infra/sam/migrate.yaml --build-dir .aws-sam/migrate

account="$(aws sts get-caller-identity --query Account --output text)" ||
  die "no AWS credentials (aws configure / aws sso login / AWS_PROFILE)"
echo "Releasing $env_name to account $account, region $region"
bash infra/scripts/release.sh "$env_name" all "$@"
