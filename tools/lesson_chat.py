#!/usr/bin/env python3
"""The first network-programming lesson's chat programs, used to make framescope's sample captures.

Run one scripted conversation and exit:
  lesson_chat.py tcp  --host 127.0.0.1 --port 9000    # length-framed TCP chat (struct.pack('!I', n))
  lesson_chat.py tcp  --host ::1       --port 9000
  lesson_chat.py udp  --host 127.0.0.1 --port 9001    # UDP chat: sendto / recvfrom
  lesson_chat.py icmp --host 127.0.0.1 --port 9002    # a datagram to a closed port: ICMP port unreachable
  lesson_chat.py sticky   --port 9010   # two messages in one write: one segment (粘包)
  lesson_chat.py split    --port 9011   # one 250-byte message written in three pieces: three segments (拆包)
  lesson_chat.py header   --port 9012   # the 4-byte header itself split across two segments
  lesson_chat.py negative --port 9013   # struct.pack('<i', -5): a negative length
  lesson_chat.py short    --port 9014   # a header claiming 100 bytes, 10 sent, then close
  lesson_chat.py line     --port 9015   # a line-framed chat ('\n' ends a message, one with CRLF)

Server and client run in this one process (the server on a thread), on loopback only, and every
socket has a timeout, so the script always ends by itself.
"""
import argparse
import socket
import struct
import threading
import time


def recv_exactly(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("peer closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def recv_message(sock):
    (n,) = struct.unpack("!I", recv_exactly(sock, 4))
    return recv_exactly(sock, n)


def send_message(sock, body):
    sock.sendall(struct.pack("!I", len(body)) + body)


def tcp_chat(host, port):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(1)
    listener.settimeout(5)

    def server():
        conn, _ = listener.accept()
        conn.settimeout(5)
        with conn:
            while True:
                body = recv_message(conn)
                if body.upper() == b"Q":
                    send_message(conn, b"Q")
                    break
                send_message(conn, b"echo: " + body)

    t = threading.Thread(target=server)
    t.start()
    client = socket.socket(family, socket.SOCK_STREAM)
    client.settimeout(5)
    client.connect((host, port))
    for text in ["hello", "how are you?", "你好，世界"]:
        send_message(client, text.encode())
        recv_message(client)
        time.sleep(0.02)
    send_message(client, b"Q")
    recv_message(client)
    client.close()
    t.join(5)
    listener.close()


def pair(host, port, mss=None):
    """A connected (client, server) pair on loopback, TCP_NODELAY on both: every send() is a segment."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if mss:
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, mss)
    listener.bind((host, port))
    listener.listen(1)
    listener.settimeout(5)
    client = socket.socket(family, socket.SOCK_STREAM)
    if mss:
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, mss)
    client.settimeout(5)
    client.connect((host, port))
    server, _ = listener.accept()
    server.settimeout(5)
    listener.close()
    for s in (client, server):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return client, server


def drain(sock, n):
    try:
        return recv_exactly(sock, n)
    except (ConnectionError, OSError):
        return b""


def sticky(host, port):
    c, s = pair(host, port)
    send_message(c, b"hello")
    recv_message(s)
    c.sendall(struct.pack("!I", 3) + b"one" + struct.pack("!I", 3) + b"two")  # one write, two messages
    recv_message(s), recv_message(s)
    send_message(s, b"got both")
    recv_message(c)
    c.close(); s.close()


def split(host, port):
    # Loopback hands TCP segments to the capture before any segmentation offload would cut them,
    # so a small MSS does not show here; a sender that writes one message in pieces does.
    c, s = pair(host, port)
    frame = struct.pack("!I", 250) + ("0123456789" * 25).encode()
    for piece in (frame[:100], frame[100:200], frame[200:]):
        c.sendall(piece)
        time.sleep(0.02)
    recv_message(s)
    send_message(s, b"ok")
    recv_message(c)
    c.close(); s.close()


def header_split(host, port):
    c, s = pair(host, port)
    frame = struct.pack("!I", 5) + b"hello"
    c.sendall(frame[:2])
    time.sleep(0.05)
    c.sendall(frame[2:])
    recv_message(s)
    c.close(); s.close()


def negative(host, port):
    c, s = pair(host, port)
    c.sendall(struct.pack("<i", 5) + b"hello")
    drain(s, 9)
    c.sendall(struct.pack("<i", -5) + b"oops!")
    drain(s, 9)
    c.close(); s.close()


def short(host, port):
    c, s = pair(host, port)
    c.sendall(struct.pack("!I", 100) + b"only ten b")
    drain(s, 14)
    c.close(); s.close()


def line_chat(host, port):
    c, s = pair(host, port)
    for text in [b"hello\n", b"how are you?\r\n", b"fine\nthanks\n"]:
        c.sendall(text)
        time.sleep(0.02)
    s.sendall(b"bye\n")
    drain(c, 4)
    c.sendall(b"Q\n")
    time.sleep(0.02)
    c.close(); s.close()


def udp_chat(host, port):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    server = socket.socket(family, socket.SOCK_DGRAM)
    server.bind((host, port))
    server.settimeout(5)
    client = socket.socket(family, socket.SOCK_DGRAM)
    client.settimeout(5)
    for text in ["hi over udp", "second datagram", "Q"]:
        client.sendto(text.encode(), (host, port))
        data, addr = server.recvfrom(65535)
        server.sendto(b"echo: " + data, addr)
        client.recvfrom(65535)
    client.close()
    server.close()


def icmp_unreachable(host, port):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    client = socket.socket(family, socket.SOCK_DGRAM)
    client.settimeout(1)
    client.connect((host, port))  # nothing listens there: the kernel answers with ICMP
    client.send(b"anyone there?")
    try:
        client.recv(100)
    except OSError:
        pass
    client.close()


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    kinds = {"tcp": tcp_chat, "udp": udp_chat, "icmp": icmp_unreachable, "sticky": sticky, "split": split,
             "header": header_split, "negative": negative, "short": short, "line": line_chat}
    p.add_argument("kind", choices=sorted(kinds))
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=9000)
    a = p.parse_args()
    assert a.host in ("127.0.0.1", "::1", "localhost"), "loopback only"
    kinds[a.kind](a.host, a.port)
