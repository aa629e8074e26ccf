#!/usr/bin/env python3
"""The lesson's UDP chat client: sendto what is typed, recvfrom(1024) the answer; Q ends.

    python3 tools/lesson/udp_client.py [PORT]        # default 9001
"""
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 9001
sk = socket.socket(type=socket.SOCK_DGRAM)
sk.settimeout(30)
while True:
    try:
        msg = input('>>> ')
    except EOFError:
        msg = 'Q'
    sk.sendto(msg.encode('utf-8'), ('127.0.0.1', port))
    if msg.upper() == 'Q':
        break
    ret, addr = sk.recvfrom(1024)
    text = ret.decode('utf-8', 'replace')
    print(text, flush=True)
    if text.upper() == 'Q':
        break
sk.close()
