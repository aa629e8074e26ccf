#!/usr/bin/env bash
# Compare two framescope builds' output on every committed capture, in every decoding mode:
# stdout, stderr and exit status must be byte-identical. For refactors and speed-ups whose
# contract is "output unchanged" (issues 21 and 23).
#
#   tools/same-output.sh OLD_BINARY NEW_BINARY [CAPTURE ...]
#
# Prints one line per difference and a count; exits 1 if anything differs.
set -uo pipefail
OLD="${1:?usage: $0 OLD_BINARY NEW_BINARY [CAPTURE ...]}"
NEW="${2:?usage: $0 OLD_BINARY NEW_BINARY [CAPTURE ...]}"
shift 2
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ "$#" -gt 0 ]; then caps=("$@"); else caps=("$ROOT"/captures/*.pcap "$ROOT"/captures/*.pcapng); fi
modes=(
  "read" "read --no-messages" "read -V" "read -x" "read -V -x" "read --json" "read --json --no-messages"
  "read --framing line" "read --framing raw" "read --framing !I" "read --json --framing !I"
  "read -V --framing !H" "messages" "messages --json" "messages --framing line" "messages --framing !I"
  "messages --order arrival" "messages --order-budget 0" "messages --order-budget 5000"
  "messages --json --order-budget 0" "follow" "follow --framing !I" "stats"
)
TZ=UTC; export TZ
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
diffs=0; runs=0
for cap in "${caps[@]}"; do
  for mode in "${modes[@]}"; do
    # shellcheck disable=SC2086
    set -- $mode
    cmd="$1"; shift
    "$OLD" "$cmd" "$cap" "$@" >"$tmp/o.out" 2>"$tmp/o.err"; orc=$?
    "$NEW" "$cmd" "$cap" "$@" >"$tmp/n.out" 2>"$tmp/n.err"; nrc=$?
    runs=$((runs + 1))
    if [ "$orc" != "$nrc" ] || ! cmp -s "$tmp/o.out" "$tmp/n.out" || ! cmp -s "$tmp/o.err" "$tmp/n.err"; then
      diffs=$((diffs + 1))
      echo "DIFF: $(basename "$cap"): framescope $mode (exit $orc -> $nrc)"
      diff "$tmp/o.out" "$tmp/n.out" | head -5
      diff "$tmp/o.err" "$tmp/n.err" | head -3
    fi
  done
done
echo "$runs runs, $diffs differ"
[ "$diffs" -eq 0 ]
