#!/usr/bin/env python3
# unbounded_alloc.py -- a fuzz target for `framescope fuzz`: a length-framed echo server in the
# lesson's style, one thread per client. Every message is a 4-byte big-endian length header
# ('!I') and that many body bytes; each message is echoed back framed the same way.
#
# THE BUG: it allocates the DECLARED length up front, and parks the buffer in a "pending
# messages" cache keyed by the client's address that is cleaned up only when a message
# completes -- never when the client goes away in the middle:
#     buf = bytearray(n)                    # zero-filled: the memory is really touched
#     pending[addr] = buf
# A large declared length (16 MiB, 2**24 + 1, ...) and then a close leaves n bytes behind for
# good: RSS grows with every such client and stays grown.
# Triggered by: a huge declared length, then close.    Expected verdict: leak (RSS)
# Safety: past 1.5 GiB retained in total it writes "out of memory" to stderr and exits 137 (the
# OOM killer's status), so a declared 2**31 - 1 or more ends the process at once.
#
# Usage: python3 tools/fuzz-targets/unbounded_alloc.py [PORT]   (0 = a free port)
import os
import socket
import struct
import sys
import threading

LIMIT = 1536 * 1024 * 1024                   # 1.5 GiB: stands for the machine's memory
pending = {}                                 # peer address -> the message being received
retained = 0
lock = threading.Lock()


def recv_message(conn, addr):
    global retained
    header = conn.recv(4, socket.MSG_WAITALL)
    if len(header) < 4:
        return None                          # the client closed
    (n,) = struct.unpack('!I', header)
    with lock:
        if retained + n > LIMIT:
            sys.stderr.write('out of memory\n')
            sys.stderr.flush()
            os._exit(137)
        retained += n
    buf = bytearray(n)                       # BUG: trusts n, and allocates it all now
    pending[addr] = buf
    got = 0
    while got < n:
        chunk = conn.recv(min(n - got, 65536))
        if not chunk:
            return None                      # BUG: pending[addr] is left behind
        buf[got:got + len(chunk)] = chunk
        got += len(chunk)
    with lock:
        del pending[addr]
        retained -= n
    return bytes(buf)


def handle(conn, addr):
    with conn:
        try:
            while True:
                body = recv_message(conn, addr)
                if body is None:
                    return
                conn.sendall(struct.pack('!I', len(body)) + body)
        except OSError:                      # reset by the client: drop it quietly
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
        threading.Thread(target=handle, args=(conn, addr), daemon=True).start()


if __name__ == '__main__':
    main()
