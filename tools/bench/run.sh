#!/usr/bin/env bash
# framescope's benchmark: framescope read against tcpdump and tshark on one synthetic capture,
# all measured in this one run, reported as ratios. See tools/bench/README.md.
#
#   tools/bench/run.sh [FRAMES]        # default 1000000
#
# Environment: RUNS (timed runs per command, in rounds of every command once; best is kept; default 3),
#              TSHARK_FRAMES (size of the cut that tshark reads; default 100000),
#              SKIP_BUILD=1 (use the framescope already in .build-bench),
#              SKIP_ADVERSARIAL=1 (leave out the adversarial captures, section 6),
#              ADVERSARIAL_ONLY=1 (only the adversarial captures: no chat capture, no tcpdump/tshark),
#              PREV_REF=git-ref (build that commit into .build-bench-prev first, for the
#              "previous build" rows; without it those rows use whatever .build-bench-prev holds).
# Exits 0 when the measurements were made, whether or not the targets were met (it is a
# report); non-zero only when something could not be built, installed or run.
set -euo pipefail

FRAMES="${1:-1000000}"
RUNS="${RUNS:-3}"
TSHARK_FRAMES="${TSHARK_FRAMES:-100000}"
case "$FRAMES" in ''|*[!0-9]*) echo "usage: $0 [FRAMES]" >&2; exit 2 ;; esac
[ "$FRAMES" -ge 4 ] || { echo "FRAMES must be at least 4" >&2; exit 2; }

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/../.." && pwd)"
DATA="$BENCH/data"
mkdir -p "$DATA"
LOG="$DATA/logs"
mkdir -p "$LOG"

say() { printf '== %s\n' "$*" >&2; }

# --- 1. tools -------------------------------------------------------------------------------
need=()
command -v tcpdump >/dev/null || need+=(tcpdump)
command -v tshark >/dev/null || need+=(tshark)
command -v tcpflow >/dev/null || need+=(tcpflow)
[ -x /usr/bin/time ] && /usr/bin/time -v true >/dev/null 2>&1 || need+=(time)
command -v python3 >/dev/null || need+=(python3)
command -v pkg-config >/dev/null || need+=(pkg-config)
pkg-config --exists libpcap 2>/dev/null || need+=(libpcap-dev)
if [ "${#need[@]}" -gt 0 ]; then
    say "installing: ${need[*]}"
    if [ "$(id -u)" -ne 0 ]; then echo "need root to apt-get install ${need[*]}" >&2; exit 1; fi
    export DEBIAN_FRONTEND=noninteractive
    # tshark asks whether non-root users may capture; answer no without a prompt.
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
    apt-get update -qq
    apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "swift is not on PATH" >&2; exit 1; }

# --- 2. framescope, release build -----------------------------------------------------------
FS="$ROOT/.build-bench/release/framescope"
PREV="$ROOT/.build-bench-prev/release/framescope"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    say "building framescope (release, .build-bench)"
    ok=0
    for attempt in 1 2 3; do
        if (cd "$ROOT" && nice -n 10 swift build -c release --static-swift-stdlib --product framescope --scratch-path .build-bench) >"$LOG/build.log" 2>&1; then
            ok=1; break
        fi
        say "build attempt $attempt failed (see $LOG/build.log); sources may be mid-edit, retrying in 60 s"
        tail -5 "$LOG/build.log" >&2
        [ "$attempt" -lt 3 ] && sleep 60
    done
    [ "$ok" = 1 ] || { echo "framescope did not build; see $LOG/build.log" >&2; exit 1; }
fi
[ -x "$FS" ] || { echo "no $FS" >&2; exit 1; }
# The previous build: PREV_REF checked out (detached) in the git worktree .build-bench-prev-src
# and built into .build-bench-prev, its own scratch path, so the two builds never share objects.
if [ -n "${PREV_REF:-}" ]; then
    PREV_SRC="$ROOT/.build-bench-prev-src"
    prev_commit=$(cd "$ROOT" && git rev-parse --verify "$PREV_REF^{commit}") || { echo "PREV_REF=$PREV_REF is not a commit" >&2; exit 1; }
    if [ "$(cat "$ROOT/.build-bench-prev/COMMIT" 2>/dev/null)" != "$prev_commit" ] || [ ! -x "$PREV" ]; then
        say "building the previous build: $PREV_REF ($prev_commit) into .build-bench-prev"
        if [ -d "$PREV_SRC" ]; then
            git -C "$PREV_SRC" checkout -q --detach "$prev_commit"
        else
            (cd "$ROOT" && git worktree add -q --detach "$PREV_SRC" "$prev_commit")
        fi
        rm -f "$ROOT/.build-bench-prev/COMMIT"
        (cd "$PREV_SRC" && nice -n 10 swift build -c release --static-swift-stdlib --product framescope --scratch-path "$ROOT/.build-bench-prev") >"$LOG/build-prev.log" 2>&1 \
            || { echo "the previous build ($PREV_REF) did not build; see $LOG/build-prev.log" >&2; exit 1; }
        echo "$prev_commit" >"$ROOT/.build-bench-prev/COMMIT"
    fi
fi

# one_run KEY -- command...: runs the command once (output to /dev/null, stderr to $LOG/KEY.err)
# and folds the run into BEST_[KEY] (fastest wall clock, ns), CPU_[KEY] (least user + system time
# of a run, ms), RSS_[KEY] (highest peak, KB) and STATUS_[KEY] (1 when a run exited non-zero).
declare -A BEST_ CPU_ RSS_ STATUS_
one_run() {
    local key="$1" t0 t1 dt r c; shift 2
    t0=$(date +%s%N)
    # %U and %S: user and system seconds of the command and its children (all threads).
    if ! /usr/bin/time -f 'usage %U %S %M' -o "$LOG/$key.rss" "$@" >/dev/null 2>"$LOG/$key.err"; then
        STATUS_[$key]=1
    fi
    t1=$(date +%s%N)
    dt=$((t1 - t0))
    if [ -z "${BEST_[$key]:-}" ] || [ "$dt" -lt "${BEST_[$key]}" ]; then BEST_[$key]=$dt; fi
    read -r r c < <(awk '$1 == "usage" { printf "%d %d\n", $4, ($2 + $3) * 1000 + 0.5 }' "$LOG/$key.rss" | tail -1)
    [ "${r:-0}" -gt "${RSS_[$key]:-0}" ] && RSS_[$key]=$r
    if [ -n "${c:-}" ] && { [ -z "${CPU_[$key]:-}" ] || [ "$c" -lt "${CPU_[$key]}" ]; }; then CPU_[$key]=$c; fi
    return 0  # (the last test above may be false; set -e must not take that for a failure)
}

# timed_runs KEY RUNS -- command...: the command RUNS times in a row; sets BEST, CPU, RSS and
# STATUS as one_run keeps them (the adversarial table).
timed_runs() {
    local key="$1" runs="$2" i; shift 3
    for ((i = 1; i <= runs; i++)); do one_run "$key" -- "$@"; done
    BEST=${BEST_[$key]} CPU=${CPU_[$key]:-0} RSS=${RSS_[$key]:-0} STATUS=${STATUS_[$key]:-0}
    return 0
}

# --- 6. adversarial captures (reassembly limits) ----------------------------------------------
# Defined here and run last (or alone, with ADVERSARIAL_ONLY=1). Captures made to push TCP reassembly against its limits (gen_adversarial.py): framescope must
# stay within them. One run per command (ADV_RUNS to change), peak RSS against 128 MB.
# Peak RSS limits: `messages` at most 64 MB (issue 23), `read` below 128 MB (issue 3).
ADV_RSS_MB=128
ADV_MSGS_RSS_MB=64
adversarial() {
    local runs="${ADV_RUNS:-1}" adv_results="$DATA/adversarial.tsv" f name args cmd key
    : >"$adv_results"
    # name|generator arguments
    local captures=(
        "adv-holes-100000.pcap|--kind holes --streams 100000"
        "adv-ooo-1gib-cut.pcap|--kind ooo"
        "adv-ooo-real-1x84mb.pcap|--kind ooo --real"
        "adv-ooo-real-32x2.6mb.pcap|--kind ooo --real --streams 32"
        "adv-dribble-4000x250.pcap|--kind dribble"
        "adv-split-100k.pcap|--kind split --segments 100000"
    )
    for entry in "${captures[@]}"; do
        name="${entry%%|*}"; args="${entry#*|}"
        f="$DATA/$name"
        if [ ! -s "$f" ]; then
            say "generating $f ($args)"
            # shellcheck disable=SC2086
            python3 "$BENCH/gen_adversarial.py" "$f.tmp" $args --seed 1 && mv "$f.tmp" "$f"
        fi
        cat "$f" >/dev/null
        for cmd in messages read; do
            key="adv-${name%.pcap}-$cmd"
            say "adversarial: framescope $cmd $name"
            timed_runs "$key" "$runs" -- "$FS" "$cmd" "$f"
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$cmd" "$f" "$BEST" "$RSS" "$STATUS" "$LOG/$key.err" >>"$adv_results"
        done
    done
    local adv_out="$DATA/results-adversarial.txt"
    python3 - "$adv_results" "$runs" "$ADV_RSS_MB" "$ADV_MSGS_RSS_MB" "$(cd "$ROOT" && git describe --always --dirty 2>/dev/null || echo '?')" <<'EOF' | tee "$adv_out"
import os, struct, sys, time
path, runs, limit, msgs_limit, rev = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]

def frames(f):
    n = 0
    with open(f, "rb") as fh:
        fh.seek(24)
        while True:
            h = fh.read(16)
            if len(h) < 16:
                return n
            n += 1
            fh.seek(struct.unpack("<IIII", h)[2], 1)

rows = [line.rstrip("\n").split("\t") for line in open(path)]
counts = {}
print("framescope adversarial captures  %s  commit %s  (%s run(s) each, wall clock; limits: 4 MiB"
      " out of order per direction, 24 MiB buffered in all, 20,000 streams (--max-streams), 2048 pieces and"
      " 64 holes per direction)" % (time.strftime("%Y-%m-%d %H:%M:%S"), rev, runs))
print()
print("%-28s %-9s %8s %7s %9s %8s  %s" % ("capture", "command", "frames", "MB", "seconds", "peak MB",
                                          "messages <= %d MB, read < %d MB" % (msgs_limit, limit)))
print("-" * 96)
for name, cmd, f, ns, rss, status, err in rows:
    if f not in counts:
        counts[f] = frames(f)
    mb = int(rss) / 1024
    print("%-28s %-9s %8d %7.1f %9.3f %8.1f  %s%s" % (
        name, cmd, counts[f], os.path.getsize(f) / 1e6, int(ns) / 1e9, mb,
        "PASS" if (mb <= msgs_limit if cmd == "messages" else mb < limit) else "MISS",
        "" if status == "0" else "  (exit non-zero)"))
    try:
        lines = [l.rstrip("\n") for l in open(err, errors="replace") if l.strip()]
    except OSError:
        lines = []
    if not lines:
        print("    stderr: (nothing)")
    for l in lines[:3]:
        print("    stderr: " + (l if len(l) <= 150 else l[:149] + "…"))
    if len(lines) > 3:
        print("    stderr: … %d more line(s) in %s" % (len(lines) - 3, err))
EOF
    say "written to $adv_out"
}
if [ "${ADVERSARIAL_ONLY:-0}" = 1 ]; then
    adversarial
    exit 0
fi

# --- 3. captures ----------------------------------------------------------------------------
QFRAMES=$((FRAMES / 4))
[ "$TSHARK_FRAMES" -le "$FRAMES" ] || TSHARK_FRAMES="$FRAMES"
# The capture: about 1000 TCP connections open at once through the whole file after the first
# 16,000 frames (long-lived: a connection lives about 50,000 frames, interleaved with all the
# others), so reassembly, framing and `messages`'s stream order work on 1000 streams at a time.
# --concurrency 1000 is gen_capture.py's default, spelled out here because it is the point.
CONCURRENCY=1000
FULL="$DATA/chat-$FRAMES.pcap"
QUARTER="$DATA/chat-$QFRAMES.pcap"
CUT="$DATA/chat-$FRAMES-first-$TSHARK_FRAMES.pcap"
gen() {  # gen FILE N
    if [ ! -s "$1" ]; then
        say "generating $1 ($2 frames, $CONCURRENCY connections at once)"
        python3 "$BENCH/gen_capture.py" "$1.tmp" --frames "$2" --seed 1 --concurrency "$CONCURRENCY" && mv "$1.tmp" "$1"
    fi
}
gen "$FULL" "$FRAMES"
gen "$QUARTER" "$QFRAMES"
if [ ! -s "$CUT" ]; then
    say "cutting the first $TSHARK_FRAMES frames for tshark"
    tcpdump -r "$FULL" -c "$TSHARK_FRAMES" -w "$CUT.tmp" 2>/dev/null && mv "$CUT.tmp" "$CUT"
fi
cat "$FULL" "$QUARTER" "$CUT" >/dev/null  # warm the page cache

# Sanity: framescope must print one line per frame, or the timings mean nothing.
lines=$("$FS" read "$FULL" --no-messages 2>"$LOG/sanity.err" | wc -l) || true
if [ "$lines" != "$FRAMES" ]; then
    say "WARNING: framescope read printed $lines lines for $FRAMES frames (see $LOG/sanity.err)"
fi

# --- 4. measurements ------------------------------------------------------------------------
RESULTS="$DATA/results.tsv"
: >"$RESULTS"
# measure KEY LABEL FRAMES -- command...: a row of the table: best wall clock and least CPU time
# of $RUNS runs, highest peak RSS. The rows are only listed here; run_rows then runs them in
# rounds, every row once a round, so that a stretch of a slower machine (this VM's speed moves
# by 10-20% over minutes) falls on every row alike and the ratios compare like with like.
ROWS=()
declare -A LABEL_ FRAMES_
measure() {
    local key="$1"
    ROWS+=("$key")
    LABEL_[$key]="$2"
    FRAMES_[$key]="$3"
    shift 4
    declare -ga "CMD_$key"
    local -n cmd="CMD_$key"
    cmd=("$@")
    unset -n cmd
}
run_rows() {
    local round key
    for ((round = 1; round <= RUNS; round++)); do
        say "timing: round $round of $RUNS"
        for key in "${ROWS[@]}"; do
            local -n cmd="CMD_$key"
            one_run "$key" -- "${cmd[@]}"
            unset -n cmd
        done
    done
    for key in "${ROWS[@]}"; do
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$key" "${LABEL_[$key]}" "${FRAMES_[$key]}" "${BEST_[$key]}" \
            "${RSS_[$key]:-0}" "${STATUS_[$key]:-0}" "${CPU_[$key]:-0}" >>"$RESULTS"
    done
}

# Every framescope row, for this build (fs_*) and the previous one (prev_*).
framescope_rows() {  # framescope_rows PREFIX LABEL_PREFIX BINARY
    local k="$1" l="$2" b="$3"
    measure "${k}_line"  "${l}read L1-4 (one-line)"      "$FRAMES" -- "$b" read "$FULL" --no-messages
    measure "${k}_json"  "${l}read L1-4 --json"          "$FRAMES" -- "$b" read "$FULL" --json --no-messages
    measure "${k}_full"  "${l}read L1-7 (one-line)"      "$FRAMES" -- "$b" read "$FULL"
    measure "${k}_fjson" "${l}read L1-7 --json"          "$FRAMES" -- "$b" read "$FULL" --json
    measure "${k}_msgs"  "${l}messages"                  "$FRAMES" -- "$b" messages "$FULL"
    measure "${k}_msgsI" "${l}messages --framing !I"     "$FRAMES" -- "$b" messages "$FULL" --framing '!I'
}
framescope_rows fs "framescope " "$FS"
measure tcpdump  "TZ=UTC tcpdump -nn -r"             "$FRAMES"  -- env TZ=UTC tcpdump -nn -r "$FULL"
measure tshark   "tshark -n -r (cut)"                "$TSHARK_FRAMES" -- tshark -n -r "$CUT"
measure tsjson   "tshark -T json -r (cut)"           "$TSHARK_FRAMES" -- tshark -T json -r "$CUT"
measure tsconv   "tshark -q -z conv,tcp (cut)"       "$TSHARK_FRAMES" -- tshark -n -q -z conv,tcp -r "$CUT"
# tcpflow writes every TCP flow to its own file (in tmpfs here; removing them is counted in).
measure tcpflow  "tcpflow -r (flows to files)"       "$FRAMES"  -- bash -c 'd=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d); tcpflow -r "$1" -o "$d" 2>/dev/null; s=$?; rm -rf "$d"; exit $s' _ "$FULL"
measure fs_q     "framescope read L1-4, 1/4 file"    "$QFRAMES" -- "$FS" read "$QUARTER" --no-messages
if [ -x "$PREV" ]; then
    framescope_rows prev "previous: " "$PREV"
fi
run_rows

# --- 5. report ------------------------------------------------------------------------------
OUT="$DATA/results-latest.txt"
python3 - "$RESULTS" "$FRAMES" "$RUNS" "$FULL" "$(cd "$ROOT" && git describe --always --dirty 2>/dev/null || echo '?')" <<'EOF' | tee "$OUT"
import os, sys, time
path, frames, runs, full, rev = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
rows = {}
order = []
for line in open(path):
    key, label, n, ns, rss, status, cpu = line.rstrip("\n").split("\t")
    rows[key] = dict(label=label, n=int(n), s=int(ns) / 1e9, cpu=int(cpu) / 1e3, rss=int(rss) / 1024, ok=status == "0")
    order.append(key)

print("framescope benchmark  %s  commit %s  %s, %d frames, %.1f MB, 1000 TCP connections open at once"
      % (time.strftime("%Y-%m-%d %H:%M:%S"), rev, os.path.basename(full), frames, os.path.getsize(full) / 1e6))
print("(best wall clock and least CPU time of %s runs; CPU = user + system, all threads; "
      "x tcpdump = time per frame against tcpdump's in this run)" % runs)
print()
td = rows["tcpdump"]

def per_frame(k, what):
    return rows[k][what] / rows[k]["n"]

def vs_tcpdump(k, what):
    return per_frame(k, what) / per_frame("tcpdump", what)

print("%-36s %9s %8s %8s %8s %10s %9s %9s" % ("tool", "frames", "wall s", "CPU s", "peak MB", "frames/s",
                                              "x tcpdump", "x tcpdump"))
print("%-36s %9s %8s %8s %8s %10s %9s %9s" % ("", "", "", "", "", "(wall)", "(wall)", "(CPU)"))
print("-" * 104)
for k in order:
    r = rows[k]
    print("%-36s %9d %8.3f %8.3f %8.1f %10.0f %9.2f %9.2f%s" % (
        r["label"], r["n"], r["s"], r["cpu"], r["rss"], r["n"] / r["s"], vs_tcpdump(k, "s"), vs_tcpdump(k, "cpu"),
        "" if r["ok"] else "  (FAILED, see data/logs)"))
print()

def rate(k):
    return rows[k]["n"] / rows[k]["s"]

def verdict(ok):
    return "PASS" if ok else "MISS"

print("targets (ratios of time per frame, measured in this run)")
a = vs_tcpdump("fs_line", "s")
print("  framescope read L1-4 / tcpdump, wall        %6.2fx   target <= 1.0x   %s" % (a, verdict(a <= 1.0)))
b = vs_tcpdump("fs_json", "s")
print("  framescope read L1-4 JSON / tcpdump, wall   %6.2fx   target <= 2.0x   %s" % (b, verdict(b <= 2.0)))
g = vs_tcpdump("fs_full", "s")
print("  framescope read L1-7 / tcpdump, wall        %6.2fx   target <= 1.0x   %s  (issue 23)" % (g, verdict(g <= 1.0)))
gj = vs_tcpdump("fs_fjson", "s")
print("  framescope read L1-7 JSON / tcpdump, wall   %6.2fx   target <= 1.5x   %s  (issue 23)" % (gj, verdict(gj <= 1.5)))
for k, name in (("fs_msgs", "messages"), ("fs_msgsI", "messages !I")):
    e = vs_tcpdump(k, "s")
    print("  framescope %-12s / tcpdump, wall     %6.2fx   target <= 1.0x   %s" % (name, e, verdict(e <= 1.0)))
    ec = vs_tcpdump(k, "cpu")
    print("  framescope %-12s / tcpdump, CPU      %6.2fx   target <= 0.5x   %s  (issue 23: one core's worth)" % (name, ec, verdict(ec <= 0.5)))
c = rate("fs_json") / rate("tsjson")
print("  tshark JSON / framescope JSON               %6.1fx   target >= 10x    %s" % (c, verdict(c >= 10)))
d = rate("fs_line") / rate("tshark")
print("  tshark one-line / framescope                %6.1fx   (no target)" % d)
full_rss, q_rss = rows["fs_line"]["rss"], rows["fs_q"]["rss"]
json_rss = rows["fs_json"]["rss"]
flat = full_rss <= 1.25 * q_rss
print("  peak RSS, read full file                    %6.1f MB (JSON %.1f MB)  target < 64 MB  %s"
      % (full_rss, json_rss, verdict(full_rss < 64 and json_rss < 64)))
print("  peak RSS, full / quarter file               %6.2fx   (%.1f / %.1f MB) target <= 1.25x (flat)  %s"
      % (full_rss / q_rss, full_rss, q_rss, verdict(flat)))
f = rate("fs_msgs") / rate("tsconv")
print("  tshark conv,tcp / framescope messages       %6.1fx   target >= 3x     %s" % (f, verdict(f >= 3)))
h = rate("tcpflow") / rate("fs_msgs")
print("  framescope messages / tcpflow               %6.2fx   (no target: tcpflow reassembles into files)" % h)
msgs_rss = max(rows["fs_msgs"]["rss"], rows["fs_msgsI"]["rss"])
print("  peak RSS, messages                          %6.1f MB  target <= 64 MB  %s  (issue 23)" % (msgs_rss, verdict(msgs_rss <= 64)))
if "prev_line" in rows:
    print()
    print("this build / previous (below 1 = faster now)       wall     CPU")
    for k in ("line", "json", "full", "fjson", "msgs", "msgsI"):
        now, prev = rows["fs_" + k], rows["prev_" + k]
        print("  %-46s %6.2fx %7.2fx" % (now["label"][len("framescope "):], now["s"] / prev["s"], now["cpu"] / prev["cpu"]))
if not all(r["ok"] for r in rows.values()):
    print("\nsome command exited non-zero: see tools/bench/data/logs/*.err")
EOF
say "written to $OUT"
if [ "${SKIP_ADVERSARIAL:-0}" != 1 ]; then
    echo
    adversarial
fi
exit 0
