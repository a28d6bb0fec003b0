#!/usr/bin/env bash
# Validates openapi.json (or the given files) against the OpenAPI 3.1 specification with the PyPI
# `openapi-spec-validator`, at the version pinned in infra/tools/constraints.txt, from the project's
# virtualenv (infra/scripts/venv.sh). For CI: exits non-zero on the first invalid document.
#   infra/scripts/validate-openapi.sh [FILE...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin="$("$root/infra/scripts/venv.sh" openapi-spec-validator)"
if [ "$#" -eq 0 ]; then
  set -- "$root/openapi.json"
fi
"$bin/openapi-spec-validator" --schema 3.1 "$@"
