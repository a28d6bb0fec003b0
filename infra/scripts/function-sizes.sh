#!/usr/bin/env bash
# Size of every Lambda function's deployment package: zips each binary as `bootstrap` (what
# `sam deploy` uploads) and prints a Markdown table of binary and zipped sizes, then min / median / max.
#   infra/scripts/function-sizes.sh [DIR]
# DIR holds the binaries as DIR/<name>/bootstrap (.aws-sam/build after `sam build`, or target/lambda
# after `cargo lambda build`) or as DIR/<binary> (target/release or target/<triple>/release after a
# cargo build; then every binary of functions/src/bin plus `migrate` is listed).
# Default: .aws-sam/build, else $CARGO_TARGET_DIR/lambda (target/lambda).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="${1:-}"
if [ -z "$dir" ]; then
  if [ -d "$root/.aws-sam/build" ]; then dir="$root/.aws-sam/build"; else dir="${CARGO_TARGET_DIR:-$root/target}/lambda"; fi
fi
[ -d "$dir" ] || { echo "function-sizes: no directory $dir (build first, or pass one)" >&2; exit 2; }
command -v zip >/dev/null || { echo "function-sizes: needs zip (apt-get install zip)" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# name<TAB>path of every binary
list="$work/list"
find "$dir" -mindepth 2 -maxdepth 2 -type f -name bootstrap | sort |
  while read -r f; do printf '%s\t%s\n' "$(basename "$(dirname "$f")")" "$f"; done >"$list"
if [ ! -s "$list" ]; then
  for src in "$root"/functions/src/bin/*.rs migrate; do
    name="$(basename "$src" .rs)"
    [ -f "$dir/$name" ] && printf '%s\t%s\n' "$name" "$dir/$name"
  done >"$list"
fi
[ -s "$list" ] || { echo "function-sizes: no binaries in $dir" >&2; exit 2; }

rows="$work/rows"
while IFS=$'\t' read -r name path; do
  mkdir -p "$work/z/$name"
  cp "$path" "$work/z/$name/bootstrap"
  (cd "$work/z/$name" && zip -q -X function.zip bootstrap)
  printf '%s\t%s\t%s\n' "$name" "$(stat -c %s "$path")" "$(stat -c %s "$work/z/$name/function.zip")"
  rm -rf "$work/z/$name"
done <"$list" >"$rows"

mb() { awk -v b="$1" 'BEGIN { printf "%.2f MB", b / 1000000 }'; }
echo "Binaries from \`${dir#"$root"/}\` ($(wc -l <"$rows") functions), zipped at zip's default level like \`sam deploy\`:"
echo
echo "| function | binary | zipped |"
echo "|---|---:|---:|"
while IFS=$'\t' read -r name bytes zipped; do
  echo "| \`$name\` | $(mb "$bytes") | $(mb "$zipped") |"
done <"$rows"
stat_line() { # column number, label
  sort -n -t$'\t' -k"$1","$1" "$rows" | awk -F'\t' -v c="$1" -v label="$2" '
    { v[NR] = $c; sum += $c }
    END { printf "| %s | %.2f MB | %.2f MB | %.2f MB | %.1f MB |\n", label, v[1] / 1e6, v[int((NR + 1) / 2)] / 1e6, v[NR] / 1e6, sum / 1e6 }'
}
echo
echo "| | min | median | max | total |"
echo "|---|---:|---:|---:|---:|"
stat_line 2 binary
stat_line 3 zipped
