#!/usr/bin/env python3
# fd_leak.py -- a fuzz target for `framescope fuzz`: a length-framed echo server in the lesson's
# style, one thread per client. Every message is a 4-byte big-endian length header ('!I') and
# that many body bytes (at most 65536); each message is echoed back framed the same way.
#
# THE BUG: on every error path it forgets conn.close(), and files the socket away instead:
#     broken.append(conn)
# Errors are: the client closed inside a header or a body (recv() returned b'' mid-frame), a
# reset, or a length over 65536 (refused: the socket just stays open, so that client never
# sees a close). The list keeps each socket alive, so its file descriptor is never released:
# the count in /proc/PID/fd grows with every such client and stays grown (until accept() fails
# with EMFILE at the fd limit). A clean close between messages is handled right.
# Triggered by: closing mid-frame (cut header/body) or a length over 65536.
# Expected verdict: leak (fd)
#
# Usage: python3 tools/fuzz-targets/fd_leak.py [PORT]   (0 = a free port)
import socket
import struct
import sys
import threading

MAX_MESSAGE = 65536
broken = []                      # connections that went wrong, "to look at later"


def recv_exactly(conn, n):
    buf = b''
    while len(buf) < n:
        chunk = conn.recv(min(n - len(buf), 65536))
        if not chunk:
            break                # the client closed: buf comes back short
        buf += chunk
    return buf


def handle(conn):
    try:
        while True:
            header = recv_exactly(conn, 4)
            if header == b'':            # closed between messages: the clean way out
                conn.close()
                return
            if len(header) < 4:
                raise ConnectionError('header cut after %d bytes' % len(header))
            (n,) = struct.unpack('!I', header)
            if n > MAX_MESSAGE:
                raise ConnectionError('length %d is over %d' % (n, MAX_MESSAGE))
            body = recv_exactly(conn, n)
            if len(body) < n:
                raise ConnectionError('body cut after %d of %d bytes' % (len(body), n))
            conn.sendall(struct.pack('!I', n) + body)
    except OSError:                      # ConnectionError and resets alike
        broken.append(conn)              # BUG: never conn.close()


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
