"""The realistic HTTP/1.1 "hello" ASGI app (hello_apps.py's) served by
pyuvnet.asgi as `pyuvnet serve` serves it: uvloop's asyncio loop with
pyuvnet's loop inside it, one process, lifespan off.

    pyuvnet_asgi_hello.py [PATH]
"""
import asyncio

from pyuvnet import aio, asgi
from pyuvnet.serve import run_loop

from common import HOST, announce, parse_args
from hello_apps import app


async def main(path):
    async with aio.attach():
        server = asgi.createServer(app, lifespan='off')
        server.listen(path) if path else server.listen(0, HOST)
        await aio.listening(server)
        announce(None if path else server.address().port)
        await asyncio.Event().wait()


if __name__ == '__main__':
    run_loop(main(parse_args('pyuvnet.asgi hello').path), 'auto')
