#!/usr/bin/env python3
# wrong_sticky.py -- a fuzz target for `framescope fuzz`: a length-framed echo server in the
# lesson's style, one thread per client. Every message is a 4-byte big-endian length header
# ('!I') and that many body bytes; each message should be echoed back framed the same way.
#
# THE BUG: the sticky-packet (粘包) mistake -- it takes one recv() as one message:
#     data = conn.recv(65536)
#     body = data[4:]
# It skips the 4 header bytes at the start of whatever recv() returned and echoes EVERYTHING
# after them as one body, with a header giving that whole length. One frame per write works;
# two frames arriving in one recv() get ONE merged reply (the second header inside the body),
# and a frame split over two recv()s (拆包) gets two wrong replies. It never crashes or hangs.
# Triggered by: two (or more) frames in one write.    Expected verdict: wrong
#
# Usage: python3 tools/fuzz-targets/wrong_sticky.py [PORT]   (0 = a free port)
import socket
import struct
import sys
import threading


def handle(conn):
    with conn:
        try:
            while True:
                data = conn.recv(65536)           # BUG: one recv() is not one message
                if not data:                      # the client closed
                    return
                body = data[4:]                   # skip the header; the rest is "the" body
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
