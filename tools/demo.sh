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
# The mtu part turns segmentation offload off on its veth pair with ethtool (without it, with ip
# link's gso_max_size): installed when missing, never a reason to stop.
if [ "$(id -u)" = 0 ] && ! command -v ethtool >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q ethtool >/dev/null 2>&1 || true
fi
swift build -c release --product framescope
exec .build/release/framescope demo "$@"
