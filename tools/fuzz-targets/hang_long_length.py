#!/usr/bin/env python3
# hang_long_length.py -- a fuzz target for `framescope fuzz`: a length-framed echo server in the
# lesson's FIRST style: SINGLE-THREADED and sequential (accept one client, serve it until it
# disconnects, then accept the next). No threads on purpose: the bug needs it. Every message is
# a 4-byte big-endian length header ('!I') and that many body bytes, echoed back the same way.
#
# THE BUG: the body loop never checks recv() for b'' (EOF):
#     buf += conn.recv(min(n - len(buf), 65536))
# When a client declares more bytes than it sends and closes, recv() returns b'' at once,
# forever: the server spins at 100% CPU and never gets back to accept(). New connections still
# complete (the kernel queues them in the listen(128) backlog) but nobody ever answers.
# (The header IS read carefully, so clean disconnects between messages work. A client that
# stalls mid-message without closing also holds everyone up: that is the sequential design.)
# Triggered by: a header declaring more than is sent (e.g. 00 00 01 00 + 10 bytes), then close.
# Expected verdict: hang
#
# Usage: python3 tools/fuzz-targets/hang_long_length.py [PORT]   (0 = a free port)
import socket
import struct
import sys


def recv_header(conn):
    header = b''
    while len(header) < 4:
        chunk = conn.recv(4 - len(header))
        if not chunk:
            return None                           # the client closed
        header += chunk
    return header


def serve(conn):
    while True:
        header = recv_header(conn)
        if header is None:
            return
        (n,) = struct.unpack('!I', header)
        buf = b''
        while len(buf) < n:
            buf += conn.recv(min(n - len(buf), 65536))    # BUG: b'' (EOF) is never checked
        conn.sendall(struct.pack('!I', len(buf)) + buf)


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(('127.0.0.1', port))
    server.listen(128)
    print(server.getsockname()[1])
    sys.stdout.flush()
    while True:
        conn, addr = server.accept()
        with conn:
            try:
                serve(conn)
            except OSError:                       # reset by the client: on to the next one
                pass


if __name__ == '__main__':
    main()
