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
#              PIPELINE (messages per write and in flight per client in the third row; default 16),
#              ROUND_TRIPS_PIPE (per client in the third row; default 5000),
#              THREADS (framescope's event-loop threads; default 1, like asyncio's one loop),
#              SKIP_BUILD=1 (use the framescope already in .build-bench).
# Targets (issue 4; docs/DESIGN.md "Performance"): at 64 clients at least 5x Python's round trips/s, p99 under 5 ms.
# Exits 0 when the measurements were made, whether or not the targets were met (a report).
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/../.." && pwd)"
ROUND_TRIPS="${ROUND_TRIPS:-20000}"
ROUND_TRIPS_64="${ROUND_TRIPS_64:-1000}"
PIPELINE="${PIPELINE:-16}"
ROUND_TRIPS_PIPE="${ROUND_TRIPS_PIPE:-5000}"
SIZE="${SIZE:-32}"
RUNS="${RUNS:-3}"
# One event-loop thread, like asyncio's one loop: the load client needs the other core.
THREADS="${THREADS:-1}"
FS="$ROOT/.build-bench/release/framescope"

say() { printf '== %s\n' "$*" >&2; }

if [ "${SKIP_BUILD:-0}" != 1 ] || [ ! -x "$FS" ]; then
    say "building framescope (release, .build-bench)"
    (cd "$ROOT" && nice -n 10 swift build -c release --static-swift-stdlib --product framescope --scratch-path .build-bench) >/dev/null
fi

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# start CMD... : runs a server that prints its port first; sets PORT.
start() {
    local out
    out="$(mktemp)"
    "$@" >"$out" 2>/dev/null &
    SPID="$!"
    PIDS+=("$SPID")
    for _ in $(seq 100); do
        PORT="$(head -n1 "$out" 2>/dev/null || true)"
        [ -n "$PORT" ] && break
        sleep 0.05
    done
    rm -f "$out"
    [ -n "$PORT" ] || { echo "server did not start: $*" >&2; exit 1; }
}

# cpu PID : the process's user + system CPU time so far, in clock ticks.
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
TICK_US="$(awk -v t="$(getconf CLK_TCK)" 'BEGIN { print 1000000 / t }')"

# load PORT CLIENTS N PID [DEPTH] : the best of RUNS runs (highest round trips/s), as
# "per_second p99_ms server_cpu_us_per_round_trip". DEPTH > 1: pipelined (--burst DEPTH).
load() {
    local best="" bestrate=0 line rate p99 trips c0 c1 us
    for _ in $(seq "$RUNS"); do
        c0="$(cpu "$4")"
        line="$("$FS" chat "127.0.0.1:$1" --framing '!I' --load "$3" --clients "$2" --burst "${5:-1}" --size "$SIZE" --timeout 10)"
        c1="$(cpu "$4")"
        rate="$(sed -n 's/.*per_second=\([0-9.]*\).*/\1/p' <<<"$line")"
        p99="$(sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p' <<<"$line")"
        trips="$(sed -n 's/.*round_trips=\([0-9]*\).*/\1/p' <<<"$line")"
        us="$(awk -v d="$((c1 - c0))" -v t="$TICK_US" -v n="$trips" 'BEGIN { printf "%.1f", d * t / n }')"
        if awk -v a="$rate" -v b="$bestrate" 'BEGIN { exit !(a > b) }'; then bestrate="$rate"; best="$rate $p99 $us"; fi
    done
    echo "$best"
}

say "framescope serve framed --mode echo --threads $THREADS"
start "$FS" serve framed --port 0 --mode echo --quiet --threads "$THREADS"
FSPORT="$PORT"; FSPID="$SPID"
say "python3 py_echo_server.py ($(python3 --version 2>&1))"
start python3 "$BENCH/py_echo_server.py"
PYPORT="$PORT"; PYPID="$SPID"

read -r fs1 fs1p99 fs1cpu <<<"$(load "$FSPORT" 1 "$ROUND_TRIPS" "$FSPID")"
read -r py1 py1p99 py1cpu <<<"$(load "$PYPORT" 1 "$ROUND_TRIPS" "$PYPID")"
read -r fs64 fs64p99 fs64cpu <<<"$(load "$FSPORT" 64 "$ROUND_TRIPS_64" "$FSPID")"
read -r py64 py64p99 py64cpu <<<"$(load "$PYPORT" 64 "$ROUND_TRIPS_64" "$PYPID")"
read -r fsp fspp99 fspcpu <<<"$(load "$FSPORT" 64 "$ROUND_TRIPS_PIPE" "$FSPID" "$PIPELINE")"
read -r pyp pypp99 pypcpu <<<"$(load "$PYPORT" 64 "$ROUND_TRIPS_PIPE" "$PYPID" "$PIPELINE")"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }'; }
verdict() { awk -v r="$1" -v p="$2" 'BEGIN { print ((r >= 5 && p < 5) ? "met" : "NOT met") }'; }
row() { printf '| %-7s | %-34s | %-34s | %-10s | %-10s |\n' "$@"; }

echo
echo "Echo round trips on loopback, '!I' framing, $SIZE-byte bodies, best of $RUNS runs; $(nproc) cores for server and load client together; framescope --threads $THREADS"
echo "(server CPU = the server process's user + system time per round trip, from /proc/PID/stat)"
row clients "framescope serve framed" "python asyncio" "ratio" "CPU ratio"
row ------- ---------------------------------- ---------------------------------- ---------- ----------
row 1 "$fs1/s, p99 $fs1p99 ms, ${fs1cpu} us CPU" "$py1/s, p99 $py1p99 ms, ${py1cpu} us CPU" "$(ratio "$fs1" "$py1")" "$(ratio "$py1cpu" "$fs1cpu")"
row 64 "$fs64/s, p99 $fs64p99 ms, ${fs64cpu} us CPU" "$py64/s, p99 $py64p99 ms, ${py64cpu} us CPU" "$(ratio "$fs64" "$py64")" "$(ratio "$py64cpu" "$fs64cpu")"
row "64 x$PIPELINE" "$fsp/s, p99 $fspp99 ms, ${fspcpu} us CPU" "$pyp/s, p99 $pypp99 ms, ${pypcpu} us CPU" "$(ratio "$fsp" "$pyp")" "$(ratio "$pypcpu" "$fspcpu")"
echo "(64 x$PIPELINE: each client keeps $PIPELINE messages in flight, written $PIPELINE at a time: pipelined)"
echo
r64="$(awk -v a="$fs64" -v b="$py64" 'BEGIN { print (b > 0 ? a / b : 0) }')"
rp="$(awk -v a="$fsp" -v b="$pyp" 'BEGIN { print (b > 0 ? a / b : 0) }')"
echo "target at 64 clients (>= 5x Python's round trips/s, p99 < 5 ms): ping-pong $(verdict "$r64" "$fs64p99"); pipelined x$PIPELINE $(verdict "$rp" "$fspp99")"
