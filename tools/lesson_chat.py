#!/usr/bin/env python3
"""The first socket lesson's client, writing exact byte pieces: the message-framing samples that
`framescope chat` cannot make (it always writes whole, well-formed messages).

Each kind talks to a framescope server (`framescope serve framed`) and exits:
  lesson_chat.py split    --port P   # serve framed --framing '!I': one 250-byte message written
                                     # in three pieces: three segments (拆包); then Q
  lesson_chat.py header   --port P   # serve framed --framing '!I': the 4-byte header itself cut
                                     # across two writes; then Q
  lesson_chat.py negative --port P   # serve framed --framing '<i': struct.pack('<i', 5) + hello,
                                     # then struct.pack('<i', -5): the server's error, its close
  lesson_chat.py short    --port P   # serve framed --framing '!I': a header claiming 100 bytes,
                                     # 10 sent, then close (mid-body)

TCP_NODELAY is on, so every sendall() here is one segment on loopback. Loopback only; every
socket has a timeout and every loop is bounded, so the script always ends by itself.
"""
import argparse
import socket
import struct
import sys
import time

TIMEOUT = 5


def recv_exactly(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("server closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def recv_message(sock, fmt="!I"):
    (n,) = struct.unpack(fmt, recv_exactly(sock, struct.calcsize(fmt)))
    if n < 0 or n > 65536:
        raise ConnectionError("the server sent a length of %d" % n)
    return recv_exactly(sock, n)


def send_message(sock, body, fmt="!I"):
    sock.sendall(struct.pack(fmt, len(body)) + body)


def wait_for_close(sock):
    """Reads (and ignores) until the server closes: at most 64 reads, each within TIMEOUT."""
    for _ in range(64):
        if not sock.recv(4096):
            return
    raise ConnectionError("the server did not close")


def connect(host, port):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(TIMEOUT)
    sock.connect((host, port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def quit_conversation(sock):
    """The lesson's end: Q, the server's bye, the server's close, ours."""
    send_message(sock, b"Q")
    reply = recv_message(sock)
    wait_for_close(sock)
    sock.close()
    return reply


def split(host, port):
    # Loopback hands TCP segments to the capture before any segmentation offload would cut them,
    # so a small MSS does not show here; a sender that writes one message in pieces does.
    sock = connect(host, port)
    body = ("0123456789" * 25).encode()
    frame = struct.pack("!I", len(body)) + body
    for piece in (frame[:100], frame[100:200], frame[200:]):
        sock.sendall(piece)
        time.sleep(0.02)
    assert recv_message(sock) == body, "the echo is the message"
    quit_conversation(sock)


def header(host, port):
    sock = connect(host, port)
    frame = struct.pack("!I", 5) + b"hello"
    sock.sendall(frame[:2])
    time.sleep(0.05)
    sock.sendall(frame[2:])
    assert recv_message(sock) == b"hello", "the echo is the message"
    quit_conversation(sock)


def negative(host, port):
    sock = connect(host, port)
    send_message(sock, b"hello", "<i")
    assert recv_message(sock, "<i") == b"hello", "the echo is the message"
    time.sleep(0.02)
    sock.sendall(struct.pack("<i", -5) + b"oops!")
    error = recv_message(sock, "<i")  # the robust server's one error message, then its close
    print("server said: %s" % error.decode("utf-8", "replace"))
    wait_for_close(sock)
    sock.close()


def short(host, port):
    sock = connect(host, port)
    sock.sendall(struct.pack("!I", 100) + b"only ten b")
    time.sleep(0.05)
    sock.close()  # mid-body: 90 of the 100 announced bytes never come


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    kinds = {"split": split, "header": header, "negative": negative, "short": short}
    p.add_argument("kind", choices=sorted(kinds))
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    a = p.parse_args()
    if a.host not in ("127.0.0.1", "::1", "localhost"):
        sys.exit("loopback only")
    kinds[a.kind](a.host, a.port)
