"""Helpers of the ASGI and WSGI tests: serve an app under pyuvnet.asgi (or
pyuvnet.wsgi) inside asyncio.run(), talk to it with asyncio's own streams
(so the client is not the code under test), and read responses off the
wire as bytes."""
import asyncio
import socket
import struct

from pyuvnet import aio, asgi

GET = b'GET / HTTP/1.1\r\nHost: example.org\r\n\r\n'
HEAD = b'HEAD / HTTP/1.1\r\nHost: example.org\r\n\r\n'
POST = (b'POST / HTTP/1.1\r\nHost: example.org\r\nContent-Type: application/json\r\n'
        b'Content-Length: 18\r\n\r\n{"hello": "world"}')
TIMEOUT = 20


def serve(app, client, module=asgi, listen=(0, '127.0.0.1'), **options):
    """Run ``await client(server)`` while ``module.createServer(app,
    options)`` listens (on a free port unless ``listen`` gives listen()'s
    arguments), then close the server and wait for its 'close'.  Returns
    the client's result."""
    async def main():
        async with aio.attach():
            server = module.createServer(app, options)
            server.listen(*listen)
            await aio.listening(server)
            try:
                return await client(server)
            finally:
                await aio.aclose(server)
    return asyncio.run(asyncio.wait_for(main(), TIMEOUT))


class LateEvent:
    """An asyncio.Event made at its first use, inside the running loop, for
    a test to share between its app and its client: Python 3.9's Event binds
    to the loop current when it is made, which outside asyncio.run() is not
    the loop the test runs."""

    def __init__(self):
        self._event = None

    def _made(self):
        if self._event is None:
            self._event = asyncio.Event()
        return self._event

    def set(self):
        self._made().set()

    async def wait(self):
        await self._made().wait()


async def connect(server):
    address = server.address()
    if isinstance(address, str):
        return await asyncio.open_unix_connection(address)
    return await asyncio.open_connection('127.0.0.1', address.port)


async def reset_after(server, first_bytes):
    """A connection that sends ``first_bytes`` and is then reset (RST, as
    HAProxy ends a server connection whose client left before it)."""
    _reader, writer = await connect(server)
    writer.get_extra_info('socket').setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                               struct.pack('ii', 1, 0))
    if first_bytes:
        writer.write(first_bytes)
        await writer.drain()
    await asyncio.sleep(0.05)
    writer.transport.abort()


async def read_response(reader, head_request=False):
    """(status, [(name, value)] as bytes with names lower-cased, body,
    raw bytes) of one response; a body framed by Content-Length, chunked
    or by the close.  Interim (1xx) responses are returned as they come."""
    raw = await reader.readuntil(b'\r\n\r\n')
    lines = raw[:-4].split(b'\r\n')
    status = int(lines[0].split(b' ')[1])
    headers = [tuple(part.strip() for part in line.split(b':', 1)) for line in lines[1:]]
    headers = [(name.lower(), value) for name, value in headers]
    names = dict(headers)
    body = b''
    if head_request or status < 200 or status in (204, 304):
        pass
    elif b'content-length' in names:
        body = await reader.readexactly(int(names[b'content-length']))
    elif names.get(b'transfer-encoding', b'').lower() == b'chunked':
        while True:
            size_line = await reader.readuntil(b'\r\n')
            raw += size_line
            size = int(size_line.split(b';')[0], 16)
            chunk = await reader.readexactly(size + 2)
            raw += chunk
            if size == 0:
                break
            body += chunk[:-2]
        return status, headers, body, raw
    else:
        body = await reader.read()
    return status, headers, body, raw + body


async def exchange(server, data, responses=1, head_request=False):
    """Send ``data`` on a new connection; the ``responses`` responses read
    (1xx ones included) and whether the server then closed the
    connection (EOF within a moment)."""
    reader, writer = await connect(server)
    writer.write(data)
    got = []
    for _ in range(responses):
        got.append(await read_response(reader, head_request))
    closed = await closed_soon(reader)
    writer.close()
    return got, closed


async def read_all(server, data):
    """Send ``data`` on a new connection; everything the server sends until
    it closes the connection."""
    reader, writer = await connect(server)
    writer.write(data)
    received = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    return received


async def closed_soon(reader, wait=0.3):
    """True when the peer closes (EOF or reset) within ``wait`` seconds."""
    try:
        rest = await asyncio.wait_for(reader.read(1), wait)
    except asyncio.TimeoutError:
        return False
    except ConnectionError:
        return True
    assert rest == b'', rest
    return True


def header(headers, name):
    """The values of ``name`` among a response's headers."""
    return [value for key, value in headers if key == name]


def text_app(body=b'Hello, world', status=200, headers=None):
    """An app answering every request with ``body`` (Content-Length set
    unless ``headers`` says otherwise), as Starlette's Response does."""
    head = [(b'content-type', b'text/plain')]
    if headers is None:
        head.append((b'content-length', b'%d' % len(body)))
    else:
        head += headers

    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        await send({'type': 'http.response.start', 'status': status, 'headers': head})
        await send({'type': 'http.response.body', 'body': body})
    return app


async def read_body(receive):
    """The whole request body, as an app reads it."""
    body = b''
    more = True
    while more:
        message = await receive()
        assert message['type'] == 'http.request', message
        body += message.get('body', b'')
        more = message.get('more_body', False)
    return body
