#!/usr/bin/env python3
"""Turns frames of a capture into Swift byte-array literals for tests (like gopacket's cap2test).

  tools/pcap2swift.py captures/tcp-chat-ipv4.pcap 1 4 --name tcpSyn,tcpHello

Above each array it writes tcpdump's one-line summary and `-X` hex dump, and the command that
made the capture, so a reader can see where the bytes came from.
"""
import argparse
import struct
import subprocess


def frames(path):
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    e = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    off, out = 24, []
    while off + 16 <= len(data):
        _, _, caplen, _ = struct.unpack(e + "IIII", data[off:off + 16])
        out.append(data[off + 16:off + 16 + caplen])
        off += 16 + caplen
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("pcap")
    p.add_argument("numbers", nargs="+", type=int, help="1-based frame numbers")
    p.add_argument("--name", required=True, help="comma-separated Swift names, one per frame")
    p.add_argument("--made-by", default="tools/make-captures.sh")
    a = p.parse_args()
    names = a.name.split(",")
    fs = frames(a.pcap)
    for n, name in zip(a.numbers, names):
        dump = subprocess.run(["tcpdump", "-nn", "-X", "-r", a.pcap, "-c", str(n)], capture_output=True, text=True,
                              env={"TZ": "UTC"}).stdout.splitlines()
        # keep only the last frame's block
        starts = [i for i, l in enumerate(dump) if not l.startswith("\t")]
        block = dump[starts[-1]:] if starts else dump
        print("    // frame %d of %s as %s made it (a later remake of the capture holds other frames)" % (n, a.pcap, a.made_by))
        for line in block:
            print("    // " + line.replace("\t", "  ").rstrip())
        b = fs[n - 1]
        rows = [", ".join("0x%02x" % x for x in b[i:i + 12]) for i in range(0, len(b), 12)]
        print("    static let %s: [UInt8] = [\n        %s,\n    ]\n" % (name, ",\n        ".join(rows)))


if __name__ == "__main__":
    main()
