#!/usr/bin/env python3
"""The comparison for tools/bench/echo.sh: a minimal asyncio echo server with the lesson's '!I'
framing (struct.pack('!I', n) + body), read with readexactly. Prints the bound port alone on the
first line, like `framescope serve --port 0`.

    python3 tools/bench/py_echo_server.py [PORT]      # default 0: a free port
"""
import asyncio
import struct
import sys

MAX_MESSAGE = 65536


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            header = await reader.readexactly(4)
            (n,) = struct.unpack("!I", header)
            if n > MAX_MESSAGE:
                break
            body = await reader.readexactly(n)
            writer.write(header + body)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=256)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
