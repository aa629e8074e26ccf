#!/usr/bin/env bash
# framescope for machines without a Swift toolchain (issue 24; DESIGN.md, "Distribution"):
# a release build with the Swift runtime and Foundation linked in (it needs only the C library and
# libpcap), and in out/
#   framescope-VERSION-linux-ARCH.tar.gz  the binary, framescope.1, bash/zsh/fish completions,
#                                         README.md, LICENSE
#   framescope_VERSION_DEBARCH.deb        the same in their system places, built with dpkg-deb
#                                         alone; its postinst makes a `framescope` group and gives
#                                         the binary the capture capabilities for that group only
# Run as root on a fresh Debian/Ubuntu machine, like the README's other commands: it installs
# what it needs with apt-get. The Swift toolchain (6.0 or later, with its static libraries) must
# be on PATH. VERSION is what `framescope --version` says. tools/package-check.sh checks the result.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf 'package: %s\n' "$*" >&2; }
die() { printf 'package: FAILED: %s\n' "$*" >&2; exit 1; }

need=()
dpkg -s libpcap-dev >/dev/null 2>&1 || need+=(libpcap-dev)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v python3 >/dev/null || need+=(python3)        # tools/man-page.py
command -v strip >/dev/null || need+=(binutils)         # strip, objdump
command -v ldd >/dev/null || need+=(libc-bin)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi

swift_bin=$(command -v swift) || die "no swift on PATH (the build needs the toolchain; the packages do not)"
static_lib="$(dirname "$(readlink -f "$swift_bin")")/../lib/swift_static"
[ -d "$static_lib" ] || die "this toolchain has no static Swift libraries ($static_lib): --static-swift-stdlib cannot work"

# The build: its own scratch folder, so the developer's debug .build is left alone.
scratch=.build-release
say "swift build -c release --static-swift-stdlib --scratch-path $scratch (slow: several minutes)"
start=$SECONDS
swift build -c release --static-swift-stdlib --scratch-path "$scratch" --product framescope
say "release build: $((SECONDS - start)) s"
built="$scratch/release/framescope"
[ -x "$built" ] || die "no binary at $built"

version=$("$built" --version | sed -n 's/^framescope \([0-9][0-9A-Za-z.+~-]*\)$/\1/p')
[ -n "$version" ] || die "'$built --version' did not print 'framescope X.Y.Z'"
arch=$(uname -m)
debarch=$(dpkg --print-architecture)
# Dates and mtimes from the last commit: the same tree gives the same archive.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
date=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)

# Linked in: no libswift*, Foundation, dispatch, BlocksRuntime or ICU left for the loader (what
# stays: libc, libm, libstdc++ and libgcc_s, which the static Foundation's ICU needs, and libpcap).
libs=$(ldd "$built")
swiftlibs=$(grep -Ei 'libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime|libicu' <<<"$libs" || true)
[ -z "$swiftlibs" ] || die "the binary still needs Swift runtime libraries:
$swiftlibs"
say "needs: $(awk '{print $1}' <<<"$libs" | tr '\n' ' ')"

work=out/work
rm -rf "$work"
mkdir -p "$work"
bin="$work/framescope"
cp "$built" "$bin"
strip --strip-unneeded "$bin"

# Manual page and completions, from the commands' own definitions.
"$bin" --experimental-dump-help >"$work/help.json"
python3 tools/man-page.py --version "$version" --date "$date" "$work/help.json" >"$work/framescope.1"
"$bin" --generate-completion-script bash >"$work/framescope.bash"
"$bin" --generate-completion-script zsh >"$work/_framescope"
"$bin" --generate-completion-script fish >"$work/framescope.fish"

tarball="out/framescope-$version-linux-$arch.tar.gz"
deb="out/framescope_${version}_$debarch.deb"
rm -f "$tarball" "$deb"

# The archive: one folder, named like the archive.
dir="framescope-$version-linux-$arch"
t="$work/tar/$dir"
mkdir -p "$t/completions"
install -m 0755 "$bin" "$t/framescope"
install -m 0644 "$work/framescope.1" README.md LICENSE "$t/"
install -m 0644 "$work/framescope.bash" "$work/_framescope" "$work/framescope.fish" "$t/completions/"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
  -C "$work/tar" -cf - "$dir" | gzip -9n >"$tarball"

# The Debian package.
d="$work/deb"
install -d "$d/DEBIAN" "$d/usr/bin" "$d/usr/share/man/man1" "$d/usr/share/doc/framescope" \
  "$d/usr/share/bash-completion/completions" "$d/usr/share/zsh/vendor-completions" \
  "$d/usr/share/fish/vendor_completions.d"
install -m 0755 "$bin" "$d/usr/bin/framescope"
gzip -9n <"$work/framescope.1" >"$d/usr/share/man/man1/framescope.1.gz"
install -m 0644 "$work/framescope.bash" "$d/usr/share/bash-completion/completions/framescope"
install -m 0644 "$work/_framescope" "$d/usr/share/zsh/vendor-completions/_framescope"
install -m 0644 "$work/framescope.fish" "$d/usr/share/fish/vendor_completions.d/framescope.fish"
install -m 0644 LICENSE "$d/usr/share/doc/framescope/copyright"
# The oldest glibc the binary asks for, read from its versioned symbols.
glibc=$(objdump -T "$bin" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
cat >"$d/DEBIAN/control" <<EOF
Package: framescope
Version: $version
Architecture: $debarch
Maintainer: ${FRAMESCOPE_MAINTAINER:-framescope maintainers <maintainers@framescope.invalid>}
Installed-Size: $(du -sk --apparent-size "$d/usr" | cut -f1)
Depends: libc6 (>= $glibc), libpcap0.8, libstdc++6, libgcc-s1, adduser
Recommends: libcap2-bin
Section: net
Priority: optional
Description: packet inspector and fuzzer for the first socket lesson
 framescope captures loopback traffic with libpcap, or reads pcap/pcapng
 files, and decodes every frame in OSI order, down to the length header and
 the chat messages: where each message falls against the TCP segments
 (sticky, split, malformed). It also ships reference chat servers, a chat
 client, a fuzzer for length-framed servers and a replayer.
 .
 Members of the framescope group can capture without root: the binary is
 root:framescope mode 0750 with cap_net_raw,cap_net_admin (as Wireshark's
 dumpcap). Add a user with: usermod -aG framescope USER (then log in again).
EOF
cat >"$d/DEBIAN/postinst" <<'EOF'
#!/bin/sh
# The binary is run by root and the framescope group only, and that group captures without root
# (as Debian's wireshark-common does for dumpcap). chown clears file capabilities, so setcap
# comes last. Never fails for want of setcap (libcap2-bin is only recommended): it says so.
set -e
PROGRAM=/usr/bin/framescope
GROUP=framescope
if [ "$1" = configure ]; then
    if ! getent group "$GROUP" >/dev/null; then
        addgroup --quiet --system "$GROUP"
    fi
    if dpkg-statoverride --list "$PROGRAM" >/dev/null 2>&1; then
        echo "framescope: $PROGRAM has a dpkg-statoverride; its owner, mode and capabilities are left as they are" >&2
    else
        chown root:"$GROUP" "$PROGRAM"
        chmod 0750 "$PROGRAM"
        if command -v setcap >/dev/null 2>&1; then
            if ! setcap cap_net_raw,cap_net_admin=eip "$PROGRAM"; then
                echo "framescope: setcap failed (no file capabilities here?); capturing needs root" >&2
            fi
        else
            echo "framescope: setcap not found (apt install libcap2-bin, then dpkg-reconfigure framescope); capturing needs root until then" >&2
        fi
    fi
fi
exit 0
EOF
cat >"$d/DEBIAN/postrm" <<'EOF'
#!/bin/sh
# On purge, the framescope group goes too, unless someone is still in it.
set -e
if [ "$1" = purge ] && getent group framescope >/dev/null; then
    if command -v delgroup >/dev/null 2>&1; then
        delgroup --quiet --system --only-if-empty framescope || true
    fi
fi
exit 0
EOF
chmod 0755 "$d/DEBIAN/postinst" "$d/DEBIAN/postrm"
find "$d" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
dpkg-deb --root-owner-group -Zxz --build "$d" "$deb" >/dev/null

rm -rf "$work/tar" "$work/deb"
say "version $version ($arch, Debian $debarch), done in $((SECONDS - start)) s"
ls -l "$tarball" "$deb"
