#!/usr/bin/env bash
# The README's first command: installs libpcap-dev when missing (run as root), builds framescope
# in release mode and runs its demo: framescope's own chat servers and scripted clients, captured
# live on lo, decoded and explained on screen (--lang zh for Chinese).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
dpkg -s libpcap-dev >/dev/null 2>&1 || need+=(libpcap-dev)
command -v pkg-config >/dev/null || need+=(pkg-config)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi
swift build -c release --product framescope
exec .build/release/framescope demo "$@"
