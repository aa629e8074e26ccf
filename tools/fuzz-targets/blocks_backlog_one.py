#!/usr/bin/env python3
# blocks_backlog_one.py -- a fuzz target for `framescope fuzz`: a length-framed ('!I') echo
# server with a thread per client, as robust as it gets in its reading (a read-exactly loop, EOF
# handled, a size limit) -- but its listen backlog is 1, as multiprocessing.connection.Listener's
# default is, and every accepted client costs a thread start before the next accept().
#
# THE BUG: server.listen(1). A burst of connections overflows the kernel's accept queue; the
# kernel drops their SYNs and each waits for the SYN retry (about 1 s) before it is accepted.
# Nothing is wrong in the server's code paths; new clients are kept waiting.
# Triggered by: many connections at once.    Expected verdict: blocks_others, cause accept_queue
#
# Usage: python3 tools/fuzz-targets/blocks_backlog_one.py [PORT]   (0 = a free port)
import socket
import struct
import sys
import threading


def recv_exactly(conn, n):
    buf = b''
    while len(buf) < n:
        chunk = conn.recv(min(n - len(buf), 65536))
        if not chunk:
            return None
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
                if n > 65536:
                    return
                body = recv_exactly(conn, n)
                if body is None:
                    return
                conn.sendall(struct.pack('!I', len(body)) + body)
        except OSError:
            pass


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(('127.0.0.1', port))
    server.listen(1)                                      # BUG: a backlog of one
    print(server.getsockname()[1])
    sys.stdout.flush()
    while True:
        conn, addr = server.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


if __name__ == '__main__':
    main()
