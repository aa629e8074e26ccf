#!/usr/bin/env python3
"""cut-pcap.py FILE SNAPLEN: rewrites a classic pcap file with every record cut to SNAPLEN bytes
(the original length kept), as `tcpdump -s SNAPLEN` would have captured it. Used by
tools/make-captures.sh for mtu-1500.pcap: 100,000-byte messages both ways would make a 200 KB
sample and a megabyte of golden hex dump; the headers (segment sizes, sequence numbers) are the
point of that sample, and they stay."""
import struct, sys

path, snap = sys.argv[1], int(sys.argv[2])
data = open(path, "rb").read()
magic = data[:4]
e = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
header = bytearray(data[:24])
struct.pack_into(e + "I", header, 16, snap)
out, off = [bytes(header)], 24
while off + 16 <= len(data):
    sec, frac, incl, orig = struct.unpack_from(e + "IIII", data, off)
    body = data[off + 16: off + 16 + incl]
    cut = body[:snap]
    out.append(struct.pack(e + "IIII", sec, frac, len(cut), orig) + cut)
    off += 16 + incl
open(path, "wb").write(b"".join(out))
