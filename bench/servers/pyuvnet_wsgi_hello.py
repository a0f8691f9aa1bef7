"""The realistic HTTP/1.1 "hello" app as WSGI (hello_apps.py's) served by
pyuvnet.wsgi with threads: 0 (the app on the loop's thread), as
`pyuvnet serve --threads 0` serves it.

    pyuvnet_wsgi_hello.py [PATH] [--threads N]
"""
import asyncio

from pyuvnet import aio, wsgi
from pyuvnet.serve import run_loop

from common import HOST, announce, parse_args
from hello_apps import wsgi_app as app


async def main(args):
    async with aio.attach():
        server = wsgi.createServer(app, threads=args.threads)
        server.listen(args.path) if args.path else server.listen(0, HOST)
        await aio.listening(server)
        announce(None if args.path else server.address().port)
        await asyncio.Event().wait()


if __name__ == '__main__':
    run_loop(main(parse_args('pyuvnet.wsgi hello', (('--threads',), {'type': int, 'default': 0}))),
             'auto')
