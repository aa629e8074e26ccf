#!/usr/bin/env python3
"""The lesson's TCP chat client: it waits for the server's words, prints them, answers; bare
UTF-8 text, recv(1024), Q ends.

    python3 tools/lesson/tcp_client.py [PORT]        # default 9000

What to type comes from standard input (the end of it counts as Q).
"""
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
sk = socket.socket()
sk.settimeout(30)
sk.connect(('127.0.0.1', port))
while True:
    ret = sk.recv(1024).decode('utf-8', 'replace')
    if not ret or ret.upper() == 'Q':
        break
    print(ret, flush=True)
    try:
        msg = input('>>> ')
    except EOFError:
        msg = 'Q'
    sk.send(msg.encode('utf-8'))
    if msg.upper() == 'Q':
        break
sk.close()
