#!/usr/bin/env bash
# The release steps after the build, shared by deploy.sh and .github/workflows/deploy.yml so the two
# cannot drift. Needs AWS credentials (the deploy role, or your own) and a finished build:
# .aws-sam/build (template.yaml) and .aws-sam/migrate (infra/sam/migrate.yaml).
#
#   infra/scripts/release.sh <env> all      migrate stack, migration, API stack, smoke test
#   infra/scripts/release.sh <env> plan     create both change sets without executing them; prints
#                                           their changes and writes their ARNs to $RELEASE_PLAN
#   infra/scripts/release.sh <env> apply    execute the change sets of `plan` ($RELEASE_PLAN) in the
#                                           same order, with the migration between them, then smoke
#
# The order is the point: the schema is migrated before the code that needs it goes live, and a failed
# migration stops the release with the old code still serving (expand-then-contract keeps the old code
# working on the new schema). Extra arguments go to both `sam deploy`s of `all`.
set -euo pipefail

env_name="${1:?usage: $0 <dev|staging|prod> <all|plan|apply> [sam deploy options...]}"
phase="${2:?usage: $0 <env> <all|plan|apply>}"
shift 2
case "$env_name" in dev | staging | prod) ;; *)
  echo "release: unknown environment '$env_name'" >&2
  exit 2
  ;;
esac
plan_file="${RELEASE_PLAN:-.aws-sam/release-plan.env}"

# shellcheck source=infra/scripts/arch.sh
. "$(dirname "${BASH_SOURCE[0]}")/arch.sh"

step() { printf '\n==> %s\n' "$*"; }
die() {
  echo "release: $*" >&2
  exit 1
}

setting() { # <config-env> <key>: a value of samconfig.toml
  awk -v header="[$1.deploy.parameters]" -v key="$2" '
    $0 == header { on = 1; next }
    /^\[/        { on = 0 }
    on && $1 == key { sub(/^[^=]*=[[:space:]]*/, ""); gsub(/"/, ""); print }' samconfig.toml
}
region="$(setting "$env_name" region)"
[ -n "$region" ] || die "samconfig.toml: [$env_name.deploy.parameters] has no region"

output() { # <stack> <key>
  aws cloudformation describe-stacks --region "$region" --stack-name "$1" \
    --query "Stacks[0].Outputs[?OutputKey=='$2'].OutputValue" --output text
}

migrate() {
  local fn
  fn="$(output "$(setting "$env_name-migrate" stack_name)" MigrateFunctionName)"
  [ -n "$fn" ] && [ "$fn" != None ] || die "the migrate stack lacks the MigrateFunctionName output"
  step "Migrating ($fn)"
  local result function_error
  result="$(mktemp)"
  function_error="$(aws lambda invoke --region "$region" \
    --function-name "$fn" \
    --cli-binary-format raw-in-base64-out \
    --cli-read-timeout 900 \
    --payload '{"action":"up"}' \
    --query FunctionError --output text \
    "$result")"
  cat "$result"
  echo
  rm -f "$result"
  if [ -n "$function_error" ] && [ "$function_error" != None ]; then
    die "migration failed ($function_error); the API stack was not deployed"
  fi
}

smoke() {
  local api_url body
  api_url="$(output "$(setting "$env_name" stack_name)" ApiUrl)"
  api_url="${api_url%/}"
  [ -n "$api_url" ] && [ "$api_url" != None ] || die "the API stack lacks the ApiUrl output"
  step "Smoke test $api_url/health/db"
  body="$(curl -fsS --retry 5 --retry-delay 3 --retry-all-errors --max-time 30 "$api_url/health/db")" ||
    die "GET $api_url/health/db failed"
  echo "$body"
  grep -Eq '"status"[[:space:]]*:[[:space:]]*"healthy"' <<<"$body" ||
    die "$api_url/health/db is not healthy (check the function logs, the secret and the VPC routes)"
  echo "Released $env_name: $api_url"
}

# The Architecture a deploy of <config-env> gets: its parameter_overrides', else its template's default
# (the source template: sam build rewrites the built one's layout).
architecture_for() { # <config-env>
  local override source=template.yaml
  case "$1" in *-migrate) source=infra/sam/migrate.yaml ;; esac
  override="$(setting "$1" parameter_overrides | grep -Eo 'Architecture=[A-Za-z0-9_]+' | cut -d= -f2 || true)"
  echo "${override:-$(template_architecture "$source")}"
}

deploy() { # <config-env> <built template> [sam deploy options...]
  local config_env="$1" built="$2" want
  shift 2
  [ -f "$built" ] || die "$built is missing: build first (deploy.sh, or the workflow's build job)"
  # Lambda would accept binaries of the other architecture and fail every invocation: refuse first.
  want="$(architecture_for "$config_env")"
  check_bootstraps "$(dirname "$built")" "$want" ||
    die "the build in $(dirname "$built") is not for $want, which $config_env deploys (LAMBDA_TARGET=$(target_of "$want") infra/scripts/sam-build.sh)"
  step "sam deploy --config-env $config_env"
  sam deploy --config-env "$config_env" --template-file "$built" "$@"
}

# The ARN of the change set `sam deploy --no-execute-changeset` just created, or nothing when there
# was nothing to change.
changeset_of() {
  grep -Eo 'arn:aws[a-z-]*:cloudformation:[^[:space:]]+:changeSet/[^[:space:]]+' "$1" | tail -n 1 || true
}

execute() { # <stack> <change set ARN or empty>
  [ -n "$2" ] || {
    echo "$1: no changes"
    return 0
  }
  local status
  step "Executing the change set of $1"
  status="$(aws cloudformation describe-stacks --region "$region" --stack-name "$1" \
    --query 'Stacks[0].StackStatus' --output text)"
  aws cloudformation execute-change-set --region "$region" --change-set-name "$2"
  if [ "$status" = REVIEW_IN_PROGRESS ]; then
    aws cloudformation wait stack-create-complete --region "$region" --stack-name "$1"
  else
    aws cloudformation wait stack-update-complete --region "$region" --stack-name "$1"
  fi
}

migrate_stack="$(setting "$env_name-migrate" stack_name)"
api_stack="$(setting "$env_name" stack_name)"
case "$phase" in
  all)
    deploy "$env_name-migrate" .aws-sam/migrate/template.yaml "$@"
    migrate
    deploy "$env_name" .aws-sam/build/template.yaml "$@"
    smoke
    ;;
  plan)
    log="$(mktemp)"
    deploy "$env_name-migrate" .aws-sam/migrate/template.yaml --no-execute-changeset | tee "$log"
    migrate_cs="$(changeset_of "$log")"
    deploy "$env_name" .aws-sam/build/template.yaml --no-execute-changeset | tee "$log"
    api_cs="$(changeset_of "$log")"
    rm -f "$log"
    mkdir -p "$(dirname "$plan_file")"
    printf 'MIGRATE_CHANGESET=%s\nAPI_CHANGESET=%s\n' "$migrate_cs" "$api_cs" >"$plan_file"
    echo "release: planned; review the change sets above, then run: $0 $env_name apply"
    ;;
  apply)
    [ -f "$plan_file" ] || die "no plan ($plan_file): run '$0 $env_name plan' first"
    # shellcheck source=/dev/null
    . "$plan_file"
    execute "$migrate_stack" "${MIGRATE_CHANGESET:-}"
    migrate
    execute "$api_stack" "${API_CHANGESET:-}"
    smoke
    ;;
  *) die "unknown phase '$phase' (all, plan or apply)" ;;
esac
