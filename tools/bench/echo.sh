#!/usr/bin/env bash
# Echo round trips on loopback: `framescope serve framed --mode echo` against a minimal Python
# asyncio echo server with the same '!I' framing (tools/bench/py_echo_server.py), both loaded by
# framescope's own load client (`framescope chat --load N --clients C`), in this one run.
#
#   tools/bench/echo.sh
#
# Environment: ROUND_TRIPS (per client with 1 client; default 20000),
#              ROUND_TRIPS_64 (per client with 64 clients; default 1000),
#              SIZE (body bytes; default 32), RUNS (runs per row, best is kept; default 3),
#              THREADS (framescope's event-loop threads; default 1, like asyncio's one loop),
#              SKIP_BUILD=1 (use the framescope already in .build-bench).
# Targets (DESIGN/issue 4): at 64 clients at least 5x Python's round trips/s, p99 under 5 ms.
# Exits 0 when the measurements were made, whether or not the targets were met (a report).
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/../.." && pwd)"
ROUND_TRIPS="${ROUND_TRIPS:-20000}"
ROUND_TRIPS_64="${ROUND_TRIPS_64:-1000}"
SIZE="${SIZE:-32}"
RUNS="${RUNS:-3}"
FS="$ROOT/.build-bench/release/framescope"

say() { printf '== %s\n' "$*" >&2; }

if [ "${SKIP_BUILD:-0}" != 1 ] || [ ! -x "$FS" ]; then
    say "building framescope (release, .build-bench)"
    (cd "$ROOT" && nice -n 10 swift build -c release --product framescope --scratch-path .build-bench) >/dev/null
fi

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# start CMD... : runs a server that prints its port first; sets PORT.
start() {
    local out
    out="$(mktemp)"
    "$@" >"$out" 2>/dev/null &
    PIDS+=("$!")
    for _ in $(seq 100); do
        PORT="$(head -n1 "$out" 2>/dev/null || true)"
        [ -n "$PORT" ] && break
        sleep 0.05
    done
    rm -f "$out"
    [ -n "$PORT" ] || { echo "server did not start: $*" >&2; exit 1; }
}

# load PORT CLIENTS N : the best of RUNS runs (highest round trips/s), as "per_second p99_ms".
load() {
    local best="" bestrate=0 line rate p99
    for _ in $(seq "$RUNS"); do
        line="$("$FS" chat "127.0.0.1:$1" --framing '!I' --load "$3" --clients "$2" --size "$SIZE" --timeout 10)"
        rate="$(sed -n 's/.*per_second=\([0-9.]*\).*/\1/p' <<<"$line")"
        p99="$(sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p' <<<"$line")"
        if awk -v a="$rate" -v b="$bestrate" 'BEGIN { exit !(a > b) }'; then bestrate="$rate"; best="$rate $p99"; fi
    done
    echo "$best"
}

# One event-loop thread, like asyncio's one loop: the load client needs the other core.
THREADS="${THREADS:-1}"
say "framescope serve framed --mode echo --threads $THREADS"
start "$FS" serve framed --port 0 --mode echo --quiet --threads "$THREADS"
FSPORT="$PORT"
say "python3 py_echo_server.py ($(python3 --version 2>&1))"
start python3 "$BENCH/py_echo_server.py"
PYPORT="$PORT"

read -r fs1 fs1p99 <<<"$(load "$FSPORT" 1 "$ROUND_TRIPS")"
read -r py1 py1p99 <<<"$(load "$PYPORT" 1 "$ROUND_TRIPS")"
read -r fs64 fs64p99 <<<"$(load "$FSPORT" 64 "$ROUND_TRIPS_64")"
read -r py64 py64p99 <<<"$(load "$PYPORT" 64 "$ROUND_TRIPS_64")"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }'; }
verdict() { awk -v r="$1" -v p="$2" 'BEGIN { print ((r >= 5 && p < 5) ? "met" : "NOT met") }'; }

echo
echo "Echo round trips on loopback, '!I' framing, $SIZE-byte bodies, best of $RUNS runs; $(nproc) cores for server and load client together; framescope --threads $THREADS"
printf '| %-8s | %-24s | %-24s | %-8s |\n' "clients" "framescope serve framed" "python asyncio" "ratio"
printf '| %-8s | %-24s | %-24s | %-8s |\n' "--------" "------------------------" "------------------------" "--------"
printf '| %-8s | %-24s | %-24s | %-8s |\n' 1 "$fs1/s, p99 ${fs1p99} ms" "$py1/s, p99 ${py1p99} ms" "$(ratio "$fs1" "$py1")"
printf '| %-8s | %-24s | %-24s | %-8s |\n' 64 "$fs64/s, p99 ${fs64p99} ms" "$py64/s, p99 ${py64p99} ms" "$(ratio "$fs64" "$py64")"
echo
r64="$(awk -v a="$fs64" -v b="$py64" 'BEGIN { print (b > 0 ? a / b : 0) }')"
echo "target at 64 clients (>= 5x Python, p99 < 5 ms): $(verdict "$r64" "$fs64p99")"
