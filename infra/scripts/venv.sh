#!/usr/bin/env bash
# The one installer of the project's Python tools. Makes sure the virtualenv (.venv at the repository
# root; VENV overrides) exists and holds the given packages at exactly the versions pinned in
# infra/tools/constraints.txt, dependencies included, installing only when something is missing or at
# another version; prints the venv's bin directory. A package without a pin is refused, so nothing
# ever installs "whatever is newest today".
#   infra/scripts/venv.sh aws-sam-translator pyyaml      # CI: the resource-count check
#   infra/scripts/venv.sh aws-sam-cli cargo-lambda       # sam validate / sam build
# Scripts call the tools by the printed path, never from PATH: a tool of another version that happens
# to be installed on the machine must not stand in for the pinned one.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
constraints="$root/infra/tools/constraints.txt"
venv="${VENV:-$root/.venv}"
[ "$#" -gt 0 ] || { echo "usage: $0 PACKAGE..." >&2; exit 2; }
export PIP_DISABLE_PIP_VERSION_CHECK=1

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
fi

# Prints what to install (NAME==VERSION of each requested package, and of every installed package
# that constraints.txt pins at another version, e.g. left by an older pin) when anything differs from
# the pins; prints nothing when all is as pinned. Exit 2 for a package constraints.txt does not pin.
drift() {
  "$venv/bin/python" - "$constraints" "$@" <<'PY'
import re, sys
from importlib import metadata

def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()

pins = {}
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.split("#", 1)[0].strip()
    if line:
        name, sep, version = line.partition("==")
        if not sep:
            sys.exit(f"venv: {sys.argv[1]}: '{line}' is not NAME==VERSION")
        pins[norm(name)] = version.strip()
wanted = [norm(p) for p in sys.argv[2:]]
unpinned = [p for p in wanted if p not in pins]
if unpinned:
    print(f"venv: not pinned in infra/tools/constraints.txt: {' '.join(unpinned)} "
          "(add it with infra/tools/update-pins.sh; README.md, 'Tool versions')", file=sys.stderr)
    sys.exit(2)
installed = {norm(d.metadata["Name"]): d.version for d in metadata.distributions()}
stale = sorted(p for p, v in installed.items() if p in pins and v != pins[p] and p not in wanted)
if stale or any(installed.get(p) != pins[p] for p in wanted):
    print(" ".join(f"{p}=={pins[p]}" for p in wanted + stale))
PY
}

need="$(drift "$@")"
if [ -n "$need" ]; then
  echo "venv: installing $need (and their pinned dependencies) into $venv" >&2
  # shellcheck disable=SC2086 # one word per requirement
  "$venv/bin/python" -m pip install -q -c "$constraints" $need >&2
  still="$(drift "$@")"
  if [ -n "$still" ]; then
    echo "venv: after installing, $venv still differs from infra/tools/constraints.txt:" >&2
    "$venv/bin/python" -m pip list --format=freeze >&2
    exit 1
  fi
fi
echo "$venv/bin"
