#!/usr/bin/env python3
"""The lesson's UDP chat server: recvfrom(1024) one datagram, print it, answer with what is typed;
no connection, no accept. The end of standard input (or Q) ends it.

    python3 tools/lesson/udp_server.py [PORT]        # default 9001; 0 picks a free port
"""
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 9001
sk = socket.socket(type=socket.SOCK_DGRAM)
sk.bind(('127.0.0.1', port))
sk.settimeout(30)
print('listening on', sk.getsockname()[1], flush=True)
while True:
    msg, addr = sk.recvfrom(1024)
    text = msg.decode('utf-8', 'replace')
    print(text, flush=True)
    if text.upper() == 'Q':
        break
    try:
        answer = input('>>> ')
    except EOFError:
        answer = 'Q'
    sk.sendto(answer.encode('utf-8'), addr)
    if answer.upper() == 'Q':
        break
sk.close()
