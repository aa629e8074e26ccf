#!/usr/bin/env python3
# counter_chat.py -- a fuzz target for `framescope fuzz --from`'s oracle fallback: a correct
# length-framed ('!I') server whose answers change every time, as a server's with timestamps or
# random ids do: each message gets `#N text` back, N counting every message since it started.
# A captured conversation replayed to it never gets the captured answers again, so
# `--oracle replay` cannot judge it: the fuzzer must say so and fall back to `--oracle reply`.
# It has no bug: a run against it must give no finding.
#
# Usage: python3 tools/fuzz-targets/counter_chat.py [PORT]   (0 = a free port)
import itertools
import socket
import struct
import sys
import threading

LIMIT = 65536
counter = itertools.count(1)
lock = threading.Lock()


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
                if n > LIMIT:
                    body = b'error: length_over_limit'
                    conn.sendall(struct.pack('!I', len(body)) + body)
                    return
                body = recv_exactly(conn, n)
                if body is None:
                    return
                with lock:
                    number = next(counter)
                answer = b'#%d ' % number + body
                conn.sendall(struct.pack('!I', len(answer)) + answer)
        except OSError:
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
