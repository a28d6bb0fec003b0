#!/usr/bin/env bash
# Usage: infra/scripts/samconfig-check.sh <dev|staging|prod> [samconfig.toml]
# Fails when [<env>.deploy.parameters] is missing from samconfig.toml or still holds a REPLACE_ME
# placeholder (docs/deploying.md says what to put there). Used by deploy.sh and deploy.yml.
set -euo pipefail

env_name="${1:?usage: $0 <dev|staging|prod> [samconfig.toml]}"
file="${2:-samconfig.toml}"

section="$(awk -v header="[$env_name.deploy.parameters]" '
  $0 == header { on = 1; next }
  /^\[/        { on = 0 }
  on && !/^[[:space:]]*#/' "$file")"

if [ -z "$section" ]; then
  echo "samconfig-check: no [$env_name.deploy.parameters] section in $file" >&2
  exit 1
fi
if grep -n "REPLACE_ME" <<<"$section" >&2; then
  echo "samconfig-check: [$env_name.deploy.parameters] in $file still has REPLACE_ME placeholders (see docs/deploying.md)" >&2
  exit 1
fi
echo "samconfig-check: [$env_name.deploy.parameters] is filled in"
