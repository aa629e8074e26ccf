#!/usr/bin/env python3
# login_chat.py -- a fuzz target for `framescope fuzz --from`: a stateful length-framed chat
# server in the lesson's style, one thread per client. Every message is a 4-byte big-endian
# length header ('!I') and that many body bytes, and so is every answer.
#
#   client: LOGIN alice        server: welcome alice
#   client: hello              server: alice: hello
#   (anything before a login)  server: error: LOGIN first   (and the connection is closed)
#
# THE BUG, reachable only after a login: the logged-in loop reads the header as SIGNED
#     (n,) = struct.unpack('!i', header)      # BUG: '!i', the login step uses '!I' and a limit
# so a length of 2^31 or more is negative, and recv(min(n, 65536)) raises
# "ValueError: negative buffersize in recv": the server dies. Before the login every header is
# read as '!I' and checked against the limit, so a fuzzer that never logs in never gets there.
# Triggered by: after LOGIN, a header of 80 00 00 00 .. ff ff ff ff.
# Expected verdict: crash, with `fuzz --from` a capture of a login; none without.
# --fixed: the logged-in loop reads '!I' and checks the limit too (no bug).
#
# Usage: python3 tools/fuzz-targets/login_chat.py [PORT] [--fixed]   (0 = a free port)
import os
import socket
import struct
import sys
import threading
import traceback

LIMIT = 65536
FIXED = '--fixed' in sys.argv


def die(args):
    # Stands for a C server that segfaults: an uncaught exception in any client thread ends the
    # whole process (exit 1, traceback on stderr).
    traceback.print_exception(args.exc_type, args.exc_value, args.exc_traceback, file=sys.stderr)
    sys.stderr.flush()
    os._exit(1)


threading.excepthook = die


def recv_exactly(conn, n):
    buf = b''
    while len(buf) < n:
        chunk = conn.recv(min(n - len(buf), 65536))
        if not chunk:
            return None                           # the client closed mid-message
        buf += chunk
    return buf


def send(conn, text):
    body = text.encode('utf-8', 'replace')
    conn.sendall(struct.pack('!I', len(body)) + body)


def read_checked(conn):
    header = recv_exactly(conn, 4)
    if header is None:
        return None
    (n,) = struct.unpack('!I', header)
    if n > LIMIT:
        send(conn, 'error: length_over_limit %d > %d' % (n, LIMIT))
        return None
    return recv_exactly(conn, n)


def read_logged_in(conn):
    if FIXED:
        return read_checked(conn)
    header = recv_exactly(conn, 4)
    if header is None:
        return None
    (n,) = struct.unpack('!i', header)            # BUG: signed, and no limit
    if n == 0:
        return b''
    first = conn.recv(min(n, 65536))              # n < 0: ValueError: negative buffersize in recv
    if not first:
        return None
    rest = recv_exactly(conn, n - len(first))
    return None if rest is None else first + rest


def handle(conn):
    with conn:
        try:
            first = read_checked(conn)
            if first is None:
                return
            words = first.split(b' ', 1)
            if len(words) != 2 or words[0] != b'LOGIN' or not words[1].strip():
                send(conn, 'error: LOGIN first')
                return
            name = words[1].strip().decode('utf-8', 'replace')
            send(conn, 'welcome ' + name)
            while True:
                body = read_logged_in(conn)
                if body is None:
                    return
                send(conn, '%s: %s' % (name, body.decode('utf-8', 'replace')))
        except OSError:                           # reset by the client: drop it quietly
            pass


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    port = int(args[0]) if args else 0
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
