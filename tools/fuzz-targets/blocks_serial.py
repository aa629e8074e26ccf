#!/usr/bin/env python3
# blocks_serial.py -- a fuzz target for `framescope fuzz`: the lesson's server shape, one client
# at a time: accept(), then read that client's length-framed ('!I') messages and echo them until
# it closes, then accept() the next. Its reading is right (read-exactly, EOF handled, a limit).
#
# THE BUG: the serial accept/recv loop. While one client's message is incomplete, the server
# waits in recv() for that client and nobody else is served (the kernel still completes their
# connections: they connect at once, then get no answer).
# Triggered by: a held connection with half a message.    Expected verdict: blocks_others, cause serial_server
#
# Usage: python3 tools/fuzz-targets/blocks_serial.py [PORT]   (0 = a free port)
import socket
import struct
import sys


def recv_exactly(conn, n):
    buf = b''
    while len(buf) < n:
        chunk = conn.recv(min(n - len(buf), 65536))
        if not chunk:
            return None
        buf += chunk
    return buf


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(('127.0.0.1', port))
    server.listen(128)
    print(server.getsockname()[1])
    sys.stdout.flush()
    while True:
        conn, addr = server.accept()                      # BUG: one client at a time
        with conn:
            try:
                while True:
                    header = recv_exactly(conn, 4)
                    if header is None:
                        break
                    (n,) = struct.unpack('!I', header)
                    if n > 65536:
                        break
                    body = recv_exactly(conn, n)
                    if body is None:
                        break
                    conn.sendall(struct.pack('!I', len(body)) + body)
            except OSError:
                pass


if __name__ == '__main__':
    main()
