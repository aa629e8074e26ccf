#!/usr/bin/env python3
"""Write a large synthetic capture of loopback chat traffic, for tools/bench.

  gen_capture.py OUT.pcap --frames N [--seed S] [--concurrency C]

Classic little-endian microsecond pcap, linktype 1 (Ethernet with zero MACs, as Linux `lo`
shows), snaplen 262144. The traffic imitates the first socket lesson's chat programs on Linux
loopback:

- TCP connections 127.0.0.1:ephemeral -> 127.0.0.1:9000-9003 (about C of them open at once,
  their frames interleaved): SYN / SYN-ACK / ACK with MSS, SACK_PERM, TS, NOP, WS options, then
  length-framed messages (4-byte big-endian length + UTF-8 body of 5-200 bytes) and the
  server's "echo: " replies. Sometimes 2-3 messages share one segment, sometimes one message
  is split over 2-3 segments (the split may fall inside the length header). Pure ACKs between.
  Every segment after the handshake carries NOP NOP TS, like Linux. FIN/ACK teardown.
- About 10% of frames are UDP datagrams to 127.0.0.1:9001 and their echoes.
- About 1 connection in 150 is IPv6 (::1).

IPv4 header checksums are correct. TCP and UDP checksum fields hold the pseudo-header sum only,
which is what Linux loopback leaves there (checksum offload, "partial"): tcpdump calls them
incorrect, as it does for a real loopback capture. Sequence and acknowledgement numbers are
consistent per direction, IP ids count up, timestamps grow by a few microseconds a frame.

The same arguments give the same bytes (on one Python version). Pure standard library.
"""
import argparse
import random
import struct
import sys
import time

SNAPLEN = 262144
PCAP_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, SNAPLEN, 1)
REC = struct.Struct("<IIII").pack

LO4 = 0x7F000001
SERVER_PORTS = (9000, 9001, 9002, 9003)
UDP_PORT = 9001
START_SEC = 1_700_000_000

# Ethernet (zero MACs) + IPv4 + TCP with NOP NOP TS: 14 + 20 + 32 = 66 bytes.
TCP4 = struct.Struct("!12xHBBHHHBBHIIHHIIBBHHHIII").pack
# Ethernet + IPv4 + TCP with MSS, SACK_PERM, TS, NOP, WS: 14 + 20 + 40 = 74 bytes.
SYN4 = struct.Struct("!12xHBBHHHBBHIIHHIIBBHHHHHIIIBBBB").pack
# Ethernet + IPv6 + TCP with NOP NOP TS: 14 + 40 + 32 = 86 bytes.
TCP6 = struct.Struct("!12xHIHBBQQQQHHIIBBHHHIII").pack
SYN6 = struct.Struct("!12xHIHBBQQQQHHIIBBHHHHHIIIBBBB").pack
# Ethernet + IPv4 + UDP: 14 + 20 + 8 = 42 bytes.
UDP4 = struct.Struct("!12xHBBHHHBBHIIHHHH").pack

ETH_IP4 = 0x0800
ETH_IP6 = 0x86DD
OPT_NOP_NOP_TS = 0x0101080A
MSS_KIND_LEN = 0x0204
SACKP_TS = 0x0402080A  # SACK_PERM (4,2) then TS kind/len (8,10)

F_SYN, F_ACK, F_PSH, F_FIN = 0x02, 0x10, 0x08, 0x01
SYN, SYNACK, ACK, PSHACK, FINACK = F_SYN, F_SYN | F_ACK, F_ACK, F_PSH | F_ACK, F_FIN | F_ACK

# Constant parts of the IPv4 header checksum (version/IHL/TOS, flags DF, TTL 64 + protocol,
# both addresses): the checksum is then ~fold(C + total_length + id).
C4_TCP = 0x4500 + 0x4000 + 0x4006 + 0x7F00 + 0x0001 + 0x7F00 + 0x0001
C4_UDP = 0x4500 + 0x4000 + 0x4011 + 0x7F00 + 0x0001 + 0x7F00 + 0x0001


def _fold(s):
    s = (s & 0xFFFF) + (s >> 16)
    return (s & 0xFFFF) + (s >> 16)


# Pseudo-header sums (what Linux writes into the TCP/UDP checksum field on loopback), by the
# transport length. Never inverted, never zero for these inputs.
MAXLEN = 70000
PSEUDO4_TCP = [_fold(0x7F00 + 1 + 0x7F00 + 1 + 6 + n) for n in range(MAXLEN)]
PSEUDO4_UDP = [_fold(0x7F00 + 1 + 0x7F00 + 1 + 17 + n) for n in range(MAXLEN)]
PSEUDO6_TCP = [_fold(1 + 1 + 6 + n) for n in range(MAXLEN)]

WORDS = (
    "hello hi hey ok yes no maybe sure thanks lol brb gtg see you later tomorrow today "
    "the a an is are was be to of and in that it for on with as at by from this what when "
    "where why how who meeting lunch coffee server socket packet frame buffer length header "
    "message chat room port loopback kernel send recv bind listen accept connect close "
    "café naïve résumé über straße привет мир 你好 世界 こんにちは 안녕 γειά ✓ → ★ 😀 🚀 👍"
).split()


def make_bodies(rng, count):
    """Chat texts of 5-194 UTF-8 bytes (so that "echo: " + text stays within 200), mostly
    short, as chat is."""
    out = []
    for _ in range(count):
        r = rng.random()
        target = 5 + int(189 * r * r * r) if rng.random() < 0.9 else 5 + int(189 * rng.random())
        words = []
        n = 0
        while n < target:
            w = WORDS[int(rng.random() * len(WORDS))]
            words.append(w)
            n += len(w.encode()) + 1
        text = " ".join(words)
        b = text.encode()
        while len(b) > target:
            text = text[:-1]
            b = text.encode()
        if len(b) < 5:
            b = b + b"!" * (5 - len(b))
        out.append(b)
    return out


def generate(path, frames, seed, concurrency):
    rng = random.Random(seed)
    rnd = rng.random
    bodies = make_bodies(rng, 4096)
    framed = [struct.pack("!I", len(b)) + b for b in bodies]
    echoed = [struct.pack("!I", len(b) + 6) + b"echo: " + b for b in bodies]
    nbodies = len(bodies)

    clock = [START_SEC * 1_000_000]  # microseconds; clock[0] // 1000 drives TCP timestamps

    used_ports = set()
    next_port = [32768 + 2 * int(rnd() * 14000)]

    def ephemeral():
        p = next_port[0]
        while True:
            p += 2 if rnd() < 0.8 else 2 + 2 * int(rnd() * 8)
            if p > 60999:
                p = 32768 + (p & 1)
            if p not in used_ports:
                break
        next_port[0] = p
        used_ports.add(p)
        return p

    def tcp_conn(v6):
        """One chat connection: yields one frame (bytes) at a time."""
        cport = ephemeral()
        sport = SERVER_PORTS[int(rnd() * 4)]
        cseq = int(rnd() * 0xFFFFFFFF)
        sseq = int(rnd() * 0xFFFFFFFF)
        coff = int(rnd() * 0xFFFFFFFF)
        soff = int(rnd() * 0xFFFFFFFF)
        cid = int(rnd() * 0xFFFF)
        sid = int(rnd() * 0xFFFF)
        cflow = int(rnd() * 0xFFFFF)
        sflow = int(rnd() * 0xFFFFF)
        cwin = swin = 512
        cts = sts = 0

        if v6:
            def seg(fromc, flags, payload=b""):
                nonlocal cseq, sseq, cts, sts
                ms = clock[0] // 1000
                tl = 32 + len(payload)
                if fromc:
                    cts = (ms + coff) & 0xFFFFFFFF
                    h = TCP6(ETH_IP6, 0x60000000 | cflow, tl, 6, 64, 0, 1, 0, 1,
                             cport, sport, cseq, sseq, 0x80, flags, cwin, PSEUDO6_TCP[tl], 0,
                             OPT_NOP_NOP_TS, cts, sts)
                    cseq = (cseq + len(payload) + (flags & F_FIN)) & 0xFFFFFFFF
                else:
                    sts = (ms + soff) & 0xFFFFFFFF
                    h = TCP6(ETH_IP6, 0x60000000 | sflow, tl, 6, 64, 0, 1, 0, 1,
                             sport, cport, sseq, cseq, 0x80, flags, swin, PSEUDO6_TCP[tl], 0,
                             OPT_NOP_NOP_TS, sts, cts)
                    sseq = (sseq + len(payload) + (flags & F_FIN)) & 0xFFFFFFFF
                return h + payload if payload else h

            ms = clock[0] // 1000
            cts = (ms + coff) & 0xFFFFFFFF
            yield SYN6(ETH_IP6, 0x60000000 | cflow, 40, 6, 64, 0, 1, 0, 1,
                       cport, sport, cseq, 0, 0xA0, SYN, 65476, PSEUDO6_TCP[40], 0,
                       MSS_KIND_LEN, 65476, SACKP_TS, cts, 0, 1, 3, 3, 10)
            cseq = (cseq + 1) & 0xFFFFFFFF
            ms = clock[0] // 1000
            sts = (ms + soff) & 0xFFFFFFFF
            yield SYN6(ETH_IP6, 0x60000000 | sflow, 40, 6, 64, 0, 1, 0, 1,
                       sport, cport, sseq, cseq, 0xA0, SYNACK, 65464, PSEUDO6_TCP[40], 0,
                       MSS_KIND_LEN, 65476, SACKP_TS, sts, cts, 1, 3, 3, 10)
            sseq = (sseq + 1) & 0xFFFFFFFF
        else:
            def seg(fromc, flags, payload=b""):
                nonlocal cseq, sseq, cts, sts, cid, sid
                ms = clock[0] // 1000
                n = len(payload)
                tl = 52 + n
                if fromc:
                    cts = (ms + coff) & 0xFFFFFFFF
                    cid = (cid + 1) & 0xFFFF
                    s = C4_TCP + tl + cid
                    s = (s & 0xFFFF) + (s >> 16)
                    s = (s & 0xFFFF) + (s >> 16)
                    h = TCP4(ETH_IP4, 0x45, 0, tl, cid, 0x4000, 64, 6, ~s & 0xFFFF, LO4, LO4,
                             cport, sport, cseq, sseq, 0x80, flags, cwin, PSEUDO4_TCP[32 + n], 0,
                             OPT_NOP_NOP_TS, cts, sts)
                    cseq = (cseq + n + (flags & F_FIN)) & 0xFFFFFFFF
                else:
                    sts = (ms + soff) & 0xFFFFFFFF
                    sid = (sid + 1) & 0xFFFF
                    s = C4_TCP + tl + sid
                    s = (s & 0xFFFF) + (s >> 16)
                    s = (s & 0xFFFF) + (s >> 16)
                    h = TCP4(ETH_IP4, 0x45, 0, tl, sid, 0x4000, 64, 6, ~s & 0xFFFF, LO4, LO4,
                             sport, cport, sseq, cseq, 0x80, flags, swin, PSEUDO4_TCP[32 + n], 0,
                             OPT_NOP_NOP_TS, sts, cts)
                    sseq = (sseq + n + (flags & F_FIN)) & 0xFFFFFFFF
                return h + payload if n else h

            ms = clock[0] // 1000
            cts = (ms + coff) & 0xFFFFFFFF
            s = C4_TCP + 60 + cid
            s = _fold(s)
            yield SYN4(ETH_IP4, 0x45, 0, 60, cid, 0x4000, 64, 6, ~s & 0xFFFF, LO4, LO4,
                       cport, sport, cseq, 0, 0xA0, SYN, 65495, PSEUDO4_TCP[40], 0,
                       MSS_KIND_LEN, 65495, SACKP_TS, cts, 0, 1, 3, 3, 10)
            cseq = (cseq + 1) & 0xFFFFFFFF
            ms = clock[0] // 1000
            sts = (ms + soff) & 0xFFFFFFFF
            s = _fold(C4_TCP + 60)  # Linux sends the SYN-ACK with IP id 0
            yield SYN4(ETH_IP4, 0x45, 0, 60, 0, 0x4000, 64, 6, ~s & 0xFFFF, LO4, LO4,
                       sport, cport, sseq, cseq, 0xA0, SYNACK, 65483, PSEUDO4_TCP[40], 0,
                       MSS_KIND_LEN, 65495, SACKP_TS, sts, cts, 1, 3, 3, 10)
            sseq = (sseq + 1) & 0xFFFFFFFF

        cwin = swin = 64
        yield seg(True, ACK)
        cwin = swin = 512

        r = rnd()
        rounds = 1 + int(40 * r * r)
        for _ in range(rounds):
            # The client's turn: one, two or three messages, then the server's echoes.
            k = 1 if rnd() < 0.8 else 2 + int(rnd() * 2)
            picks = [int(rnd() * nbodies) for _ in range(k)]
            for fromc in (True, False):
                table = framed if fromc else echoed
                mode = rnd()
                if k > 1 and mode < 0.5:
                    # Sticky: all the messages in one segment.
                    yield seg(fromc, PSHACK, b"".join([table[i] for i in picks]))
                    if rnd() < 0.7:
                        yield seg(not fromc, ACK)
                    continue
                for i in picks:
                    data = table[i]
                    if mode > 0.9 and len(data) > 8:
                        # One message over 2-3 segments (Nagle off, several writes).
                        parts = 2 + int(rnd() * 2)
                        cuts = sorted({1 + int(rnd() * (len(data) - 1)) for _ in range(parts - 1)})
                        prev = 0
                        for c in cuts:
                            yield seg(fromc, PSHACK, data[prev:c])
                            if rnd() < 0.5:
                                yield seg(not fromc, ACK)
                            prev = c
                        yield seg(fromc, PSHACK, data[prev:])
                    else:
                        yield seg(fromc, PSHACK, data)
                    if rnd() < 0.6:
                        yield seg(not fromc, ACK)

        # Teardown: one side closes, the other closes back, the first acknowledges.
        closer = rnd() < 0.5
        yield seg(closer, FINACK)
        if rnd() < 0.3:
            yield seg(not closer, ACK)
        yield seg(not closer, FINACK)
        yield seg(closer, ACK)
        used_ports.discard(cport)

    def udp_flow():
        """Datagrams to 127.0.0.1:9001 and their echoes; ids from one counter, as on lo."""
        cport = ephemeral()
        ipid = int(rnd() * 0xFFFF)
        for _ in range(1 + int(rnd() * 12)):
            b = bodies[int(rnd() * nbodies)]
            for fromc, payload in ((True, b), (False, b"echo: " + b)):
                n = len(payload)
                tl = 28 + n
                ipid = (ipid + 1) & 0xFFFF
                s = C4_UDP + tl + ipid
                s = (s & 0xFFFF) + (s >> 16)
                s = (s & 0xFFFF) + (s >> 16)
                if fromc:
                    sp, dp = cport, UDP_PORT
                else:
                    sp, dp = UDP_PORT, cport
                yield UDP4(ETH_IP4, 0x45, 0, tl, ipid, 0x4000, 64, 17, ~s & 0xFFFF, LO4, LO4,
                           sp, dp, 8 + n, PSEUDO4_UDP[8 + n]) + payload
        used_ports.discard(cport)

    def new_tcp():
        return tcp_conn(rnd() < 1 / 150)

    tcp = [new_tcp() for _ in range(concurrency)]
    udp = [udp_flow() for _ in range(max(1, concurrency // 20))]
    nudp = len(udp)
    # Open the connections gradually (one more every 16 frames) rather than 1000 SYNs at once.
    ntcp = 1

    # Time steps of 1-9 microseconds, drawn once.
    steps = bytes(1 + int(rnd() * 9) for _ in range(65536))

    out = bytearray()
    written = 0
    now = clock[0]
    count = 0
    with open(path, "wb", buffering=0) as f:
        f.write(PCAP_HEADER)
        while count < frames:
            now += steps[count & 0xFFFF]
            clock[0] = now
            if rnd() < 0.1:
                i = int(rnd() * nudp)
                frame = next(udp[i], None)
                if frame is None:
                    udp[i] = udp_flow()
                    continue
            else:
                if ntcp < concurrency:
                    ntcp = min(concurrency, 1 + (count >> 4))
                i = int(rnd() * ntcp)
                frame = next(tcp[i], None)
                if frame is None:
                    tcp[i] = new_tcp()
                    continue
            n = len(frame)
            out += REC(now // 1_000_000, now % 1_000_000, n, n)
            out += frame
            count += 1
            if len(out) > 8 << 20:
                f.write(out)
                written += len(out)
                out = bytearray()
        f.write(out)
        written += len(out)
    return written + len(PCAP_HEADER)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out", help="the pcap file to write")
    p.add_argument("--frames", type=int, default=1_000_000, help="number of frames (default 1000000)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--concurrency", type=int, default=1000, help="TCP connections open at once (default 1000)")
    a = p.parse_args()
    if a.frames < 0 or a.concurrency < 1:
        p.error("--frames must be >= 0 and --concurrency >= 1")
    t0 = time.monotonic()
    size = generate(a.out, a.frames, a.seed, a.concurrency)
    dt = time.monotonic() - t0
    print("%s: %d frames, %d bytes (%.1f MB, %.1f bytes/frame) in %.1f s"
          % (a.out, a.frames, size, size / 1e6, size / max(1, a.frames), dt), file=sys.stderr)


if __name__ == "__main__":
    main()
