#!/usr/bin/env bash
# Make sure the project's Python virtualenv (.venv at the repository root) exists and has the given
# packages, installing only what is missing; prints the venv's bin directory.
#   infra/scripts/venv.sh aws-sam-translator pyyaml      # CI: the resource-count check
#   infra/scripts/venv.sh aws-sam-cli cargo-lambda       # sam validate / sam build
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${VENV:-$root/.venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
fi
missing=()
for pkg in "$@"; do
  "$venv/bin/python" -m pip show -q "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "venv: installing ${missing[*]} into $venv" >&2
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "${missing[@]}" >&2
fi
echo "$venv/bin"
