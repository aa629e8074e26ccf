#!/usr/bin/env bash
# Checks what tools/package.sh left in out/ (issue 24), the way a machine without Swift would use it:
#   the archive: extracted into a temporary folder, its binary run with `env -i PATH=/usr/bin:/bin`
#     (no toolchain, no LD_LIBRARY_PATH): --version, read of captures/sticky.pcap, demo --list and
#     (as root, which capture needs) demo --part udp; ldd names no Swift runtime library;
#   the .deb: dpkg-deb --info and --contents show the fields and files; its binary is the same;
#   the manual page renders with man -l and names every subcommand; the bash completion loads and
#     completes `framescope re` to `read`; zsh/fish completions parse where those shells are;
#   as root, and only when framescope is not installed already: dpkg -i, the group, owner, mode and
#     capabilities, the postinst without setcap, then dpkg --purge (group and binary gone).
# Exits non-zero, saying which check failed, on the first failure. tools/test.sh runs it under CI.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
passed=0
say() { printf 'package-check: %s\n' "$*"; passed=$((passed + 1)); }
note() { printf 'package-check: %s\n' "$*"; }  # a check not made, and why
die() { printf 'package-check: FAILED: %s\n' "$*" >&2; exit 1; }

need=()
command -v man >/dev/null || need+=(man-db)
command -v getcap >/dev/null || need+=(libcap2-bin)
command -v python3 >/dev/null || need+=(python3)
if [ ${#need[@]} -gt 0 ] && [ "$(id -u)" = 0 ]; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi

shopt -s nullglob
tars=(out/framescope-*-linux-*.tar.gz)
debs=(out/framescope_*_*.deb)
shopt -u nullglob
[ ${#tars[@]} = 1 ] || die "expected one out/framescope-VERSION-linux-ARCH.tar.gz, found ${#tars[@]} (run tools/package.sh)"
[ ${#debs[@]} = 1 ] || die "expected one out/framescope_VERSION_ARCH.deb, found ${#debs[@]} (run tools/package.sh)"
tarball=$repo/${tars[0]}
deb=$repo/${debs[0]}
name=$(basename "$tarball" .tar.gz)
version=${name#framescope-}
version=${version%-linux-*}
debarch=$(dpkg --print-architecture)
[ "$(basename "$deb")" = "framescope_${version}_$debarch.deb" ] || die "$(basename "$deb"): not framescope_${version}_$debarch.deb"

tmp=$(mktemp -d /tmp/framescope-package-check.XXXXXX)
installed_here=0
cleanup() {
  if [ "$installed_here" = 1 ]; then timeout 120 dpkg --purge framescope >/dev/null 2>&1 || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# ---- the archive, run without a toolchain
tar -xzf "$tarball" -C "$tmp"
dir=$tmp/$name
for f in framescope framescope.1 README.md LICENSE completions/framescope.bash completions/_framescope completions/framescope.fish; do
  [ -f "$dir/$f" ] || die "the archive has no $name/$f"
done
[ -x "$dir/framescope" ] || die "$name/framescope is not executable"
say "archive: $(tar -tzf "$tarball" | sed "s|^$name/||" | grep -v '/$' | grep . | tr '\n' ' ')"

check_ldd() {  # $1 binary
  local libs
  libs=$(ldd "$1") || die "ldd $1 failed"
  if grep -Ei 'libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime|libicu' <<<"$libs"; then
    die "$1 needs the Swift runtime libraries above"
  fi
  if grep 'not found' <<<"$libs"; then die "$1 needs libraries this machine does not have"; fi
  grep -q 'libpcap' <<<"$libs" || die "$1 does not link libpcap?"
  say "ldd $(basename "$1"): $(awk '{print $1}' <<<"$libs" | tr '\n' ' ')"
}
check_ldd "$dir/framescope"

bare() {  # run in the extracted folder: no toolchain on PATH, no LD_LIBRARY_PATH, nothing inherited
  (cd "$dir" && env -i PATH=/usr/bin:/bin HOME="$tmp" LC_ALL=C.UTF-8 "$@")
}
bare sh -c 'command -v swift' >/dev/null && die "swift is on /usr/bin:/bin: this is not a toolchain-free PATH"
got=$(bare ./framescope --version) || die "framescope --version failed"
[ "$got" = "framescope $version" ] || die "--version printed '$got', expected 'framescope $version'"
say "--version: $got"

cp captures/sticky.pcap "$tmp/sticky.pcap"
bare ./framescope read "$tmp/sticky.pcap" >"$tmp/read.txt" || die "framescope read sticky.pcap failed (exit $?)"
frames=$(wc -l <"$tmp/read.txt")
[ "$frames" -gt 0 ] || die "read sticky.pcap printed nothing"
grep -q 'TCP' "$tmp/read.txt" || die "read sticky.pcap decoded no TCP: $(head -3 "$tmp/read.txt")"
bare ./framescope messages "$tmp/sticky.pcap" >"$tmp/messages.txt" || die "framescope messages sticky.pcap failed"
# Layers 1-4 must match the goldens the debug build is tested against (Tests/RenderTests/Golden).
golden=Tests/RenderTests/Golden/sticky.pcap
bare ./framescope read "$tmp/sticky.pcap" --no-messages | cmp -s - "$golden.oneline.txt" \
  || die "read sticky.pcap --no-messages differs from $golden.oneline.txt"
bare ./framescope read "$tmp/sticky.pcap" --no-messages --json | cmp -s - "$golden.json.txt" \
  || die "read sticky.pcap --no-messages --json differs from $golden.json.txt"
say "read sticky.pcap: $frames lines (layers 1-4 and JSON as the goldens); messages: $(wc -l <"$tmp/messages.txt") lines"

bare ./framescope demo --list >"$tmp/demo-list.txt" || die "framescope demo --list failed"
grep -qw udp "$tmp/demo-list.txt" || die "demo --list does not name udp"
if [ "$(id -u)" = 0 ]; then
  start=$SECONDS
  if ! bare timeout 120 ./framescope demo --part udp --out "$tmp/demo" >"$tmp/demo.txt" 2>&1; then
    tail -20 "$tmp/demo.txt" >&2
    die "framescope demo --part udp failed"
  fi
  [ -s "$tmp/demo/demo.pcap" ] || die "demo --part udp wrote no $tmp/demo/demo.pcap"
  udp=$(grep -c ' UDP len ' "$tmp/demo.txt" || true)
  [ "$udp" -ge 2 ] || die "demo --part udp showed $udp UDP frames: $(head -20 "$tmp/demo.txt")"
  say "demo --part udp: $udp UDP frames, demo.pcap $(stat -c %s "$tmp/demo/demo.pcap") bytes, $((SECONDS - start)) s"
else
  note "demo --part udp: skipped (capturing on lo needs root)"
fi

# ---- the manual page
MANWIDTH=100 LC_ALL=C.UTF-8 man -l "$dir/framescope.1" >"$tmp/man.txt" 2>"$tmp/man.err" || die "man -l framescope.1 failed: $(cat "$tmp/man.err")"
[ ! -s "$tmp/man.err" ] || die "man -l framescope.1 warned: $(cat "$tmp/man.err")"
bare ./framescope --experimental-dump-help >"$tmp/help.json"
subcommands=$(python3 -c 'import json,sys; print(" ".join(c["commandName"] for c in json.load(open(sys.argv[1]))["command"]["subcommands"]))' "$tmp/help.json")
for s in $subcommands; do
  grep -q "framescope $s" "$tmp/man.txt" || die "the manual page does not name the subcommand '$s'"
done
grep -q 'Examples:' "$tmp/man.txt" || die "the manual page has no Examples (the commands' discussions)"
grep -qF 'framescope read captures/tcp-chat-ipv4.pcap' "$tmp/man.txt" || die "the manual page lacks read's first example"
say "man -l framescope.1: $(wc -l <"$tmp/man.txt") lines, names: $subcommands"

# ---- completions
comp=$dir/completions/framescope.bash
bash -c 'source "$1" && complete -p framescope' _ "$comp" >"$tmp/complete.txt" 2>&1 || die "the bash completion does not load: $(cat "$tmp/complete.txt")"
offered=$(env -i PATH="$dir:/usr/bin:/bin" HOME="$tmp" bash -c '
  source "$1"
  fn=$(complete -p framescope | sed -n "s/.* -F \([^ ]*\) .*/\1/p")
  [ -n "$fn" ] || { echo "no completion function in: $(complete -p framescope)" >&2; exit 1; }
  COMP_WORDS=(framescope re); COMP_CWORD=1; COMP_LINE="framescope re"; COMP_POINT=${#COMP_LINE}
  "$fn" framescope re framescope
  printf "%s\n" "${COMPREPLY[@]}"' _ "$comp") || die "the bash completion function failed"
grep -qx read <<<"$offered" || die "bash completion of 'framescope re' offers '$(tr '\n' ' ' <<<"$offered")', not read"
say "bash completion: 'framescope re' -> $(tr '\n' ' ' <<<"$offered")"
for sh in zsh fish; do
  f=$dir/completions/$([ $sh = zsh ] && echo _framescope || echo framescope.fish)
  if command -v $sh >/dev/null; then
    $sh -n "$f" || die "$sh cannot parse $(basename "$f")"
    say "$sh -n $(basename "$f"): parses"
  else
    note "$sh -n $(basename "$f"): skipped ($sh is not installed)"
  fi
done

# ---- the Debian package
dpkg-deb --info "$deb" >"$tmp/info.txt" || die "dpkg-deb --info failed"
field() { sed -n "s/^ $1: //p" "$tmp/info.txt"; }
[ "$(field Package)" = framescope ] || die "control: Package is '$(field Package)'"
[ "$(field Version)" = "$version" ] || die "control: Version is '$(field Version)', --version says $version"
[ "$(field Architecture)" = "$debarch" ] || die "control: Architecture is '$(field Architecture)', not $debarch"
[ -n "$(field Maintainer)" ] || die "control: no Maintainer"
[ -n "$(field Description)" ] || die "control: no Description"
field Depends | grep -q 'libpcap0\.8' || die "control: Depends '$(field Depends)' lacks libpcap0.8"
field Depends | grep -q 'libc6' || die "control: Depends '$(field Depends)' lacks libc6"
{ field Depends; field Recommends; } | grep -q 'libcap2-bin' || die "control: neither Depends nor Recommends names libcap2-bin"
grep -Eq '^ +[0-9]+ bytes, +[0-9]+ lines +\* +postinst' "$tmp/info.txt" || die "the package has no executable postinst"
grep -Eq '^ +[0-9]+ bytes, +[0-9]+ lines +\* +postrm' "$tmp/info.txt" || die "the package has no executable postrm"
mkdir "$tmp/control"
dpkg-deb --control "$deb" "$tmp/control"
for s in postinst postrm; do sh -n "$tmp/control/$s" || die "$s is not valid sh"; done
for want in 'addgroup --quiet --system' 'chown root:"$GROUP"' 'chmod 0750' 'setcap cap_net_raw,cap_net_admin=eip'; do
  grep -qF "$want" "$tmp/control/postinst" || die "postinst lacks: $want"
done
say "control: $(field Package) $(field Version) $(field Architecture); Depends: $(field Depends); Recommends: $(field Recommends)"

dpkg-deb --contents "$deb" >"$tmp/contents.txt" || die "dpkg-deb --contents failed"
for p in ./usr/bin/framescope ./usr/share/man/man1/framescope.1.gz \
         ./usr/share/bash-completion/completions/framescope ./usr/share/zsh/vendor-completions/_framescope \
         ./usr/share/fish/vendor_completions.d/framescope.fish ./usr/share/doc/framescope/copyright; do
  grep -qE "root/root .* $p\$" "$tmp/contents.txt" || die "the package lacks $p (root-owned)"
done
grep -qE '^-rwxr-xr-x root/root .* \./usr/bin/framescope$' "$tmp/contents.txt" || die "/usr/bin/framescope is not 0755 root/root in the package"
mkdir "$tmp/debroot"
dpkg-deb -x "$deb" "$tmp/debroot"
cmp -s "$tmp/debroot/usr/bin/framescope" "$dir/framescope" || die "the .deb's binary differs from the archive's"
zcat "$tmp/debroot/usr/share/man/man1/framescope.1.gz" | cmp -s - "$dir/framescope.1" || die "the .deb's man page differs from the archive's"
say "contents: $(grep -c '^-' "$tmp/contents.txt") files: $(awk '/^-/{print $NF}' "$tmp/contents.txt" | tr '\n' ' ')"

# ---- install and remove, as root, on a machine where framescope is not installed
if [ "$(id -u)" != 0 ]; then
  note "dpkg -i: skipped (not root)"
elif dpkg -s framescope >/dev/null 2>&1; then
  note "dpkg -i: skipped (framescope is installed on this machine already; not touching it)"
elif getent group framescope >/dev/null; then
  note "dpkg -i: skipped (a framescope group exists already; not touching it)"
else
  installed_here=1
  timeout 120 dpkg -i "$deb" >"$tmp/dpkg.txt" 2>&1 || { cat "$tmp/dpkg.txt" >&2; die "dpkg -i failed"; }
  getent group framescope >/dev/null || die "dpkg -i made no framescope group"
  [ "$(stat -c '%U:%G %a' /usr/bin/framescope)" = "root:framescope 750" ] \
    || die "/usr/bin/framescope is $(stat -c '%U:%G %a' /usr/bin/framescope), not root:framescope 750"
  caps=$(getcap /usr/bin/framescope)
  grep -q 'cap_net_admin,cap_net_raw=eip' <<<"$caps" || die "getcap /usr/bin/framescope: '$caps'"
  [ "$(/usr/bin/framescope --version)" = "framescope $version" ] || die "the installed framescope --version"
  MANWIDTH=100 man -l /usr/share/man/man1/framescope.1.gz >/dev/null || die "man -l on the installed page"
  # The postinst with no setcap on PATH: says so, exits 0.
  env -i PATH=/usr/bin:/bin sh /var/lib/dpkg/info/framescope.postinst configure >"$tmp/nosetcap.txt" 2>&1 \
    || die "postinst failed without setcap: $(cat "$tmp/nosetcap.txt")"
  grep -q 'setcap not found' "$tmp/nosetcap.txt" || die "postinst without setcap did not say so: $(cat "$tmp/nosetcap.txt")"
  # What the README says to do after installing libcap2-bin: the capabilities come back.
  timeout 60 dpkg-reconfigure -f noninteractive framescope >"$tmp/reconfigure.txt" 2>&1 \
    || die "dpkg-reconfigure framescope failed: $(cat "$tmp/reconfigure.txt")"
  grep -q 'cap_net_admin,cap_net_raw=eip' <<<"$(getcap /usr/bin/framescope)" || die "dpkg-reconfigure did not set the capabilities again"
  say "dpkg -i: group $(getent group framescope), $(stat -c '%U:%G %a' /usr/bin/framescope), $caps; postinst without setcap: exit 0, '$(head -1 "$tmp/nosetcap.txt")'; dpkg-reconfigure sets them again"
  timeout 120 dpkg --purge framescope >"$tmp/dpkg.txt" 2>&1 || { cat "$tmp/dpkg.txt" >&2; die "dpkg --purge failed"; }
  installed_here=0
  [ ! -e /usr/bin/framescope ] || die "dpkg --purge left /usr/bin/framescope"
  ! getent group framescope >/dev/null || die "dpkg --purge left the framescope group"
  say "dpkg --purge: binary and group gone"
fi
echo "package-check: $(basename "$tarball"), $(basename "$deb")"
echo "package-check: $passed passed, 0 failed"
