"""The realistic HTTP/1.1 "hello" server as an ASGI application under
uvicorn (uvloop and httptools, uvicorn's fast settings): the same
application as bench/servers/node_http.js ("/" says hello, a POST to "/"
gets its body's length, anything else is a 404), with uvicorn's keep-alive
and pipelining.

    uvicorn_hello.py [PATH]
"""
import asyncio
import socket
import sys

import uvicorn

from common import HOST, announce

HELLO = b'Hello, world!\n'
NOT_FOUND = b'Not found\n'


async def app(scope, receive, send):
    if scope['type'] != 'http':
        return
    if scope['method'] == 'POST' and scope['path'] == '/':
        length, more = 0, True
        while more:
            message = await receive()
            length += len(message.get('body', b''))
            more = message.get('more_body', False)
        found, body = True, b'%d\n' % length
    else:
        found = scope['path'] == '/' and scope['method'] in ('GET', 'HEAD')
        body = HELLO if found else NOT_FOUND
    await send({'type': 'http.response.start', 'status': 200 if found else 404,
                'headers': [(b'content-type', b'text/plain'),
                            (b'content-length', b'%d' % len(body))]})
    await send({'type': 'http.response.body', 'body': body})


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else None
    if path:
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(path)
    else:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, 0))
    sock.listen(511)
    config = uvicorn.Config(app, loop='uvloop', http='httptools', log_level='warning',
                            access_log=False, lifespan='off')
    server = uvicorn.Server(config)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    # Announced once the server is about to accept (as the other servers).
    loop.call_soon(announce, None if path else sock.getsockname()[1])
    loop.run_until_complete(server.serve(sockets=[sock]))


if __name__ == '__main__':
    main()
