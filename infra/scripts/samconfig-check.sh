#!/usr/bin/env bash
# Usage: infra/scripts/samconfig-check.sh <dev|staging|prod> [samconfig.toml] [template.yaml]
# Refuses to deploy an environment whose samconfig.toml sections ([<env>-migrate.deploy.parameters]
# and [<env>.deploy.parameters]) are missing, still hold a REPLACE_ME placeholder, lack role_arn (the
# CloudFormation service role), or, outside dev, lack a per-function reserved concurrency that keeps
# the connection budget of docs/deploying.md:
#   2 x (sum of reserved concurrency over the request functions) + 1 (migrations) + 10 (admin)
#     <= DatabaseMaxConnections
# twice, because after a deploy the old containers keep their connections until they are reaped or
# idle_session_timeout closes them. Used by deploy.sh and deploy.yml; tested by test-deploy-sh.sh.
set -euo pipefail

env_name="${1:?usage: $0 <dev|staging|prod> [samconfig.toml] [template.yaml]}"
file="${2:-samconfig.toml}"
template="${3:-template.yaml}"

exec python3 - "$env_name" "$file" "$template" <<'PY'
import re
import shlex
import sys
import tomllib

env, path, template = sys.argv[1:4]
HOT = {"LoginReservedConcurrency", "OrdersListReservedConcurrency"}
ADMIN, MIGRATIONS = 10, 1


def fail(msg: str) -> None:
    print(f"samconfig-check: {msg} (see docs/deploying.md)", file=sys.stderr)
    sys.exit(1)


with open(path, "rb") as f:
    config = tomllib.load(f)
sections = {}
for name in (f"{env}-migrate", env):
    section = config.get(name, {}).get("deploy", {}).get("parameters")
    if not section:
        fail(f"no [{name}.deploy.parameters] section in {path}")
    placeholders = [k for k, v in section.items() if "REPLACE_ME" in str(v)]
    if placeholders:
        fail(f"[{name}.deploy.parameters] still has REPLACE_ME in: {', '.join(placeholders)}")
    if not str(section.get("role_arn", "")).startswith("arn:"):
        fail(f"[{name}.deploy.parameters] needs role_arn, the CloudFormationRoleArn of infra/cfn/deploy-role.yaml")
    sections[name] = section

overrides = dict(
    item.split("=", 1) for item in shlex.split(sections[env].get("parameter_overrides", ""))
)
if env != "dev":
    def count(key: str) -> int:
        value = overrides.get(key, "-1")
        if not re.fullmatch(r"[0-9]+", value) or int(value) < 1:
            fail(f"[{env}.deploy.parameters] must set {key} to a positive number outside dev (got {value})")
        return int(value)

    per_function = count("ReservedConcurrencyPerFunction")
    hot = {key: count(key) for key in sorted(HOT)}
    max_connections = count("DatabaseMaxConnections")
    with open(template, encoding="utf-8") as f:
        functions = len(re.findall(r"^    Type: AWS::Serverless::Function$", f.read(), re.M))
    reserved = per_function * (functions - len(hot)) + sum(hot.values())
    budget = 2 * reserved + MIGRATIONS + ADMIN
    if budget > max_connections:
        fail(
            f"{env}: {functions} functions reserve {reserved} concurrent executions; with the old "
            f"containers of a deploy that is 2 x {reserved} + {MIGRATIONS} + {ADMIN} = {budget} "
            f"connections, over DatabaseMaxConnections {max_connections}. Lower the reservations, "
            "use a larger instance, or RDS Proxy"
        )
    print(f"samconfig-check: {env}: connection budget {budget} of {max_connections}")
print(f"samconfig-check: [{env}-migrate] and [{env}] are filled in")
PY
