#!/usr/bin/env bash
# Interleaved CPU timing: each command once a round, N rounds, then the least and the median CPU
# time (user + system, all threads; /usr/bin/time) of each. On this noisy VM a gap between two
# builds shows more steadily here than in the least of a few runs back to back.
#
#   tools/bench/interleaved.sh N "label|command" ...
#
# The capture is appended to every command: CAP, default the bench's 1M-frame capture.
#   tools/bench/interleaved.sh 14 "tcpdump|tcpdump -nn -r" "old|/tmp/old messages" "new|.build-bench/release/framescope messages"
set -euo pipefail
N="${1:?usage: $0 N \"label|command\" ...}"
shift
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CAP="${CAP:-$ROOT/tools/bench/data/chat-1000000.pcap}"
[ -f "$CAP" ] || { echo "no capture at $CAP (run tools/bench/run.sh once, or set CAP)" >&2; exit 2; }
declare -A times
tf="$(mktemp)"
trap 'rm -f "$tf"' EXIT
for ((i = 0; i < N; i++)); do
    for spec in "$@"; do
        label="${spec%%|*}"
        # shellcheck disable=SC2086
        /usr/bin/time -o "$tf" -f '%U %S' env TZ=UTC ${spec#*|} "$CAP" >/dev/null 2>&1 || true
        times[$label]+="$(awk '{print $1 + $2}' "$tf") "
    done
done
for spec in "$@"; do
    label="${spec%%|*}"
    printf '%-12s %s\n' "$label:" "$(tr ' ' '\n' <<<"${times[$label]}" | sed '/^$/d' | sort -n |
        awk '{a[NR] = $1} END {printf "least %.3f s  median %.3f s  (%d runs)", a[1], a[int((NR + 1) / 2)], NR}')"
done
