# shellcheck shell=bash
# The functions' processor architecture, in the three places that must agree: the templates'
# Architecture parameter (arm64 | x86_64), the Rust target the binaries are built for, and the ELF
# machine of the built bootstraps. Sourced by sam-build.sh, sam-local.sh and release.sh.

# template_architecture <template>: its Architecture parameter's Default.
template_architecture() {
  awk '/^  Architecture:$/ { on = 1; next }
       on && /^    Default:/ { print $2; exit }
       on && /^  [^ ]/ { exit }' "$1"
}

# target_of <arm64|x86_64>: the Rust target of a Lambda architecture.
target_of() {
  case "$1" in
    arm64) echo aarch64-unknown-linux-gnu ;;
    x86_64) echo x86_64-unknown-linux-gnu ;;
    *) echo "arch: unknown Lambda architecture '$1'" >&2; return 1 ;;
  esac
}

# architecture_of_target <rust target>: the Lambda architecture of a Rust target.
architecture_of_target() {
  case "$1" in
    aarch64-*) echo arm64 ;;
    x86_64-*) echo x86_64 ;;
    *) echo "arch: no Lambda architecture runs $1" >&2; return 1 ;;
  esac
}

# host_architecture: this machine's, as Lambda names it.
host_architecture() {
  case "$(uname -m)" in
    aarch64 | arm64) echo arm64 ;;
    *) echo x86_64 ;;
  esac
}

# elf_architecture <file>: arm64 or x86_64, from the ELF header's e_machine (little endian).
elf_architecture() {
  case "$(od -An -tx1 -j18 -N2 "$1" | tr -d ' \n')" in
    b700) echo arm64 ;;
    3e00) echo x86_64 ;;
    *) echo unknown ;;
  esac
}

# check_bootstraps <build dir> <arm64|x86_64>: every bootstrap under the directory is built for it.
check_bootstraps() {
  local dir="$1" want="$2" f found=0 wrong=()
  while IFS= read -r f; do
    found=$((found + 1))
    [ "$(elf_architecture "$f")" = "$want" ] || wrong+=("$f")
  done < <(find "$dir" -mindepth 2 -maxdepth 2 -type f -name bootstrap)
  if [ "$found" -eq 0 ]; then
    echo "arch: no bootstrap under $dir" >&2
    return 1
  fi
  if [ "${#wrong[@]}" -gt 0 ]; then
    echo "arch: ${#wrong[@]} of $found bootstraps under $dir are not $want, e.g. ${wrong[0]} ($(elf_architecture "${wrong[0]}"))" >&2
    return 1
  fi
}
