"""The realistic HTTP/1.1 "hello" app as WSGI ("/" says hello, a POST to
"/" gets its body's length, anything else is a 404) served by
pyuvnet.wsgi with threads: 0 (the app on the loop's thread), as
`pyuvnet serve --threads 0` serves it.

    pyuvnet_wsgi_hello.py [PATH] [--threads N]
"""
import asyncio

from pyuvnet import aio, wsgi
from pyuvnet.serve import run_loop

from common import HOST, announce, parse_args

HELLO = b'Hello, world!\n'


def app(environ, start_response):
    if environ['REQUEST_METHOD'] == 'POST' and environ['PATH_INFO'] == '/':
        body = b'%d\n' % len(environ['wsgi.input'].read())
        status = '200 OK'
    elif environ['PATH_INFO'] == '/' and environ['REQUEST_METHOD'] in ('GET', 'HEAD'):
        body, status = HELLO, '200 OK'
    else:
        body, status = b'Not found\n', '404 Not Found'
    start_response(status, [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])
    return [body]


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
