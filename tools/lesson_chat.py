#!/usr/bin/env python3
"""The first network-programming lesson's chat programs, used to make framescope's sample captures.

Run one scripted conversation and exit:
  lesson_chat.py tcp  --host 127.0.0.1 --port 9000    # length-framed TCP chat (struct.pack('!I', n))
  lesson_chat.py tcp  --host ::1       --port 9000
  lesson_chat.py udp  --host 127.0.0.1 --port 9001    # UDP chat: sendto / recvfrom
  lesson_chat.py icmp --host 127.0.0.1 --port 9002    # a datagram to a closed port: ICMP port unreachable

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
    p.add_argument("kind", choices=["tcp", "udp", "icmp"])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=9000)
    a = p.parse_args()
    assert a.host in ("127.0.0.1", "::1", "localhost"), "loopback only"
    {"tcp": tcp_chat, "udp": udp_chat, "icmp": icmp_unreachable}[a.kind](a.host, a.port)
