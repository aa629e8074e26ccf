#!/usr/bin/env bash
# Live capture under load (issue 9): loopback chat traffic at increasing rates from framescope's
# own load client against `framescope serve framed`, captured in the same run by
# `framescope live -w FILE -q` and `tcpdump -w FILE` side by side (same filter, same traffic),
# then by the decoding paths (`framescope live` and `messages --live`, output to /dev/null).
#
#   tools/bench/capture-load.sh
#
# Environment: STEPS (space-separated CLIENTS:BURST:ROUND_TRIPS_PER_CLIENT; default below),
#              BUFFER (framescope --buffer MB; default 32; tcpdump -B gets the same),
#              SKIP_BUILD=1 (use the framescope already in .build-bench), SKIP_DECODE=1.
# Targets: no kernel drops at 100,000 frames/s while writing a file, and never more drops than
# tcpdump at the same rate. Exits 0 when the measurements were made, targets met or not.
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/../.." && pwd)"
DATA="$BENCH/data"
LOG="$DATA/logs/capture"
mkdir -p "$LOG"
FS="$ROOT/.build-bench/release/framescope"
STEPS="${STEPS:-1:1:40000 4:1:20000 16:1:10000 16:4:40000 32:8:24000 64:16:12000}"
BUFFER="${BUFFER:-32}"

say() { printf '== %s\n' "$*" >&2; }

[ "$(id -u)" -eq 0 ] || { echo "capturing needs root" >&2; exit 1; }
if ! command -v tcpdump >/dev/null; then
    say "installing tcpdump"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tcpdump >/dev/null
fi
if [ "${SKIP_BUILD:-0}" != 1 ] || [ ! -x "$FS" ]; then
    say "building framescope (release, .build-bench)"
    (cd "$ROOT" && nice -n 10 swift build -c release --static-swift-stdlib --product framescope --scratch-path .build-bench) >"$LOG/build.log" 2>&1
fi

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

"$FS" serve framed --port 0 --quiet >"$LOG/serve.out" 2>"$LOG/serve.err" &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$LOG/serve.out" ] && break; sleep 0.05; done
PORT=$(head -1 "$LOG/serve.out")
[ -n "$PORT" ] || { echo "serve framed did not start" >&2; exit 1; }
FILTER="tcp port $PORT"

# Records in a pcap file (from the record headers).
count() {
    python3 - "$1" <<'PY'
import struct, sys
with open(sys.argv[1], 'rb') as f:
    head = f.read(24)
    order = '<' if head[:4] in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
    n = 0
    while True:
        rec = f.read(16)
        if len(rec) < 16: break
        f.seek(struct.unpack(order + 'IIII', rec)[2], 1)
        n += 1
print(n)
PY
}

# Waits (bounded) until a file contains a text.
wait_for() { for _ in $(seq 200); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done; return 1; }

# Runs one load step; prints "seconds".
load() {
    local clients=$1 burst=$2 n=$3
    timeout 120 "$FS" chat "127.0.0.1:$PORT" --framing '!I' --load "$n" --clients "$clients" --burst "$burst" 2>/dev/null \
        | sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' | tail -1
}

# framescope's stop line -> "captured dropped"
fs_counts() { sed -n 's/.*: \([0-9]*\) frames captured; libpcap: [0-9]* received, \([0-9]*\) dropped by kernel.*/\1 \2/p' "$1" | tail -1; }
# tcpdump's counters -> "dropped"
td_dropped() { sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$1" | tail -1; }

OUT="$DATA/capture-latest.txt"
{
echo "live capture under load  $(date '+%Y-%m-%d %H:%M:%S')  commit $(cd "$ROOT" && git rev-parse --short HEAD)$(cd "$ROOT" && git diff --quiet || echo -dirty)  ($(nproc) cores; traffic, server and both captures on one machine)"
echo "traffic: framescope chat --load N --clients C --burst K against serve framed on lo; --buffer $BUFFER MB / tcpdump -B $((BUFFER * 1024))"
echo
printf '%-9s %8s %10s %12s %10s %12s %10s  %s\n' "step" "seconds" "frames/s" "fs written" "fs drops" "td written" "td drops" "framescope <= tcpdump"
} | tee "$OUT"

best=0
all_ok=1
for step in $STEPS; do
    IFS=: read -r clients burst n <<<"$step"
    fsfile="$LOG/fs-$step.pcap"; tdfile="$LOG/td-$step.pcap"
    "$FS" live -i lo "$FILTER" -w "$fsfile" -q --buffer "$BUFFER" 2>"$LOG/fs-$step.err" &
    fsp=$!; PIDS+=($fsp)
    tcpdump -i lo -B $((BUFFER * 1024)) -w "$tdfile" "$FILTER" 2>"$LOG/td-$step.err" &
    tdp=$!; PIDS+=($tdp)
    wait_for "$LOG/fs-$step.err" "listening on" && wait_for "$LOG/td-$step.err" "listening on" || { echo "a capture did not start" >&2; exit 1; }
    secs=$(load "$clients" "$burst" "$n")
    kill -INT "$fsp" "$tdp"; wait "$fsp" "$tdp" || true
    read -r fscap fsdrop <<<"$(fs_counts "$LOG/fs-$step.err")"
    tddrop=$(td_dropped "$LOG/td-$step.err")
    fsw=$(count "$fsfile"); tdw=$(count "$tdfile")
    frames=$(( fsw > tdw ? fsw : tdw ))
    rate=$(python3 -c "print(int($frames / max($secs, 1e-9)))")
    ok=$([ "${fsdrop:-1}" -le "${tddrop:-0}" ] && echo yes || echo NO)
    [ "$ok" = yes ] || all_ok=0
    [ "${fsdrop:-1}" -eq 0 ] && [ "$rate" -gt "$best" ] && best=$rate
    printf '%-9s %8s %10s %12s %10s %12s %10s  %s\n' "$step" "$secs" "$rate" "$fsw" "$fsdrop" "$tdw" "$tddrop" "$ok" | tee -a "$OUT"
    rm -f "$fsfile" "$tdfile"
done
{
echo
echo "highest rate at which framescope live -w -q dropped nothing: $best frames/s (target: 100,000: $([ "$best" -ge 100000 ] && echo PASS || echo MISS))"
echo "never more drops than tcpdump at the same rate: $([ $all_ok = 1 ] && echo PASS || echo MISS)"
} | tee -a "$OUT"

[ "${SKIP_DECODE:-0}" = 1 ] && exit 0
{
echo
echo "decoding as frames arrive (immediate mode, output to /dev/null), the same steps, one tool at a time"
printf '%-9s %-28s %8s %10s %10s %10s\n' "step" "command" "seconds" "frames/s" "captured" "drops"
} | tee -a "$OUT"
for step in $STEPS; do
    IFS=: read -r clients burst n <<<"$step"
    for cmd in "live" "messages --live"; do
        err="$LOG/dec-$step-${cmd// /_}.err"
        # shellcheck disable=SC2086
        "$FS" $cmd -i lo "$FILTER" --buffer "$BUFFER" --framing '!I' >/dev/null 2>"$err" &
        p=$!; PIDS+=($p)
        wait_for "$err" "listening on" || { echo "$cmd did not start" >&2; exit 1; }
        secs=$(load "$clients" "$burst" "$n")
        kill -INT "$p"; wait "$p" || true
        read -r cap drop <<<"$(fs_counts "$err")"
        rate=$(python3 -c "print(int(${cap:-0} / max($secs, 1e-9)))")
        printf '%-9s %-28s %8s %10s %10s %10s\n' "$step" "framescope $cmd" "$secs" "$rate" "${cap:-?}" "${drop:-?}" | tee -a "$OUT"
    done
done
