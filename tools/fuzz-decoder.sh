#!/usr/bin/env bash
# tools/fuzz-decoder.sh HARNESS SECONDS [libFuzzer options…]
# Builds one libFuzzer harness (tools/fuzz-harnesses/HARNESS.swift) with the modules it needs,
# instrumented (-sanitize=fuzzer,address), outside the package's normal build, and runs it for
# SECONDS with a seed corpus made from captures/. Crashes go to .build-fuzz/HARNESS-crashes/.
# Harnesses: frame (link type + bytes → decode, stages, every renderer), framer (bytes + spec +
# chunking → MessageFramer against a one-feed reference), streams (segments of a few
# connections → reassembly with small limits + framing, limits and event order checked), file
# (bytes as a pcap or pcapng file → the native reader → the read path).
set -euo pipefail
cd "$(dirname "$0")/.."
H=${1:?harness: frame or framer}; SECS=${2:-60}; shift 2 || true
OUT=.build-fuzz; mkdir -p "$OUT/obj"
case "$H" in
  frame) MODULES="Wire Streams Framing Inspect Render" ;;
  framer) MODULES="Framing" ;;
  streams) MODULES="Wire Streams Framing Inspect" ;;
  file) MODULES="Wire Streams Framing Inspect Render Sockets Capture" ;;
  *) echo "no harness $H (frame, framer, streams, file)" >&2; exit 2 ;;
esac
FLAGS=(-O -swift-version 6 -sanitize=fuzzer,address -parse-as-library -I "$OUT/obj" -I Sources/CPcap -I Sources/CPrefetch/include)
objs=()
for M in $MODULES; do
  if [ ! -f "$OUT/obj/$M.o" ] || [ -n "$(find "Sources/$M" -newer "$OUT/obj/$M.o" -name '*.swift' | head -1)" ]; then
    swiftc "${FLAGS[@]}" -wmo -module-name "$M" -emit-module -emit-module-path "$OUT/obj/$M.swiftmodule" \
      -c Sources/"$M"/*.swift -o "$OUT/obj/$M.o.new" && mv -f "$OUT/obj/$M.o.new" "$OUT/obj/$M.o"
  fi
  objs+=("$OUT/obj/$M.o")
done
# Linked under another name, then renamed: a run of the old binary may still be going.
swiftc "${FLAGS[@]}" -module-name "fuzz_$H" "tools/fuzz-harnesses/$H.swift" "${objs[@]}" -lpcap -o "$OUT/fuzz-$H.new" 2> "$OUT/link-$H.log" \
  || { cat "$OUT/link-$H.log" >&2; exit 1; }
mv -f "$OUT/fuzz-$H.new" "$OUT/fuzz-$H"
# Seed corpus: each frame of each committed capture (with a link type byte), or its payloads.
CORPUS="$OUT/corpus-$H"; mkdir -p "$CORPUS" "$OUT/$H-crashes"
if [ -z "$(ls -A "$CORPUS")" ]; then
  python3 - "$H" "$CORPUS" <<'PY'
import os, struct, sys
h, out = sys.argv[1], sys.argv[2]
links = {1: 0, 113: 1, 276: 2, 0: 3, 108: 4, 101: 5, 228: 6, 229: 7}
n = 0
for name in sorted(os.listdir('captures')):
    if h == 'file' and name.endswith('.pcapng'):
        open(os.path.join(out, 'seed-ng-' + name), 'wb').write(open(os.path.join('captures', name), 'rb').read()[:8192])
    if not name.endswith('.pcap'): continue
    d = open(os.path.join('captures', name), 'rb').read()
    magic = d[:4]
    le = magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1')
    e = '<' if le else '>'
    link = struct.unpack(e + 'I', d[20:24])[0]
    o = 24
    while o + 16 <= len(d):
        incl = struct.unpack(e + 'I', d[o + 8:o + 12])[0]
        b = d[o + 16:o + 16 + incl]
        o += 16 + incl
        if h == 'file':
            # A file of this record alone (its header and the file header), pcapng files whole.
            seed = d[:24] + d[o - 16 - incl:o] if n % 4 else d[:min(len(d), 4096)]
        elif h == 'frame':
            seed = bytes([links.get(link, 0)]) + b
        elif h == 'streams':
            p = b[-40:]
            seed = bytes([n % 2, n % 4, 0x12, n % 200, 0, 1, len(p)]) + p
        else:
            seed = bytes([n % 8, 7]) + b[-64:]
        open(os.path.join(out, 'seed-%05d' % n), 'wb').write(seed)
        n += 1
PY
fi
export SWIFT_BACKTRACE=enable=no
# The last progress line (executions, coverage "cov", features "ft", corpus), the final stats,
# and any crash report.
"$OUT/fuzz-$H" "$CORPUS" -max_total_time="$SECS" -artifact_prefix="$OUT/$H-crashes/" -print_final_stats=1 "$@" 2>&1 \
  | grep -E '^#[0-9]+|^stat::|ERROR|SUMMARY|Test unit written|Fatal error|precondition' | grep -v 'pulse\|NEW' | tail -12
echo "crashes kept: $(ls "$OUT/$H-crashes" | wc -l) in $OUT/$H-crashes"
