#!/usr/bin/env python3
# crash_negative_length.py -- a fuzz target for `framescope fuzz`: a length-framed echo server
# in the lesson's style, one thread per client. Every message is a 4-byte big-endian length
# header and that many body bytes; each message is echoed back framed the same way.
#
# THE BUG: the header is read as a SIGNED int (the lesson's 'i'), and recv_exactly() makes its
# first read before the loop, so the length reaches recv() unchecked:
#     (n,) = struct.unpack('!i', header)
#     buf = conn.recv(min(n, 65536))
# A header with the top bit set (ff ff ff ff = -1, 80 00 00 00 = -2147483648) makes n negative,
# recv() raises "ValueError: negative buffersize in recv", and the server dies.
# Triggered by: a negative-length header, e.g. ff ff ff ff.    Expected verdict: crash
#
# Usage: python3 tools/fuzz-targets/crash_negative_length.py [PORT]   (0 = a free port)
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
    buf = conn.recv(min(n, 65536))                # BUG: n < 0 -> ValueError
    while len(buf) < n:
        chunk = conn.recv(min(n - len(buf), 65536))
        if not chunk:
            return None                           # the client closed
        buf += chunk
    return buf


def recv_message(conn):
    header = recv_exactly(conn, 4)
    if header is None:
        return None
    (n,) = struct.unpack('!i', header)            # signed, like the lesson's struct.pack('i', n)
    return recv_exactly(conn, n)


def handle(conn):
    with conn:
        try:
            while True:
                body = recv_message(conn)
                if body is None:                  # closed: between messages or mid-message
                    return
                conn.sendall(struct.pack('!i', len(body)) + body)
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
