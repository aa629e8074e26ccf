#!/usr/bin/env bash
# `framescope fuzz` against boofuzz 0.4.2 on the same '!I'-framed servers, in this one run:
# cases per second against `framescope serve framed` (small frames, and each tool's whole
# catalogue), beside the floor a minimal C client reaches on the same server (fuzz_floor.c: one
# connection writing a small frame and closing, one probe round trip), then the time to the first finding on each broken demo server in
# tools/fuzz-targets/. See tools/bench/README.md, "Fuzzing: fuzz.sh".
#
#   tools/bench/fuzz.sh
#
# Environment: SMALL_CASES (framescope's cases in the small-frames row; default 20000),
#              BF_SMALL_CASES (boofuzz's; default 3000),
#              SMALL_FAMILIES (framescope's small-frame families; default mutation),
#              JOBS (framescope's --jobs in the small-frames row, and the floor's lanes; default 8,
#                    framescope fuzz's own default),
#              FLOOR_CASES (the floor client's cases per run; default SMALL_CASES),
#              FLOOR_TIMEOUT (the floor client's connect/send/echo timeout; default 1 s),
#              CATALOGUE_S (time bound of each whole-catalogue run; default 60),
#              FIND_CASES, FIND_S (bounds of each run on a demo target; default 20000 cases, 30 s),
#              RUN_TIMEOUT (timeout(1) around every command; default 120 s),
#              SEED (framescope's seed; default 1), PROBE_TIMEOUT (boofuzz's oracle; default 1 s),
#              BF_DB_DIR (where boofuzz's sqlite database goes; default /dev/shm, see README),
#              TARGETS (demo servers to run, space-separated file names; default all),
#              SKIP_BUILD=1 (use the framescope already in .build-bench),
#              SCRATCH (swift build's scratch path; default .build-bench in the repository root),
#              SKIP_FIND=1 (throughput rows only).
# Installs a C compiler with apt if `cc` is missing (and python3-venv if the venv must be made).
# Exits 0 when the measurements were made, whether or not the targets were met (a report);
# 1 when something could not be built or installed, or `framescope fuzz` is not in the build
# (the boofuzz half is still measured and printed).
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/../.." && pwd)"
DATA="$BENCH/data"
LOG="$DATA/logs/fuzz"
mkdir -p "$LOG"
rm -f "$LOG"/*.json "$LOG"/*.err "$LOG"/*.out
SMALL_CASES="${SMALL_CASES:-20000}"
BF_SMALL_CASES="${BF_SMALL_CASES:-3000}"
SMALL_FAMILIES="${SMALL_FAMILIES:-mutation}"
JOBS="${JOBS:-8}"
FLOOR_CASES="${FLOOR_CASES:-$SMALL_CASES}"
FLOOR_TIMEOUT="${FLOOR_TIMEOUT:-1}"
CATALOGUE_S="${CATALOGUE_S:-60}"
FIND_CASES="${FIND_CASES:-20000}"
FIND_S="${FIND_S:-30}"
RUN_TIMEOUT="${RUN_TIMEOUT:-120}"
SEED="${SEED:-1}"
PROBE_TIMEOUT="${PROBE_TIMEOUT:-1}"
TARGET_DIR="$ROOT/tools/fuzz-targets"
SCRATCH="${SCRATCH:-$ROOT/.build-bench}"
FS="$SCRATCH/release/framescope"
VENV="$DATA/boofuzz-venv"
FLOOR="$DATA/fuzz_floor"
LOADAVG="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
BF=("$VENV/bin/python" "$BENCH/boofuzz_framed.py")
RESULTS="$LOG/results.tsv"
: >"$RESULTS"

say() { printf '== %s\n' "$*" >&2; }

# --- tools: a C compiler (apt), framescope (release), the floor client, boofuzz (venv) ----------
command -v timeout >/dev/null || { echo "timeout(1) is not on PATH" >&2; exit 1; }
need=()
command -v cc >/dev/null || need+=(gcc libc6-dev)
if ! "$VENV/bin/python" -c 'import boofuzz' 2>/dev/null && ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    need+=(python3-venv)
fi
if [ "${#need[@]}" -gt 0 ]; then
    say "installing: ${need[*]}"
    if [ "$(id -u)" -ne 0 ]; then echo "need root to apt-get install ${need[*]}" >&2; exit 1; fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >"$LOG/apt.log" 2>&1 || { echo "apt-get install ${need[*]} failed; see $LOG/apt.log" >&2; exit 1; }
fi
if [ "${SKIP_BUILD:-0}" != 1 ] || [ ! -x "$FS" ]; then
    command -v swift >/dev/null || { echo "swift is not on PATH" >&2; exit 1; }
    say "building framescope (release, $SCRATCH)"
    ok=0
    for attempt in 1 2 3; do
        if (cd "$ROOT" && nice -n 10 swift build -c release --static-swift-stdlib --product framescope --scratch-path "$SCRATCH") >"$LOG/build.log" 2>&1; then
            ok=1; break
        fi
        say "build attempt $attempt failed (see $LOG/build.log); sources may be mid-edit, retrying in 60 s"
        tail -5 "$LOG/build.log" >&2
        [ "$attempt" -lt 3 ] && sleep 60
    done
    [ "$ok" = 1 ] || { echo "framescope did not build; see $LOG/build.log" >&2; exit 1; }
fi
[ -x "$FS" ] || { echo "no $FS" >&2; exit 1; }
say "building the floor client: cc -O2 -pthread $BENCH/fuzz_floor.c"
cc -O2 -Wall -Wextra -pthread -o "$FLOOR" "$BENCH/fuzz_floor.c" >"$LOG/floor-build.log" 2>&1 \
    || { cat "$LOG/floor-build.log" >&2; echo "fuzz_floor.c did not build; see $LOG/floor-build.log" >&2; exit 1; }
if ! "$VENV/bin/python" -c 'import boofuzz' 2>/dev/null; then
    say "making $VENV (pip install boofuzz==0.4.2)"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q boofuzz==0.4.2 >"$LOG/pip.log" 2>&1 || { echo "pip install boofuzz failed; see $LOG/pip.log" >&2; exit 1; }
fi
BF_VERSION="$("$VENV/bin/python" -c 'from importlib.metadata import version; print(version("boofuzz"))')"
[ "$BF_VERSION" = 0.4.2 ] || say "WARNING: boofuzz $BF_VERSION in $VENV, not 0.4.2"
# boofuzz writes and commits every case to an sqlite file; on this disk that is most of its time
# per case. /dev/shm (tmpfs) measures boofuzz itself, not the disk's fsync (README).
BF_DB_DIR="${BF_DB_DIR:-/dev/shm}"
[ -d "$BF_DB_DIR" ] && [ -w "$BF_DB_DIR" ] || BF_DB_DIR="${TMPDIR:-/tmp}"
HAVE_FUZZ=1
# (An unknown subcommand's --help prints the top-level help, with status 0: look for the usage line.)
"$FS" fuzz --help >"$LOG/fs-fuzz-help.out" 2>&1 || true
if ! grep -qi 'usage: framescope fuzz' "$LOG/fs-fuzz-help.out"; then
    HAVE_FUZZ=0
    say "WARNING: 'framescope fuzz' is not in this build: only boofuzz is measured"
fi

# --- processes: every one started here is killed on exit ------------------------------------
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do
        kill -TERM -- "-$p" 2>/dev/null || true   # the process group of a timeout(1) wrapper
        kill -TERM "$p" 2>/dev/null || true
    done
    wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start LOGKEY CMD... : runs a server that prints its port as its first stdout line; sets PORT, SPID.
start() {
    local key="$1" out; shift
    out="$(mktemp)"
    "$@" </dev/null >"$out" 2>"$LOG/$key.err" &
    SPID="$!"
    PIDS+=("$SPID")
    PORT=""
    for _ in $(seq 100); do
        PORT="$(head -n1 "$out" 2>/dev/null || true)"
        [ -n "$PORT" ] && break
        sleep 0.05
    done
    rm -f "$out"
    [ -n "$PORT" ] || { say "server did not start: $*"; return 1; }
}

# stop PID : kills a server started with start (if still running) and reaps it.
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# bounded KEY CMD... : runs CMD under timeout(1) (RUN_TIMEOUT s), stdout to $LOG/KEY.out, stderr
# to $LOG/KEY.err; sets RC. timeout(1) leads its own process group: whatever CMD started and left
# behind (a target framescope did not reap) is killed with it.
bounded() {
    local key="$1" p; shift
    timeout -k 5 "$RUN_TIMEOUT" "$@" </dev/null >"$LOG/$key.out" 2>"$LOG/$key.err" &
    p="$!"
    PIDS+=("$p")
    RC=0
    wait "$p" || RC=$?
    kill -TERM -- "-$p" 2>/dev/null || true
}

# record SECTION ROW TOOL JSONFILE RC NOTE : one line for the report.
record() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RESULTS"; }

# fs_run KEY SECTION ROW HOST:PORT ARGS... : framescope fuzz, report in $LOG/KEY.json.
fs_run() {
    local key="$1" section="$2" row="$3" target="$4"; shift 4
    if [ "$HAVE_FUZZ" != 1 ]; then
        record "$section" "$row" framescope - - "n/a (no 'framescope fuzz' in this build)"
        return 0
    fi
    say "framescope fuzz $target $* ($row)"
    rm -f "$LOG/$key.json"
    bounded "$key" "$FS" fuzz "$target" --framing '!I' --seed "$SEED" --report "$LOG/$key.json" --quiet "$@"
    record "$section" "$row" framescope "$LOG/$key.json" "$RC" "$LOG/$key.err"
}

# bf_run KEY SECTION ROW TOOLLABEL ARGS... : boofuzz_framed.py, its JSON line in $LOG/KEY.json.
bf_run() {
    local key="$1" section="$2" row="$3" label="$4"; shift 4
    say "boofuzz $* ($row; $label)"
    bounded "$key" "${BF[@]}" --db-dir "$BF_DB_DIR" --probe-timeout "$PROBE_TIMEOUT" "$@"
    tail -n1 "$LOG/$key.out" >"$LOG/$key.json" 2>/dev/null || true
    record "$section" "$row" "$label" "$LOG/$key.json" "$RC" "$LOG/$key.err"
}

# floor_run KEY ROW LABEL PORT : fuzz_floor (JOBS lanes), its JSON line in $LOG/KEY.json.
floor_run() {
    local key="$1" row="$2" label="$3" port="$4"
    say "fuzz_floor --port $port --jobs $JOBS --cases $FLOOR_CASES ($row; $label)"
    bounded "$key" "$FLOOR" --host 127.0.0.1 --port "$port" --jobs "$JOBS" --cases "$FLOOR_CASES" \
        --duration "$CATALOGUE_S" --timeout "$FLOOR_TIMEOUT"
    tail -n1 "$LOG/$key.out" >"$LOG/$key.json" 2>/dev/null || true
    record tput "$row" "$label" "$LOG/$key.json" "$RC" "$LOG/$key.err"
}

# --- 1. throughput against `framescope serve framed` (robust: nothing should be found) --------
say "framescope serve framed --port 0 --quiet"
start serve "$FS" serve framed --port 0 --quiet
SERVE_PORT="$PORT"; SERVE_PID="$SPID"

# The floor runs just before and just after framescope's small-frame run, on the same server;
# the ratio is taken against the faster of the two.
floor_run floor-1 "small frames" "floor (C), run 1" "$SERVE_PORT"
fs_run fs-small tput "small frames" "127.0.0.1:$SERVE_PORT" --tcp --families "$SMALL_FAMILIES" --cases "$SMALL_CASES" --duration "$CATALOGUE_S" --jobs "$JOBS"
floor_run floor-2 "small frames" "floor (C), run 2" "$SERVE_PORT"
bf_run bf-small tput "small frames" boofuzz --port "$SERVE_PORT" --small --cases "$BF_SMALL_CASES" --duration "$CATALOGUE_S"
# The same with the database on disk (boofuzz's default place is ./boofuzz-results): for the record.
if [ "$BF_DB_DIR" = /dev/shm ]; then
    BF_DB_DIR_SAVED="$BF_DB_DIR"; BF_DB_DIR="$DATA"
    bf_run bf-small-disk tput "small frames" "boofuzz, sqlite on disk" --port "$SERVE_PORT" --small --cases "$BF_SMALL_CASES" --duration "$CATALOGUE_S"
    BF_DB_DIR="$BF_DB_DIR_SAVED"
fi
fs_run fs-catalogue tput "whole catalogue" "127.0.0.1:$SERVE_PORT" --tcp --duration "$CATALOGUE_S"
bf_run bf-catalogue tput "whole catalogue" "boofuzz, s_bytes body" --port "$SERVE_PORT" --max-depth 1 --duration "$CATALOGUE_S"
bf_run bf-catalogue-str tput "whole catalogue" "boofuzz, s_string body" --port "$SERVE_PORT" --max-depth 1 --body string --duration "$CATALOGUE_S"
if kill -0 "$SERVE_PID" 2>/dev/null; then SERVE_NOTE="still running after all throughput runs"; else SERVE_NOTE="DIED during the throughput runs (see $LOG/serve.err)"; fi
stop "$SERVE_PID"

# --- 2. time to the first finding on each broken demo server ----------------------------------
if [ "${SKIP_FIND:-0}" != 1 ]; then
    if [ -n "${TARGETS:-}" ]; then
        files=()
        for t in $TARGETS; do files+=("$TARGET_DIR/$t"); done
    else
        shopt -s nullglob
        files=("$TARGET_DIR"/*.py)
        shopt -u nullglob
    fi
    [ "${#files[@]}" -gt 0 ] || say "WARNING: no demo targets in $TARGET_DIR"
    for f in "${files[@]}"; do
        name="$(basename "$f" .py)"
        [ -f "$f" ] || { say "no $f"; continue; }
        proto=--tcp; bfproto=()
        if grep -q 'SOCK_DGRAM' "$f"; then proto=--udp; bfproto=(--udp); fi
        # framescope starts (and restarts) the target itself.
        fs_run "fs-find-$name" find "$name" 127.0.0.1:0 "$proto" --cases "$FIND_CASES" --duration "$FIND_S" --exec "python3 $f 0"
        # boofuzz: a fresh copy started here; nothing restarts it, so the run ends at the first failure.
        if start "target-$name" python3 "$f" 0; then
            bf_run "bf-find-$name" find "$name" boofuzz --port "$PORT" "${bfproto[@]}" --cases "$FIND_CASES" --duration "$FIND_S"
            if kill -0 "$SPID" 2>/dev/null; then
                note="target still running"
                stop "$SPID"
            else
                st=0; wait "$SPID" 2>/dev/null || st=$?
                note="target exited, status $st"
            fi
            printf '%s\n' "$note" >"$LOG/bf-find-$name.target"
        else
            record find "$name" boofuzz - - "the target did not start (see $LOG/target-$name.err)"
        fi
    done
fi

# --- 3. the table -------------------------------------------------------------------------------
OUT="$DATA/fuzz-latest.txt"
python3 - "$RESULTS" "$(cd "$ROOT" && git describe --always --dirty 2>/dev/null || echo '?')" "$BF_VERSION" \
    "$BF_DB_DIR" "$SERVE_NOTE" "$SMALL_FAMILIES" "$FIND_CASES" "$FIND_S" "$RUN_TIMEOUT" "$PROBE_TIMEOUT" "$(nproc)" \
    "$JOBS" "$LOADAVG" <<'EOF' | tee "$OUT"
import json, os, sys, time
(path, rev, bfver, dbdir, serve_note, small_fams, find_cases, find_s, run_timeout, probe_timeout,
 cores, jobs, loadavg) = sys.argv[1:14]

def load(f):
    if f in ("-", "") or not os.path.exists(f):
        return None
    try:
        with open(f) as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None

def err_line(f):
    try:
        lines = [l.strip() for l in open(f, errors="replace") if l.strip()]
    except OSError:
        return ""
    return lines[-1][:100] if lines else ""

def norm(tool, d):
    """(cases, seconds, failures, first_s, first_case, what) from either tool's JSON."""
    if tool == "framescope":
        fails = d.get("failures") or []
        first = min(fails, key=lambda x: x.get("found_after_s", 1e18)) if fails else None
        what = None
        if first:
            what = "%s, %s" % (first.get("verdict", "?"), first.get("family", "?"))
        return (d.get("cases", 0), d.get("duration_s", 0), len(fails),
                first and first.get("found_after_s"), first and first.get("case_index"), what)
    what = d.get("first_failure_reason")
    return (d.get("cases", 0), d.get("seconds", 0), d.get("failures", 0),
            d.get("first_failure_s"), d.get("first_failure_case"), what)

rows = [l.rstrip("\n").split("\t") for l in open(path)]
RATE = {}

def problem(tool, jf, rc, note):
    if jf == "-":
        return note
    if rc == "124" or rc == "137":
        return "timed out after %s s (timeout(1))" % run_timeout
    if tool == "framescope" and rc == "2":
        return "exit 2 (usage or target unusable): " + err_line(note)
    return "no result (exit %s): %s" % (rc, err_line(note))

print("framescope fuzz vs boofuzz %s  %s  commit %s  (%s cores, shared by fuzzer and server;"
      " load average %s at the start)" % (bfver, time.strftime("%Y-%m-%d %H:%M:%S"), rev, cores, loadavg))
print()
print("Cases per second against `framescope serve framed` (robust: nothing should be found; it was %s)"
      % serve_note)
print("boofuzz: its sqlite database in %s; oracle after every case: a fresh connection, one valid"
      " frame, its exact echo within %s s" % (dbdir, probe_timeout))
print("floor (C): tools/bench/fuzz_floor.c in %s lanes (framescope: --jobs %s); a case = one connection"
      " writing a 24-byte frame and closing, then a probe connection: a nonce frame, its exact echo"
      % (jobs, jobs))
print()
print("%-16s %-28s %8s %9s %10s %9s" % ("row", "tool", "cases", "seconds", "cases/s", "failures"))
print("-" * 85)
for section, row, tool, jf, rc, note in rows:
    if section != "tput":
        continue
    d = load(jf)
    if d is None:
        print("%-16s %-28s %s" % (row, tool, problem(tool.split(",")[0], jf, rc, note)))
        continue
    cases, secs, nfail, _, _, _ = norm("framescope" if tool == "framescope" else "boofuzz", d)
    rate = cases / secs if secs else 0
    RATE[(row, tool)] = rate
    extra = "  (found something on the robust server!)" if nfail else ""
    if tool.startswith("floor") and d.get("shed_probes"):
        extra += "  (%d probes answered too_many_connections, made again)" % d["shed_probes"]
    if tool.startswith("floor") and d.get("first_failure_reason"):
        extra += "  (%s)" % d["first_failure_reason"][:100]
    print("%-16s %-28s %8d %9.2f %10.0f %9d%s" % (row, tool, cases, secs, rate, nfail, extra))
print()

def floor_line(row, a, target=None):
    """a's cases/s as a fraction of the floor (the faster of the floor's runs)."""
    f = RATE.get((row, "floor"))
    if (row, a) in RATE and f:
        r = RATE[(row, a)] / f
        s = "  %-16s %s / floor: %.2f  (%.0f of %.0f cases/s)" % (row, a, r, RATE[(row, a)], f)
        if target:
            s += "   target >= %g  %s" % (target, "PASS" if r >= target else "MISS")
        print(s)
    else:
        print("  %-16s %s / floor: n/a" % (row, a))

def ratio_line(row, a, b, target=None):
    if (row, a) in RATE and (row, b) in RATE and RATE[(row, b)] > 0:
        r = RATE[(row, a)] / RATE[(row, b)]
        s = "  %-16s %s / %s: %.1fx" % (row, a, b, r)
        if target:
            s += "   target >= %gx  %s" % (target, "PASS" if r >= target else "MISS")
        print(s)
    else:
        print("  %-16s %s / %s: n/a" % (row, a, b))

print("ratios of cases/s (measured in this run)")
floors = [RATE[k] for k in RATE if k[0] == "small frames" and k[1].startswith("floor (C)")]
if floors:
    RATE[("small frames", "floor")] = max(floors)
ratio_line("small frames", "framescope", "boofuzz", 10)
if ("small frames", "framescope") in RATE:
    r = RATE[("small frames", "framescope")]
    print("  %-16s framescope: %.0f cases/s   target >= 8,500  %s" % ("small frames", r, "PASS" if r >= 8500 else "MISS"))
floor_line("small frames", "framescope", 0.85)
floor_line("small frames", "boofuzz")
ratio_line("whole catalogue", "framescope", "boofuzz, s_bytes body")
ratio_line("whole catalogue", "framescope", "boofuzz, s_string body")
print("  (small frames: framescope --families %s --jobs %s; boofuzz --small: frames of at most 24 bytes;"
      " floor: the faster of its two runs, one just before framescope's, one just after."
      " whole catalogue: framescope's default families; boofuzz's depth-1 catalogue of the frame)"
      % (small_fams, jobs))

finds = [r for r in rows if r[0] == "find"]
if finds:
    print()
    print("Time to the first finding on each demo server in tools/fuzz-targets/ (each run bounded: %s cases,"
          " %s s, timeout(1) %s s)" % (find_cases, find_s, run_timeout))
    print("framescope: --exec starts and restarts the target; boofuzz: a fresh copy, nothing restarts it,"
          " so its run ends at its first failure")
    print()
    print("%-24s %-44s %s" % ("target", "framescope", "boofuzz"))
    print("-" * 120)
    by = {}
    order = []
    for section, row, tool, jf, rc, note in finds:
        if row not in by:
            by[row] = {}
            order.append(row)
        d = load(jf)
        if d is None:
            cell = problem(tool, jf, rc, note)
        else:
            cases, secs, nfail, fs_, fc, what = norm(tool, d)
            if fs_ is None:
                cell = "none in %d cases / %.1f s" % (cases, secs)
            else:
                cell = "%.3f s, case %s (%s)" % (fs_, fc, what)
            if tool == "boofuzz":
                t = jf[:-len(".json")] + ".target"
                if os.path.exists(t):
                    cell += "; " + open(t).read().strip()
        by[row][tool] = cell
    for row in order:
        print("%-24s %-44s %s" % (row, by[row].get("framescope", "-"), by[row].get("boofuzz", "-")))
    print()
    print("(case = the case number at which the first failure was found; framescope: verdict, family;"
          " boofuzz: what its oracle saw)")
EOF
say "written to $OUT"
[ "$HAVE_FUZZ" = 1 ] || { say "'framescope fuzz' is missing from this build: its half of the table is n/a"; exit 1; }
exit 0
