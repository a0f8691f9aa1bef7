"""The realistic HTTP/1.1 "hello" server as an ASGI application under
uvicorn (uvloop and httptools, uvicorn's fast settings): hello_apps.py's
ASGI app, the same application as bench/servers/node_http.js, with
uvicorn's keep-alive and pipelining.

    uvicorn_hello.py [PATH]
"""
import asyncio
import sys

import uvicorn

from common import HOST, announce
from hello_apps import app

SETTINGS = dict(loop='uvloop', http='httptools', log_level='warning', access_log=False,
                lifespan='off')


def main():
    """Served as uvicorn's own command line serves it (``uvicorn --loop
    uvloop --http httptools``): uvicorn binds the TCP port itself and makes
    its loop with its own factory.  Handed a socket of ours instead, it ran
    on asyncio's default loop, and its accepted sockets lacked TCP_NODELAY
    (asyncio sets it only for a socket made with proto IPPROTO_TCP): its
    head and body, two sends, waited for the client's delayed ACK, 40 ms
    per keep-alive request."""
    path = sys.argv[1] if len(sys.argv) > 1 else None
    if path:
        config = uvicorn.Config(app, uds=path, **SETTINGS)
    else:
        config = uvicorn.Config(app, host=HOST, port=0, **SETTINGS)
    server = uvicorn.Server(config)

    async def serve_and_announce():
        serving = asyncio.ensure_future(server.serve())
        while not server.started:
            if serving.done():
                return await serving       # failed to start: its error
            await asyncio.sleep(0.005)
        announce(None if path else server.servers[0].sockets[0].getsockname()[1])
        await serving

    loop = config.get_loop_factory()()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(serve_and_announce())


if __name__ == '__main__':
    main()
