#!/usr/bin/env bash
# sam validate --lint of both stacks (the API, template.yaml, and the migrations, infra/sam/migrate.yaml):
# SAM's schema plus cfn-lint, offline, no AWS credentials needed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin="$("$root/infra/scripts/venv.sh" aws-sam-cli)"
export SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
cd "$root"
"$bin/sam" validate --lint --template-file template.yaml
"$bin/sam" validate --lint --template-file infra/sam/migrate.yaml
# What can be checked of `sam local` without Docker: sam-local.sh's options, env.local.json, events/.
"$bin/python" infra/scripts/check-sam-local.py "$bin/sam"
