#!/usr/bin/env bash
# sam build: SAM runs `cargo lambda build --release --bin <Binary>` once per function (BuildMethod
# rust-cargolambda, a SAM beta feature) and stages each `bootstrap` under .aws-sam/build/.
# Extra arguments go to `sam build` (e.g. `--parallel`, or one function's logical id).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin="$("$root/infra/scripts/venv.sh" aws-sam-cli cargo-lambda)"
export PATH="$bin:$PATH" SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
cd "$root"
sam build --beta-features --template-file template.yaml "$@"
