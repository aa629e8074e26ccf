#!/usr/bin/env python3
"""The lesson's TCP chat server, as the lesson writes it: it speaks first, then waits for the
answer; bare UTF-8 text (no length header, no newline), one recv(1024) taken as one message;
either side types Q to end. One client, then it exits.

    python3 tools/lesson/tcp_server.py [PORT]        # default 9000; 0 picks a free port

What to type comes from standard input (a terminal, or a pipe: `printf '你好\nQ\n' | …`); the end
of standard input counts as Q. The port it listens on is printed first ("listening on 9000").
Every socket has a timeout, so the script always ends by itself.
"""
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
sk = socket.socket()
sk.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sk.bind(('127.0.0.1', port))
sk.listen()
sk.settimeout(30)
print('listening on', sk.getsockname()[1], flush=True)
conn, addr = sk.accept()
conn.settimeout(30)
while True:
    try:
        msg = input('>>> ')
    except EOFError:
        msg = 'Q'
    conn.send(msg.encode('utf-8'))
    if msg.upper() == 'Q':
        break
    ret = conn.recv(1024).decode('utf-8', 'replace')
    if not ret or ret.upper() == 'Q':
        break
    print(ret, flush=True)
conn.close()
sk.close()
