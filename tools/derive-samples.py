#!/usr/bin/env python3
"""Derives framescope's link-type, edge-case and TCP-analysis samples from the real loopback captures.

Each output re-wraps real frames from captures/*.pcap under another link-layer header, or builds
a case loopback never produces by itself (IP fragments, VLAN tags, ARP, a snaplen cut), so the
decoder is tested on every link type docs/DESIGN.md lists ("OSI layers"). Pure Python (struct), no third-party modules.
"""
import struct
import os
import sys

# The directory that holds the real captures and gets the derived ones (tools/make-captures.sh
# passes its temporary directory; by default the project's captures/).
HERE = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "captures")


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack("<I", data[:4])
    assert magic == 0xA1B2C3D4, "expected a little-endian microsecond pcap"
    linktype = struct.unpack("<I", data[20:24])[0]
    off, frames = 24, []
    while off + 16 <= len(data):
        sec, usec, caplen, length = struct.unpack("<IIII", data[off:off + 16])
        frames.append((sec, usec, length, data[off + 16:off + 16 + caplen]))
        off += 16 + caplen
    return linktype, frames


def write_pcap(name, linktype, frames, snaplen=262144, big_endian=False, nanosecond=False):
    e = ">" if big_endian else "<"
    magic = 0xA1B23C4D if nanosecond else 0xA1B2C3D4
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(struct.pack(e + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype))
        for sec, frac, length, data in frames:
            data = data[:snaplen]
            f.write(struct.pack(e + "IIII", sec, frac, len(data), max(length, len(data))))
            f.write(data)


def write_pcapng(name, interfaces, records):
    """interfaces: [(linktype, tsresol or None)]; records: [(interface, sec, frac, length, data)]
    with frac in the interface's resolution (µs by default, ns for tsresol 9)."""
    def block(btype, body):
        body += b"\0" * ((4 - len(body) % 4) % 4)
        n = 12 + len(body)
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)

    def option(code, value):
        return struct.pack("<HH", code, len(value)) + value + b"\0" * ((4 - len(value) % 4) % 4)

    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    for linktype, tsresol in interfaces:
        opts = b""
        if tsresol is not None:
            opts += option(9, bytes([tsresol]))
        if opts:
            opts += option(0, b"")
        out += block(1, struct.pack("<HHI", linktype, 0, 262144) + opts)
    for iface, sec, frac, length, data in records:
        units = 10 ** 9 if interfaces[iface][1] == 9 else 10 ** 6
        ts = sec * units + frac
        out += block(6, struct.pack("<IIIII", iface, ts >> 32, ts & 0xFFFFFFFF, len(data), length) + data)
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(out)


def ip_part(eth_frame):
    return eth_frame[14:]


def tcp_payload_length(eth_frame):
    """The TCP payload length of an Ethernet/IPv4 or IPv6 frame (no IPv6 extension headers)."""
    ip = ip_part(eth_frame)
    if ip[0] >> 4 == 4:
        ihl = (ip[0] & 0x0F) * 4
        total = struct.unpack("!H", ip[2:4])[0]
        tcp = ip[ihl:total]
        l4 = total - ihl
    else:
        assert ip[6] == 6, "IPv6 frame without TCP right after the header"
        tcp = ip[40:]
        l4 = struct.unpack("!H", ip[4:6])[0]
    return l4 - (tcp[12] >> 4) * 4


def expect(condition, what):
    """derive-samples relies on the real captures' frame layout: say so when a remake changed it."""
    if not condition:
        sys.exit("derive-samples: the real captures are not laid out as expected: " + what)


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4_header(total, ident, flags_frag, proto, src, dst, ttl=64):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, ident, flags_frag, ttl, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", checksum(h)) + h[12:]


def main():
    lt, v4 = read_pcap(os.path.join(HERE, "tcp-chat-ipv4.pcap"))
    _, v6 = read_pcap(os.path.join(HERE, "tcp-chat-ipv6.pcap"))
    expect(lt == 1, "tcp-chat-ipv4.pcap is Ethernet")
    sample4 = v4[:6]
    sample6 = v6[:6]
    # Handshake, then the client's first message (frame 4): the IPv4-options sample wraps it.
    expect(len(sample4) == 6 and len(sample6) == 6, "the TCP chats have at least 6 frames")
    expect(tcp_payload_length(sample4[3][3]) > 0, "tcp-chat-ipv4.pcap frame 4 carries data")

    # BSD NULL: family in the capturing host's byte order (little-endian here, big-endian on
    # a SPARC/PowerPC host); IPv6 families differ per OS (24, 28, 30).
    write_pcap("null-bsd.pcap", 0,
               [(s, u, l - 10, struct.pack("<I", 2) + ip_part(d)) for s, u, l, d in sample4] +
               [(s, u, l - 10, struct.pack(">I", 30) + ip_part(d)) for s, u, l, d in sample6[:3]] +
               [(s, u, l - 10, struct.pack("<I", 28) + ip_part(d)) for s, u, l, d in sample6[3:]])
    # OpenBSD LOOP: network byte order.
    write_pcap("loop-openbsd.pcap", 108,
               [(s, u, l - 10, struct.pack(">I", 2) + ip_part(d)) for s, u, l, d in sample4] +
               [(s, u, l - 10, struct.pack(">I", 24) + ip_part(d)) for s, u, l, d in sample6])
    # Raw IP (LINKTYPE_RAW 101), big-endian file with nanosecond timestamps.
    write_pcap("raw-ip-be-ns.pcap", 101,
               [(s, u * 1000 + 123, l - 14, ip_part(d)) for s, u, l, d in sample4 + sample6],
               big_endian=True, nanosecond=True)
    # Linux cooked v1 (what `-i any` gave before libpcap 1.10): packet type 0 (to us), ARPHRD 772.
    write_pcap("linux-sll.pcap", 113,
               [(s, u, l + 2, struct.pack("!HHH8sH", 0, 772, 6, b"\0" * 8, 0x0800) + ip_part(d)) for s, u, l, d in sample4] +
               [(s, u, l + 2, struct.pack("!HHH8sH", 4, 772, 6, b"\0" * 8, 0x86DD) + ip_part(d)) for s, u, l, d in sample6])
    # 802.1Q: one tag, then two stacked (802.1ad outer + 802.1Q inner), on a real Ethernet header.
    mac_a, mac_b = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")
    vlan = []
    for i, (s, u, l, d) in enumerate(sample4):
        if i % 2 == 0:
            tags = struct.pack("!HHH", 0x8100, (5 << 13) | 100, 0x0800)
        else:
            tags = struct.pack("!HHHHH", 0x88A8, 200, 0x8100, (1 << 12) | 100, 0x0800)
        vlan.append((s, u, l + len(tags) - 2, mac_b + mac_a + tags + ip_part(d)))
    # ARP request and reply between the two MACs.
    s0, u0 = sample4[0][0], sample4[0][1]
    arp_req = b"\xff" * 6 + mac_a + struct.pack("!HHHBBH6s4s6s4s", 0x0806, 1, 0x0800, 6, 4, 1,
                                                   mac_a, bytes([10, 0, 0, 1]), b"\0" * 6, bytes([10, 0, 0, 2]))
    arp_rep = mac_a + mac_b + struct.pack("!HHHBBH6s4s6s4s", 0x0806, 1, 0x0800, 6, 4, 2,
                                          mac_b, bytes([10, 0, 0, 2]), mac_a, bytes([10, 0, 0, 1]))
    arp_req += b"\0" * (60 - len(arp_req))  # Ethernet minimum: padding is a trailer, not data
    arp_rep += b"\0" * (60 - len(arp_rep))
    vlan += [(s0, u0 + 1, 60, arp_req), (s0, u0 + 2, 60, arp_rep)]
    write_pcap("ethernet-vlan-arp.pcap", 1, vlan)

    # IPv4 fragments of one UDP datagram (2 fragments of 24 + 16 bytes of UDP data) and an
    # IPv6 datagram with a hop-by-hop and a fragment header (first and last fragments).
    src, dst = bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1])
    payload = b"fragmented message!!" + b"-tail-of-it....."
    udp = struct.pack("!HHHH", 40000, 9001, 8 + len(payload), 0) + payload
    f1, f2 = udp[:24], udp[24:]
    eth = b"\0" * 12 + b"\x08\x00"
    frag = [(s0, u0 + 10, 14 + 20 + 24, eth + ipv4_header(20 + 24, 0x4242, 0x2000, 17, src, dst) + f1),
            (s0, u0 + 11, 14 + 20 + len(f2), eth + ipv4_header(20 + len(f2), 0x4242, 3, 17, src, dst) + f2)]
    lo6 = b"\0" * 15 + b"\x01"
    hbh = struct.pack("!BB6s", 44, 0, b"\x01\x04\0\0\0\0")  # next: fragment; PadN option
    fr1 = struct.pack("!BBHI", 17, 0, (0 << 3) | 1, 0xABCD)
    fr2 = struct.pack("!BBHI", 17, 0, (3 << 3) | 0, 0xABCD)
    eth6 = b"\0" * 12 + b"\x86\xdd"
    p1 = hbh + fr1 + udp[:24]
    p2 = hbh + fr2 + udp[24:]
    frag += [(s0, u0 + 12, 14 + 40 + len(p1), eth6 + struct.pack("!IHBB16s16s", 0x60000000, len(p1), 0, 64, lo6, lo6) + p1),
             (s0, u0 + 13, 14 + 40 + len(p2), eth6 + struct.pack("!IHBB16s16s", 0x60000000, len(p2), 0, 64, lo6, lo6) + p2)]
    # An IPv4 header with options (RR, NOP, EOL) around a real TCP segment.
    s, u, l, d = sample4[3]
    ip = ip_part(d)
    ihl = (ip[0] & 0x0F) * 4
    opts = bytes([7, 7, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0])  # RR (7 bytes), NOP, EOL, padding
    total = len(ip) + len(opts)
    hdr = ipv4_header(total, 0x1111, 0x4000, 6, ip[12:16], ip[16:20])
    hdr = bytes([0x45 + len(opts) // 4]) + hdr[1:10] + b"\0\0" + hdr[12:] + opts
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    frag.append((s, u, 14 + total, eth + hdr + ip[ihl:]))
    write_pcap("ip-fragments-options.pcap", 1, frag)

    # pcapng whose two interfaces have different link types (Ethernet with µs stamps, Linux
    # cooked v2 with ns stamps): libpcap 1.10 refuses such a file; framescope reads it.
    _, sll2 = read_pcap(os.path.join(HERE, "any-sll2.pcap"))
    records = [(0, s, u, l, d) for s, u, l, d in sample4[:4]]
    records += [(1, s, u * 1000 + 7, l, d) for s, u, l, d in sll2[:4]]
    write_pcapng("mixed-linktypes.pcapng", [(1, None), (276, 9)], records)

    # TCP analysis: split.pcap's three client segments (frames 4, 6, 8 with ACKs 5, 7) delivered
    # out of order (6 before 4), and segment 8 sent twice (a retransmission).
    _, sp = read_pcap(os.path.join(HERE, "split.pcap"))
    expect([tcp_payload_length(sp[n - 1][3]) for n in (4, 5, 6, 7, 8)] == [100, 0, 100, 0, 54],
           "split.pcap frames 4-8: pieces of 100, 100 and 54 bytes, each ACKed at once")
    order = [1, 2, 3, 6, 4, 5, 7, 8, 8] + list(range(9, len(sp) + 1))
    reordered = []
    for i, n in enumerate(order):
        _, _, l, d = sp[n - 1]
        s, u, _, _ = sp[min(i, len(sp) - 1)]  # times stay increasing in file order
        reordered.append((s, u + i, l, d))
    write_pcap("retransmit-reorder.pcap", 1, reordered)

    # A snaplen of 60: every segment longer than that is cut (truncated payloads, unverified checksums).
    write_pcap("snaplen-60.pcap", 1, v4, snaplen=60)


if __name__ == "__main__":
    main()
