#!/usr/bin/env bash
# The one installer of the project's Debian packages, at the versions pinned in pins.env beside this
# file (DEBIAN_<NAME>):
#   infra/tools/apt-install.sh chromium chromium-common
# A package already installed at its pin is left alone; a package without a pin is refused.
#
# Debian's archive serves only the newest build of each package in a suite, and a stable release
# changes a package only for a security fix. So when a security update has replaced a pinned build,
# the pin cannot be installed by anyone any more: failing then would turn CI red because of a release
# elsewhere, which is what the pins exist to prevent. This installs the suite's replacement instead,
# says so in a warning naming both versions, and checks that what is installed is what it chose;
# moving the pin is then a one-line change (README.md, "Tool versions").
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=infra/tools/pins.env
. "$here/pins.env"
[ "$#" -gt 0 ] || { echo "usage: $0 PACKAGE..." >&2; exit 2; }
export DEBIAN_FRONTEND=noninteractive

pin_var() { echo "DEBIAN_$(tr 'a-z.+-' 'A-Z___' <<<"$1")"; }
pin_of() {
  local var
  var="$(pin_var "$1")"
  echo "${!var:-}"
}
installed_version() {
  dpkg-query -W -f='${db:Status-Status} ${Version}\n' "$1" 2>/dev/null | awk '$1 == "installed" { print $2 }'
}
available() { # package version: is that build in the package lists?
  apt-cache madison "$1" 2>/dev/null | awk -F' [|] ' -v v="$2" '$2 == v { found = 1 } END { exit !found }'
}

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "apt-install: needs root (or sudo) to install $*" >&2; exit 1; }
  as_root=(sudo -n)
fi

todo=()
for pkg in "$@"; do
  pin="$(pin_of "$pkg")"
  [ -n "$pin" ] || { echo "apt-install: $pkg has no pin (add $(pin_var "$pkg") to $here/pins.env)" >&2; exit 2; }
  if [ "$(installed_version "$pkg")" = "$pin" ]; then
    echo "apt-install: $pkg $pin (as pinned) present" >&2
  else
    todo+=("$pkg")
  fi
done
[ "${#todo[@]}" -gt 0 ] || exit 0

"${as_root[@]}" apt-get update -qq >&2
specs=()
for pkg in "${todo[@]}"; do
  pin="$(pin_of "$pkg")"
  if available "$pkg" "$pin"; then
    specs+=("$pkg=$pin")
    continue
  fi
  candidate="$(apt-cache policy "$pkg" | awk '$1 == "Candidate:" { print $2 }')"
  if [ -z "$candidate" ] || [ "$candidate" = "(none)" ]; then
    echo "apt-install: no package $pkg in the package lists" >&2
    exit 1
  fi
  echo "apt-install: WARNING: $pkg $pin (pinned) is no longer in Debian's archive; installing $candidate," \
    "its replacement in the same release. Move $(pin_var "$pkg") in infra/tools/pins.env." >&2
  specs+=("$pkg=$candidate")
done
echo "apt-install: installing ${specs[*]}" >&2
"${as_root[@]}" apt-get install -y -qq "${specs[@]}" >&2

for spec in "${specs[@]}"; do
  have="$(installed_version "${spec%%=*}")"
  if [ "$have" != "${spec#*=}" ]; then
    echo "apt-install: ${spec%%=*} is at '${have:-nothing}' after installing ${spec#*=}" >&2
    exit 1
  fi
  echo "apt-install: ${spec%%=*} ${spec#*=} installed" >&2
done
