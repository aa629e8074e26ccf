#!/usr/bin/env python3
"""Write an adversarial capture for framescope's TCP reassembly limits, for tools/bench.

  gen_adversarial.py OUT.pcap --kind holes [--streams N] [--seed S]
  gen_adversarial.py OUT.pcap --kind ooo [--streams N] [--segments K] [--real] [--seed S]
  gen_adversarial.py OUT.pcap --kind dribble [--streams N] [--segments K] [--seed S]
  gen_adversarial.py OUT.pcap --kind split [--segments K] [--seed S]

Both kinds are loopback IPv4 TCP (127.0.0.1:32768+ -> 127.0.0.1:9000-9003) in a classic
little-endian microsecond pcap, linktype 1 (Ethernet with zero MACs), with the frame layout of
gen_capture.py (whose packers are imported): correct IPv4 header checksums, TCP checksum fields
holding the pseudo-header sum only (loopback checksum offload), NOP NOP TS on every segment
after the handshake, timestamps a few microseconds apart (no stream ever looks idle).

holes (default 100,000 streams): every connection does SYN, SYN-ACK, ACK, then its client sends
  a data segment whose sequence number is 100-1000 bytes past the next expected one (the bytes
  between were "never captured"), then 1-3 more contiguous data segments (16-64 bytes each,
  4-byte big-endian length-framed text), and nothing else: no FIN, no RST, the hole is never
  filled. The streams are interleaved so that all of them are open, each holding out-of-order
  data, at the end of the file: first every stream's handshake and its first segment past the
  hole, then every stream's second segment, and so on.

ooo (default one stream): after the handshake the client's first segment is never sent, and
  from then on segments are sent in blocks of 64 sequence slots, each block in descending
  sequence order with its first slot never sent, so nothing ever becomes deliverable in order
  and a new hole opens with every block. The server answers with a duplicate ACK (of the first
  missing byte) every 16 segments.
  Without --real (default 16,520 segments): every data segment claims 65,000 bytes (IPv4 total
  length 65,052, pcap record len 65,066) but only the headers and 16 bytes are in the file
  (caplen 82, file snaplen 96): about 1 GiB of out-of-order data claimed, a 2 MB file.
  With --real (default 60,000 segments): 1,400 bytes captured per segment, about 84 MB of real
  out-of-order data (an 89 MB file). With --streams M the segments are dealt round-robin over
  M interleaved connections (so that, for example, 32 streams of 2.6 MB each stay under a 4 MiB
  per-direction limit and exceed a 64 MiB total one).

dribble (default 4,000 streams of 250 segments): every client sends one-byte segments, a 0xFF
  then lower-case letters, in order, one round over all the streams at a time, and never ends:
  `auto` cannot tell their framing (not UTF-8, no 1-byte length chain ending within 255 bytes,
  one side speaking, under its 512-byte sample) and holds every segment of every stream until
  the end of the file. Costs grow with segments, not bytes.

split (default 1,048,572 segments): one stream whose client sends a 4-byte big-endian length
  header announcing a message of K bytes (1 MiB with the header: framescope's default
  --max-message), then its body one byte per segment: the message is complete only at its last
  segment, so every segment of it is noted until then.

The same arguments give the same bytes. Pure standard library.
"""
import argparse
import os
import random
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_capture import (  # noqa: E402  (the frame packers and constants of the chat generator)
    ACK, C4_TCP, ETH_IP4, LO4, MSS_KIND_LEN, OPT_NOP_NOP_TS, PSEUDO4_TCP, PSHACK, REC,
    SACKP_TS, SERVER_PORTS, START_SEC, SYN, SYN4, SYNACK, TCP4, _fold,
)

LINKTYPE_ETHERNET = 1
BIG_SNAPLEN = 262144
MAX_STREAMS = 4 * (65536 - 1024)  # client ports 1024-65535 times the 4 server ports

CUT_PAYLOAD = 65000   # claimed payload of a cut ooo segment (IPv4 total length 65,052)
CUT_CAPTURED = 16     # payload bytes actually in the file
CUT_SNAPLEN = 96
REAL_PAYLOAD = 1400
BLOCK = 64            # ooo: sequence slots per block; slot 0 of each block is never sent


def pcap_header(snaplen):
    return struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, LINKTYPE_ETHERNET)


def framed_text(n, rng):
    """n bytes of 4-byte big-endian length-framed text (the last message may be cut)."""
    words = b"hello hole gap out of order never captured segment window buffer limit ".split()
    out = bytearray()
    while len(out) < n:
        body = b" ".join(words[int(rng.random() * len(words))] for _ in range(2 + int(rng.random() * 12)))
        out += struct.pack("!I", len(body)) + body
    return bytes(out[:n])


class Conn:
    """One IPv4 loopback TCP connection: builds its frames with consistent ids and options."""

    __slots__ = ("cport", "sport", "cseq", "sseq", "cid", "sid", "coff", "soff")

    def __init__(self, index, rng):
        q = index // 4  # client ports from 32768 (Linux's ephemeral range) up, then from 1024
        self.cport = 32768 + q if q < 32768 else 1024 + (q - 32768)
        self.sport = SERVER_PORTS[index % 4]
        self.cseq = int(rng.random() * 0xFFFFFFFF)   # the client's ISN
        self.sseq = int(rng.random() * 0xFFFFFFFF)   # the server's ISN
        self.cid = int(rng.random() * 0xFFFF)
        self.sid = int(rng.random() * 0xFFFF)
        self.coff = int(rng.random() * 0xFFFFFFFF)
        self.soff = int(rng.random() * 0xFFFFFFFF)

    def handshake(self, now):
        """SYN, SYN-ACK, ACK. Afterwards cseq/sseq are the next sequence numbers to send."""
        ms = now // 1000
        cts = (ms + self.coff) & 0xFFFFFFFF
        sts = (ms + self.soff) & 0xFFFFFFFF
        s = _fold(C4_TCP + 60 + self.cid)
        syn = SYN4(ETH_IP4, 0x45, 0, 60, self.cid, 0x4000, 64, 6, ~s & 0xFFFF, LO4, LO4,
                   self.cport, self.sport, self.cseq, 0, 0xA0, SYN, 65495, PSEUDO4_TCP[40], 0,
                   MSS_KIND_LEN, 65495, SACKP_TS, cts, 0, 1, 3, 3, 10)
        self.cseq = (self.cseq + 1) & 0xFFFFFFFF
        s = _fold(C4_TCP + 60)  # Linux sends the SYN-ACK with IP id 0
        synack = SYN4(ETH_IP4, 0x45, 0, 60, 0, 0x4000, 64, 6, ~s & 0xFFFF, LO4, LO4,
                      self.sport, self.cport, self.sseq, self.cseq, 0xA0, SYNACK, 65483,
                      PSEUDO4_TCP[40], 0, MSS_KIND_LEN, 65495, SACKP_TS, sts, cts, 1, 3, 3, 10)
        self.sseq = (self.sseq + 1) & 0xFFFFFFFF
        ack = self.client(now, self.cseq, ACK, b"", 0)
        return syn, synack, ack

    def client(self, now, seq, flags, captured, claimed):
        """A client segment at `seq` claiming `claimed` payload bytes of which `captured` are
        in the frame."""
        self.cid = (self.cid + 1) & 0xFFFF
        tl = 52 + claimed
        s = C4_TCP + tl + self.cid
        s = (s & 0xFFFF) + (s >> 16)
        s = (s & 0xFFFF) + (s >> 16)
        ms = now // 1000
        h = TCP4(ETH_IP4, 0x45, 0, tl, self.cid, 0x4000, 64, 6, ~s & 0xFFFF, LO4, LO4,
                 self.cport, self.sport, seq & 0xFFFFFFFF, self.sseq, 0x80, flags, 512,
                 PSEUDO4_TCP[32 + claimed], 0, OPT_NOP_NOP_TS,
                 (ms + self.coff) & 0xFFFFFFFF, (ms + self.soff - 1) & 0xFFFFFFFF)
        return h + captured if captured else h

    def server_ack(self, now, ack):
        self.sid = (self.sid + 1) & 0xFFFF
        s = _fold(C4_TCP + 52 + self.sid)
        ms = now // 1000
        return TCP4(ETH_IP4, 0x45, 0, 52, self.sid, 0x4000, 64, 6, ~s & 0xFFFF, LO4, LO4,
                    self.sport, self.cport, self.sseq, ack & 0xFFFFFFFF, 0x80, ACK, 512,
                    PSEUDO4_TCP[32], 0, OPT_NOP_NOP_TS,
                    (ms + self.soff) & 0xFFFFFFFF, (ms + self.coff) & 0xFFFFFFFF)


class Writer:
    def __init__(self, f, snaplen):
        self.f = f
        self.out = bytearray(pcap_header(snaplen))
        self.now = START_SEC * 1_000_000
        self.frames = 0
        self.size = 0
        self.rng = random.Random(0)
        self.steps = bytes(1 + int(self.rng.random() * 9) for _ in range(65536))

    def tick(self):
        self.now += self.steps[self.frames & 0xFFFF]
        return self.now

    def add(self, frame, orig_len=None):
        n = len(frame)
        now = self.now
        self.out += REC(now // 1_000_000, now % 1_000_000, n, orig_len or n)
        self.out += frame
        self.frames += 1
        if len(self.out) > 8 << 20:
            self.flush()

    def flush(self):
        self.f.write(self.out)
        self.size += len(self.out)
        self.out = bytearray()


def open_conn(w, i, rng):
    """Connection i with its three-way handshake written, one tick between frames."""
    c = Conn(i, rng)
    w.tick()
    for fr in c.handshake(w.now):
        w.add(fr)
        w.tick()
    return c


def gen_holes(w, streams, rng):
    conns = []
    plans = []  # per stream: list of payloads still to send, and the next sequence number
    text = framed_text(1 << 16, rng)
    for i in range(streams):
        c = open_conn(w, i, rng)
        seq = c.cseq + 100 + int(rng.random() * 901)  # the hole: never captured
        sizes = [16 + int(rng.random() * 49) for _ in range(2 + int(rng.random() * 3))]
        payloads = []
        for n in sizes:
            o = int(rng.random() * (len(text) - n))
            payloads.append(text[o:o + n])
        p = payloads[0]
        w.add(c.client(w.now, seq, PSHACK, p, len(p)))
        conns.append(c)
        plans.append([seq + len(p), payloads, 1])
    # Then the remaining segments, one round over all the streams at a time.
    for _ in range(3):
        for c, plan in zip(conns, plans):
            seq, payloads, k = plan
            if k >= len(payloads):
                continue
            p = payloads[k]
            w.tick()
            w.add(c.client(w.now, seq, PSHACK, p, len(p)))
            plan[0] = seq + len(p)
            plan[2] = k + 1


def gen_ooo(w, streams, segments, real, rng):
    claimed = REAL_PAYLOAD if real else CUT_PAYLOAD
    ncap = REAL_PAYLOAD if real else CUT_CAPTURED
    text = framed_text(1 << 20, rng) if real else b""
    conns = []
    for i in range(streams):
        c = open_conn(w, i, rng)
        conns.append(c)
    per_block = BLOCK - 1
    sent = [0] * streams
    for j in range(segments):
        k = j % streams
        c = conns[k]
        n = sent[k]
        sent[k] = n + 1
        block, r = divmod(n, per_block)
        slot = block * BLOCK + (BLOCK - 1 - r)  # descending within the block, slot 0 never sent
        seq = c.cseq + slot * claimed
        if real:
            o = (slot * 7919 * 13) % (len(text) - ncap)
            payload = text[o:o + ncap]
        else:
            payload = bytes(((slot + b) & 0x3F) | 0x40 for b in range(ncap))
        w.tick()
        frame = c.client(w.now, seq, PSHACK, payload, claimed)
        w.add(frame, None if real else 66 + claimed)
        if n % 16 == 15:
            w.tick()
            w.add(c.server_ack(w.now, c.cseq))


def gen_dribble(w, streams, segments, rng):
    conns = [open_conn(w, i, rng) for i in range(streams)]
    seqs = [c.cseq for c in conns]
    for k in range(segments):
        p = bytes([0xFF if k == 0 else 0x61 + k % 26])
        for i, c in enumerate(conns):
            w.tick()
            w.add(c.client(w.now, seqs[i], PSHACK, p, 1))
            seqs[i] += 1


def gen_split(w, segments, rng):
    c = open_conn(w, 0, rng)
    seq = c.cseq
    header = struct.pack("!I", segments)
    w.tick()
    w.add(c.client(w.now, seq, PSHACK, header, len(header)))
    seq += len(header)
    for k in range(segments):
        w.tick()
        w.add(c.client(w.now, seq, PSHACK, bytes([0x61 + k % 26]), 1))
        seq += 1
        if k % 16 == 15:
            w.tick()
            w.add(c.server_ack(w.now, seq))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out", help="the pcap file to write")
    p.add_argument("--kind", required=True, choices=("holes", "ooo", "dribble", "split"))
    p.add_argument("--streams", type=int,
                   help="connections (default 100000 for holes, 1 for ooo, 4000 for dribble; split has 1)")
    p.add_argument("--segments", type=int,
                   help="ooo: data segments in all (default 16520 cut to 82 bytes, 60000 with --real);"
                        " dribble: segments per stream (default 250); split: body segments (default 1048572)")
    p.add_argument("--real", action="store_true", help="ooo: 1,400 captured bytes per segment instead of cut frames")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    a = p.parse_args()
    streams = a.streams if a.streams is not None else {"holes": 100_000, "dribble": 4000}.get(a.kind, 1)
    if not 1 <= streams <= MAX_STREAMS:
        p.error("--streams must be between 1 and %d" % MAX_STREAMS)
    if a.kind == "holes" and a.segments is not None:
        p.error("--segments does not apply to --kind holes")
    if a.kind != "ooo" and a.real:
        p.error("--real applies to --kind ooo only")
    if a.kind == "split" and streams != 1:
        p.error("--kind split has one stream")
    default_segments = {"dribble": 250, "split": (1 << 20) - 4}.get(a.kind, 60_000 if a.real else 16_520)
    segments = a.segments if a.segments is not None else default_segments
    if segments < 0:
        p.error("--segments must be >= 0")
    rng = random.Random(a.seed)
    t0 = time.monotonic()
    snaplen = BIG_SNAPLEN if a.kind == "holes" or a.real else CUT_SNAPLEN
    with open(a.out, "wb", buffering=0) as f:
        w = Writer(f, snaplen)
        if a.kind == "holes":
            gen_holes(w, streams, rng)
        elif a.kind == "dribble":
            gen_dribble(w, streams, segments, rng)
        elif a.kind == "split":
            gen_split(w, segments, rng)
        else:
            gen_ooo(w, streams, segments, a.real, rng)
        w.flush()
    dt = time.monotonic() - t0
    extra = ""
    if a.kind == "ooo":
        claimed = segments * (REAL_PAYLOAD if a.real else CUT_PAYLOAD)
        extra = ", %d segments claiming %.2f GiB out of order" % (segments, claimed / (1 << 30))
    print("%s: %s, %d streams, %d frames, %d bytes (%.1f MB)%s in %.1f s"
          % (a.out, a.kind, streams, w.frames, w.size, w.size / 1e6, extra, dt), file=sys.stderr)


if __name__ == "__main__":
    main()
