#!/usr/bin/env bash
# Verdicts that must not move with the machine's load (issue 19): runs `framescope fuzz` against
# the invalid-UTF-8 crash target (--families body --cases 7) ROUNDS times in a row while every
# core is kept busy by another process, and counts the runs that missed the crash; then the
# robust `serve framed` the same way, counting runs with any finding. Bounded: each run has
# --duration 60 and the load stops with the script.
#   tools/bench/fuzz-stress.sh [ROUNDS] [BINARY]        (defaults: 100, .build/debug/framescope)
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-100}
bin=${2:-.build/debug/framescope}
[ -x "$bin" ] || swift build
load=()
for _ in $(seq "$(nproc)"); do (while :; do :; done) & load+=($!); done
trap 'kill "${load[@]}" 2>/dev/null || true' EXIT
misses=0; strays=0
for i in $(seq "$rounds"); do
  out=$("$bin" fuzz 127.0.0.1:0 --tcp --framing '!I' --max-message 65536 --families body --cases 7 --duration 60 \
        --minimize-tries 0 --exec "python3 tools/fuzz-targets/crash_invalid_utf8.py 0" --quiet 2>&1) && rc=0 || rc=$?
  if [ "$rc" != 1 ] || ! grep -q crash <<<"$out"; then misses=$((misses + 1)); echo "round $i: missed (exit $rc): $(tail -3 <<<"$out" | tr '\n' ' ')"; fi
done
for i in $(seq "$((rounds / 10 + 1))"); do
  out=$("$bin" fuzz 127.0.0.1:0 --tcp --framing '!I' --cases 300 --duration 60 --minimize-tries 0 \
        --exec "$bin serve framed --port 0 --quiet" --quiet 2>&1) && rc=0 || rc=$?
  if [ "$rc" != 0 ]; then strays=$((strays + 1)); echo "robust round $i: exit $rc: $(tail -3 <<<"$out" | tr '\n' ' ')"; fi
done
echo "crash target: $misses missed of $rounds runs with $(nproc) busy loops; serve framed: $strays runs with a finding of $((rounds / 10 + 1))"
[ "$misses" = 0 ] && [ "$strays" = 0 ]
