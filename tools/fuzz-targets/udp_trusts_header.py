#!/usr/bin/env python3
# udp_trusts_header.py -- a fuzz target for `framescope fuzz`: a UDP echo server in the lesson's
# style, one recvfrom() loop in one thread. Every datagram is a 4-byte big-endian length header
# ('!I') and that many body bytes; the server sends header + body back to the sender.
#
# THE BUG: it trusts the datagram's header -- that there is one, and that it fits:
#     (n,) = struct.unpack('!I', data[:4])
#     body = bytes(data[4 + i] for i in range(n))
# A datagram shorter than 4 bytes (even an empty one) raises struct.error; a header declaring
# more than the datagram holds raises IndexError. Nothing catches either: the loop, and the
# server, die. (A header declaring less is fine: the extra bytes are ignored.)
# Triggered by: a header larger than the datagram (00 00 00 64 + 10 bytes), or a datagram of
# 0-3 bytes.    Expected verdict: crash
#
# Usage: python3 tools/fuzz-targets/udp_trusts_header.py [PORT]   (0 = a free port)
import socket
import struct
import sys


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(('127.0.0.1', port))
    print(sock.getsockname()[1])
    sys.stdout.flush()
    while True:
        data, addr = sock.recvfrom(65536)
        (n,) = struct.unpack('!I', data[:4])                # BUG: maybe no header at all
        body = bytes(data[4 + i] for i in range(n))         # BUG: maybe n > len(data) - 4
        sock.sendto(struct.pack('!I', len(body)) + body, addr)


if __name__ == '__main__':
    main()
