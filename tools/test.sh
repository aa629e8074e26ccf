#!/usr/bin/env bash
# The README's test command: installs what the tests need on a fresh Debian/Ubuntu machine (run as
# root), then runs the whole suite. The oracles (tshark, tcpdump) are required here, not skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
dpkg -s libpcap-dev >/dev/null 2>&1 || need+=(libpcap-dev)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v tshark >/dev/null || need+=(tshark)
command -v tcpdump >/dev/null || need+=(tcpdump)
command -v chromium >/dev/null || need+=(chromium)  # opens the fuzz HTML report in a real browser
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi
export FRAMESCOPE_REQUIRE_ORACLES=1
swift build --build-tests
# XCTest only: --disable-swift-testing keeps a "0 tests" Swift Testing summary out of the log.
swift test --skip-build --disable-swift-testing "$@"
# CI only (not the developer's loop): the release packages, built and run without the toolchain.
if [ -n "${CI:-}" ]; then
  tools/package.sh
  tools/package-check.sh
fi
