#!/usr/bin/env bash
# Validates openapi.json (or the given files) against the OpenAPI 3.1 specification with the PyPI
# `openapi-spec-validator`, installed on first use into the project's virtualenv (.venv at the
# repository root; VENV overrides). For CI: exits non-zero on the first invalid document.
#   infra/scripts/validate-openapi.sh [FILE...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${VENV:-$root/.venv}"
validator_version="0.9.0"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
fi
if ! "$venv/bin/python" -m pip show -q openapi-spec-validator >/dev/null 2>&1; then
  echo "validate-openapi: installing openapi-spec-validator $validator_version into $venv" >&2
  "$venv/bin/python" -m pip install -q --disable-pip-version-check \
    "openapi-spec-validator==$validator_version" >&2
fi
if [ "$#" -eq 0 ]; then
  set -- "$root/openapi.json"
fi
"$venv/bin/openapi-spec-validator" --schema 3.1 "$@"
