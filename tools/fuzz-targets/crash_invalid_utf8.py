#!/usr/bin/env python3
# crash_invalid_utf8.py -- a fuzz target for `framescope fuzz`: a length-framed chat-echo server
# in the lesson's style, one thread per client. Every message is a 4-byte big-endian length
# header ('!I') and that many body bytes. It treats each body as TEXT: decodes it, and echoes
# the text back (encoded again, framed the same way); valid UTF-8 comes back byte for byte.
#
# THE BUG: it assumes every client sends valid UTF-8 (strict decoding):
#     text = body.decode('utf-8')
# A body that is not UTF-8 (ff fe, a lone continuation byte 80, a multibyte sequence cut short
# like e4 bd) raises UnicodeDecodeError and the server dies.
# Triggered by: an invalid UTF-8 body in a well-formed frame.    Expected verdict: crash
#
# Usage: python3 tools/fuzz-targets/crash_invalid_utf8.py [PORT]   (0 = a free port)
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
            return None                           # the client closed
        buf += chunk
    return buf


def handle(conn):
    with conn:
        try:
            while True:
                header = recv_exactly(conn, 4)
                if header is None:
                    return
                (n,) = struct.unpack('!I', header)
                body = recv_exactly(conn, n)
                if body is None:
                    return
                text = body.decode('utf-8')       # BUG: not every client sends UTF-8
                reply = text.encode('utf-8')
                conn.sendall(struct.pack('!I', len(reply)) + reply)
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
