#!/usr/bin/env python3
# quadratic_slowdown.py -- a fuzz target for `framescope fuzz`: a length-framed echo server in
# the lesson's style, one thread per client. Every message is a 4-byte big-endian length header
# ('!I') and that many body bytes; each message is echoed back framed the same way, correctly.
#
# THE BUG: quadratic work. It keeps the WHOLE stream received so far in one bytes object and,
# after every small recv(32), re-parses it from offset 0, echoing only the frames past a
# counter; consumed bytes are never dropped:
#     data = data + chunk
#     messages = split_frames(data)         # from the very start, every time
# One small frame is answered at once (well under 1 ms), but a burst of frames in one write
# costs (number of recvs) x (frames so far): 5,000 frames of 20 bytes take seconds (about 4 s
# on a 2-core test box; 10,000 take about 12 s), with every answer still right.
# Triggered by: many small frames in one write (e.g. 5,000 frames of 20 bytes).
# Expected verdict: slow
#
# Usage: python3 tools/fuzz-targets/quadratic_slowdown.py [PORT]   (0 = a free port)
import socket
import struct
import sys
import threading


def split_frames(data):
    messages = []
    offset = 0
    while len(data) - offset >= 4:
        (n,) = struct.unpack('!I', data[offset:offset + 4])
        if len(data) - offset - 4 < n:
            break                                 # the rest has not come yet
        messages.append(data[offset + 4:offset + 4 + n])
        offset += 4 + n
    return messages


def handle(conn):
    data = b''
    answered = 0
    with conn:
        try:
            while True:
                chunk = conn.recv(32)                # small, to see the framing at work
                if not chunk:                     # the client closed
                    return
                data = data + chunk               # BUG: the whole stream, kept forever
                messages = split_frames(data)     # BUG: ... and parsed from offset 0 again
                for body in messages[answered:]:
                    conn.sendall(struct.pack('!I', len(body)) + body)
                answered = len(messages)
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
