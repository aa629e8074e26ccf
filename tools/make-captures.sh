#!/usr/bin/env bash
# Remakes every sample capture in captures/ (see captures/README.md) with one command, as root:
#
#   tools/make-captures.sh
#
# framescope's own servers (`framescope serve text|udp|framed --port 0`) talk with framescope's own
# client (`framescope chat`) over loopback while `framescope live -i lo FILTER -w FILE` captures
# them. The samples that need exact byte pieces or a malformed header, which `chat` never writes,
# use a small Python client (tools/lesson_chat.py) against the same framescope server, so the
# capture also shows the server's answer. any-sll2.pcap is captured with tcpdump: `-i any` gives
# Linux cooked v2 there, where `framescope live -i any` gets libpcap's default, cooked v1.
# The other link types are derived from these real frames by tools/derive-samples.py.
#
# Everything is made in a temporary directory and copied into captures/ only when every step
# worked. Loopback only; every wait is bounded; servers and captures are stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

die() { echo "make-captures: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root: it captures on lo (and on any)"
need=()
command -v tcpdump >/dev/null || need+=(tcpdump)
command -v python3 >/dev/null || need+=(python3)
dpkg -s libpcap-dev >/dev/null 2>&1 || need+=(libpcap-dev)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi

swift build -c release --product framescope
FS=$ROOT/.build/release/framescope
[ -x "$FS" ] || die "no $FS after the build"

WORK=$(mktemp -d /tmp/make-captures.XXXXXX)
OUT=$WORK/captures
mkdir -p "$OUT"
RUNNING=()  # PIDs of servers and captures still running, stopped on any exit
cleanup() {
  local pid
  for pid in "${RUNNING[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# wait_until SECONDS COMMAND...: runs COMMAND every 0.1 s until it succeeds; fails after SECONDS.
wait_until() {
  local tries=$(($1 * 10)) i
  shift
  for ((i = 0; i < tries; i++)); do
    if "$@"; then return 0; fi
    sleep 0.1
  done
  return 1
}

# stop PID: SIGINT (servers close their connections, captures flush their file), at most 5 s,
# then SIGKILL.
stop() {
  local pid=$1 i
  kill -INT "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "make-captures: $pid did not stop on SIGINT within 5 s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  local rest=()
  for i in "${RUNNING[@]}"; do [ "$i" = "$pid" ] || rest+=("$i"); done
  RUNNING=(${rest[@]+"${rest[@]}"})
}

# serve ARGS...: starts `framescope serve ARGS --port 0`, reads the port it bound from the first
# line of its standard output. Sets SERVER (its PID) and PORT.
serve() {
  : >"$WORK/server.out"
  "$FS" serve "$@" --port 0 >"$WORK/server.out" 2>"$WORK/server.err" &
  SERVER=$!
  RUNNING+=("$SERVER")
  wait_until 10 grep -q '^[0-9][0-9]*$' "$WORK/server.out" \
    || { cat "$WORK/server.err" >&2; die "framescope serve $* did not print its port within 10 s"; }
  PORT=$(head -n 1 "$WORK/server.out")
}

# capture FILE IFACE FILTER -- CLIENT...: captures FILTER on IFACE into FILE while CLIENT runs.
# `framescope live` on lo; tcpdump on any (see above).
capture() {
  local file=$1 iface=$2 filter=$3 pid status=0
  shift 4
  : >"$WORK/capture.err"
  if [ "$iface" = any ]; then
    tcpdump -i any -s 262144 --immediate-mode -U -w "$OUT/$file" "$filter" 2>"$WORK/capture.err" &
  else
    "$FS" live -i "$iface" -q -w "$OUT/$file" "$filter" 2>"$WORK/capture.err" &
  fi
  pid=$!
  RUNNING+=("$pid")
  wait_until 10 grep -q "listening on" "$WORK/capture.err" \
    || { cat "$WORK/capture.err" >&2; die "$file: the capture did not start within 10 s"; }
  sleep 0.2
  "$@" >"$WORK/client.out" 2>"$WORK/client.err" || status=$?
  sleep 0.3  # the last ACK and FIN have reached the capture
  stop "$pid"
  if [ "$status" != 0 ]; then
    cat "$WORK/client.out" "$WORK/client.err" "$WORK/server.err" >&2
    die "$file: the client failed (exit status $status)"
  fi
  if [ "$iface" != any ]; then
    grep -q " 0 dropped by kernel" "$WORK/capture.err" || { cat "$WORK/capture.err" >&2; die "$file: frames were dropped"; }
  fi
  echo "captures/$file: $("$FS" read "$OUT/$file" --no-messages | wc -l) frames"
}

# chat ARGS...: framescope's client, bounded twice (its own --timeout for every wait, and timeout).
chat() { timeout 30 "$FS" chat "$@"; }
lesson() { timeout 30 python3 "$ROOT/tools/lesson_chat.py" "$@"; }

# refused HOST:PORT: a datagram to a port nobody listens on. The kernel answers with ICMP port
# unreachable, and the client says Connection refused (exit status 1).
refused() {
  local status=0
  chat "$1" --udp --send 'anyone there?' --timeout 2 2>"$WORK/refused.err" || status=$?
  cat "$WORK/refused.err" >&2
  [ "$status" = 1 ] && grep -q "Connection refused" "$WORK/refused.err"
}

# A UDP port free on both 127.0.0.1 and ::1 (bound, then released; nothing else on loopback here).
free_udp_port() {
  python3 - <<'EOF'
import socket
for _ in range(50):
    a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    a.bind(("127.0.0.1", 0))
    port = a.getsockname()[1]
    b = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    try:
        b.bind(("::1", port))
    except OSError:
        continue
    finally:
        a.close()
        b.close()
    print(port)
    break
else:
    raise SystemExit("no UDP port free on both 127.0.0.1 and ::1")
EOF
}

# --- The lesson's length-framed chat: '!I' headers, several turns, Q to quit (the server: bye).
for family in ipv4:127.0.0.1 ipv6:::1; do
  host=${family#*:}
  serve framed --framing '!I' --host "$host"
  [ "$host" = ::1 ] && target="[::1]:$PORT" || target="$host:$PORT"
  capture "tcp-chat-${family%%:*}.pcap" lo "tcp port $PORT" -- \
    chat "$target" --framing '!I' --send hello 'how are you?' '你好，世界' Q
  stop "$SERVER"
done

# --- UDP chat: one datagram a message, 'echo: …' back to the sender, Q gets bye. Then the same on
# -i any (Linux cooked v2, with tcpdump).
serve udp
capture udp-chat.pcap lo "udp port $PORT" -- chat "127.0.0.1:$PORT" --udp --send 'hi over udp' 'second datagram' Q
capture any-sll2.pcap any "udp port $PORT" -- chat "127.0.0.1:$PORT" --udp --send 'hi over udp' 'second datagram' Q
stop "$SERVER"
python3 - "$OUT/any-sll2.pcap" <<'EOF' || die "any-sll2.pcap: not Linux cooked v2 (276); tcpdump on -i any changed?"
import struct, sys
data = open(sys.argv[1], "rb").read(24)
raise SystemExit(0 if struct.unpack("<I", data[20:24])[0] == 276 else 1)
EOF

# --- A datagram to a UDP port nobody listens on, over 127.0.0.1 and ::1: ICMP port unreachable.
port=$(free_udp_port)
both_refused() { refused "127.0.0.1:$1" && refused "[::1]:$1"; }
capture icmp-unreachable.pcap lo "icmp or icmp6" -- both_refused "$port"

# --- Sticky packets (粘包): two '!I' messages in ONE write, so one segment; the robust server
# answers both, in one segment too; then Q.
serve framed --framing '!I'
capture sticky.pcap lo "tcp port $PORT" -- chat "127.0.0.1:$PORT" --framing '!I' --burst 2 --send one two Q
stop "$SERVER"

# --- Exact pieces and malformed headers: the lesson's Python client, framescope's server.
serve framed --framing '!I'
capture split.pcap lo "tcp port $PORT" -- lesson split --port "$PORT"
stop "$SERVER"
serve framed --framing '!I'
capture header-split.pcap lo "tcp port $PORT" -- lesson header --port "$PORT"
stop "$SERVER"
serve framed --framing '<i'
capture negative-length.pcap lo "tcp port $PORT" -- lesson negative --port "$PORT"
grep -q "negative_length -5" "$WORK/client.out" || die "negative-length.pcap: the server's error did not come"
stop "$SERVER"
serve framed --framing '!I'
capture short-body.pcap lo "tcp port $PORT" -- lesson short --port "$PORT"
stop "$SERVER"

# --- Line chat: '\n' ends a message; one line ends in CRLF (the client sends 'how are you?\r');
# two lines a write (sticky lines); Q gets bye.
serve text
capture line-chat.pcap lo "tcp port $PORT" -- \
  chat "127.0.0.1:$PORT" --text --burst 2 --send hello $'how are you?\r' fine thanks Q
stop "$SERVER"

# --- The demo's lesson parts, each captured by `framescope demo --part NAME` (its own servers and
# clients; its capture is demo.pcap in the --out folder). mtu needs ip netns: skipped without it.
demo_part() {
  local part=$1 file=$2
  shift 2
  rm -rf "$WORK/demo"
  timeout 60 "$FS" demo --part "$part" --out "$WORK/demo" "$@" >"$WORK/demo.out" 2>&1 \
    || { cat "$WORK/demo.out" >&2; die "$file: demo --part $part failed"; }
  if [ -f "$WORK/demo/demo.pcap" ]; then
    cp "$WORK/demo/demo.pcap" "$OUT/$file"
    echo "captures/$file: $("$FS" read "$OUT/$file" --no-messages | wc -l) frames"
  else
    echo "captures/$file: not made ($(grep -m1 -i skipped "$WORK/demo.out" || echo "no capture"))" >&2
  fi
}
demo_part turns lesson-turns.pcap
demo_part clients many-clients.pcap
demo_part udp udp-burst.pcap
demo_part receiver receiver-sticky.pcap
demo_part naive naive-vs-robust.pcap
# The demo sends 100,000 bytes; 5,000 (three 1,448-byte segments and one of 660) show the same
# on a sample a hundred times smaller.
demo_part mtu mtu-1500.pcap --mtu-bytes 5000

# --- Other link types, IP fragments, a snaplen cut, reordering: derived from the frames above.
python3 "$ROOT/tools/derive-samples.py" "$OUT"

cp "$OUT"/* "$ROOT/captures/"
echo "captures/ remade ($(ls "$OUT" | wc -l) files). Regenerate the golden outputs with"
echo "  FRAMESCOPE_UPDATE_GOLDEN=1 swift test --filter RenderTests"
echo "and review the diff; the tests that assert what the captures hold are listed in captures/README.md."
