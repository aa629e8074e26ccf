#!/usr/bin/env bash
# Remakes the sample captures in captures/ (see captures/README.md). Run as root: it captures on lo
# with tcpdump while tools/lesson_chat.py talks over loopback, then derives the other link types
# from those real frames with tools/derive-samples.py.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v tcpdump >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q tcpdump; }
mkdir -p captures

capture() {  # capture FILE IFACE FILTER -- command...
  local file=$1 iface=$2 filter=$3; shift 4
  tcpdump -i "$iface" -s 262144 --immediate-mode -U -w "captures/$file" "$filter" 2>/dev/null &
  local pid=$!
  sleep 1
  "$@"
  sleep 0.5
  kill -INT "$pid"; wait "$pid" || true
  echo "captures/$file: $(tcpdump -r "captures/$file" 2>/dev/null | wc -l) frames"
}

capture tcp-chat-ipv4.pcap lo "tcp port 9000" -- python3 tools/lesson_chat.py tcp --host 127.0.0.1 --port 9000
capture tcp-chat-ipv6.pcap lo "tcp port 9000" -- python3 tools/lesson_chat.py tcp --host ::1 --port 9000
capture udp-chat.pcap lo "udp port 9001" -- python3 tools/lesson_chat.py udp --host 127.0.0.1 --port 9001
capture icmp-unreachable.pcap lo "icmp or icmp6" -- bash -c \
  'python3 tools/lesson_chat.py icmp --host 127.0.0.1 --port 9002; python3 tools/lesson_chat.py icmp --host ::1 --port 9002'
capture any-sll2.pcap any "udp port 9001" -- python3 tools/lesson_chat.py udp --host 127.0.0.1 --port 9001
for kind in sticky:9010 split:9011 header:9012 negative:9013 short:9014 line:9015; do
  capture "${kind%%:*}.pcap" lo "tcp port ${kind##*:}" -- python3 tools/lesson_chat.py "${kind%%:*}" --port "${kind##*:}"
done
mv captures/header.pcap captures/header-split.pcap
mv captures/negative.pcap captures/negative-length.pcap
mv captures/short.pcap captures/short-body.pcap
mv captures/line.pcap captures/line-chat.pcap
python3 tools/derive-samples.py
echo "captures remade: regenerate the golden outputs with  FRAMESCOPE_UPDATE_GOLDEN=1 swift test --filter RenderTests  and review the diff"
