#!/usr/bin/env python3
# crash_truncated_header.py -- a fuzz target for `framescope fuzz`: a length-framed echo server
# in the lesson's style, one thread per client. Every message is a 4-byte big-endian length
# header ('!I') and that many body bytes; each message is echoed back framed the same way.
#
# THE BUG: the body is read with a proper read-exactly loop, but the header with ONE recv:
#     (n,) = struct.unpack('!I', header)     # header = conn.recv(4)
# recv(4) may return 1, 2 or 3 bytes: a header cut short (then EOF), or dribbled one byte per
# write with a pause. Then struct.unpack raises "struct.error: unpack requires a buffer of 4
# bytes" and the server dies. EOF before any header byte (b'') is handled: a clean close.
# Triggered by: a truncated header (e.g. 00 00 then close), or a header written byte by byte.
# Expected verdict: crash
#
# Usage: python3 tools/fuzz-targets/crash_truncated_header.py [PORT]   (0 = a free port)
import os
import socket
import struct
import sys
import threading
import traceback


def die(args):
    # Stands for a C server that segfaults, or a single-threaded server whose loop dies:
    # an uncaught exception in any client thread ends the whole process (exit 1, traceback).
    traceback.print_exception(args.exc_type, args.exc_value, args.exc_traceback, file=sys.stderr)
    sys.stderr.flush()
    os._exit(1)


threading.excepthook = die


def recv_exactly(conn, n):
    buf = b''
    while len(buf) < n:
        chunk = conn.recv(min(n - len(buf), 65536))
        if not chunk:
            return None                           # the client closed mid-body
        buf += chunk
    return buf


def handle(conn):
    with conn:
        try:
            while True:
                header = conn.recv(4)
                if not header:                    # the client closed between messages
                    return
                (n,) = struct.unpack('!I', header)    # BUG: header may be 1-3 bytes
                body = recv_exactly(conn, n)
                if body is None:
                    return
                conn.sendall(struct.pack('!I', len(body)) + body)
        except OSError:                           # reset by the client: drop it quietly
            pass


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
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


if __name__ == '__main__':
    main()
