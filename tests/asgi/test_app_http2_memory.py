"""An HTTP/2 connection to an ASGI or WSGI server is freed when it closes,
not by the cyclic gc (issue 60): with gc disabled, the connection's
socket, its session, the request streams and what the server made for
each (the ASGI cycle, WSGI's wsgi.input) are gone once the client has
closed the connection. Each was held in a loop before: the session by
its own listeners, the socket through its session, a stream whose
response ended as the client closed it by its 'finish' listener, and an
uploaded body's input by the stream's listeners."""
import asyncio
import gc
import weakref

import h2.config
import h2.connection
import h2.events
import pytest

from pyuvnet import asgi, wsgi
from asgi_support import serve

pytestmark = pytest.mark.timeout(60)

ROUNDS = 3
UPLOAD = (b'a' * 1000, b'b' * 1000)


async def exchange(port, upload, on_response):
    """One h2c connection (the h2 library's client): a GET, or a POST of
    ``upload``'s parts in two turns; ``on_response()`` once the response
    ended, then the connection closed with GOAWAY. Its status and body."""
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    conn.initiate_connection()
    headers = [(':method', 'POST' if upload else 'GET'), (':path', '/'),
               (':scheme', 'http'), (':authority', '127.0.0.1')]
    conn.send_headers(1, headers, end_stream=not upload)
    for i, part in enumerate(upload):
        conn.send_data(1, part, end_stream=i == len(upload) - 1)
        writer.write(conn.data_to_send())
        await asyncio.sleep(0.02)
    writer.write(conn.data_to_send())
    status, body, ended = None, b'', False
    while not ended:
        data = await reader.read(65536)
        assert data, 'the server closed before the response ended'
        for event in conn.receive_data(data):
            if isinstance(event, h2.events.ResponseReceived):
                status = dict(event.headers)[b':status']
            elif isinstance(event, h2.events.DataReceived):
                body += event.data
            elif isinstance(event, h2.events.StreamEnded):
                ended = True
        writer.write(conn.data_to_send())
    on_response()
    conn.close_connection()
    writer.write(conn.data_to_send())
    writer.close()
    await writer.wait_closed()
    return status, body


class Watched:
    """Weak references to what a server made for its connections: each
    object counted once, and those still alive."""

    def __init__(self):
        self.seen = 0
        self.objects = weakref.WeakSet()

    def add(self, obj):
        if obj not in self.objects:
            self.seen += 1
            self.objects.add(obj)

    def alive(self):
        return sorted(type(obj).__name__ for obj in self.objects)


def alive_after_rounds_without_gc(app, module, upload, watched):
    """ROUNDS connections one after another to ``module``'s server of
    ``app``, with the cyclic gc off; the server's sockets and sessions
    watched too. The answers, and what is alive once they closed."""
    async def client(server):
        def sessions():
            for session in server._h2_sessions:
                watched.add(session)
        server.on('connection', watched.add)
        answers = [await exchange(server.address().port, upload, sessions)
                   for _ in range(ROUNDS)]
        for _ in range(300):        # the server's side closes a few turns later
            if not watched.alive():
                break
            await asyncio.sleep(0.01)
        return answers, watched.alive()

    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        return serve(app, client, module=module)
    finally:
        if enabled:
            gc.enable()


@pytest.mark.parametrize('upload', [(), UPLOAD], ids=['get', 'post'])
def test_an_asgi_connections_objects_are_freed_at_close_without_the_gc(upload):
    watched = Watched()

    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        watched.add(receive.__self__)
        size, more = 0, True
        while more:
            message = await receive()
            size += len(message.get('body', b''))
            more = message.get('more_body', False)
        await send({'type': 'http.response.start', 'status': 200})
        await send({'type': 'http.response.body', 'body': b'%d' % size})

    answers, alive = alive_after_rounds_without_gc(app, asgi, upload, watched)
    assert answers == [(b'200', b'%d' % sum(map(len, upload)))] * ROUNDS
    # Per round: the socket, the session and the cycle.
    assert watched.seen == 3 * ROUNDS
    assert alive == []


@pytest.mark.parametrize('upload', [(), UPLOAD], ids=['get', 'post'])
def test_a_wsgi_connections_objects_are_freed_at_close_without_the_gc(upload):
    watched = Watched()

    def app(environ, start_response):
        body = environ['wsgi.input']
        if upload:
            watched.add(body)       # a StreamInput: the body is streamed
        size = len(body.read())
        start_response('200 OK', [])
        return [b'%d' % size]

    answers, alive = alive_after_rounds_without_gc(app, wsgi, upload, watched)
    assert answers == [(b'200', b'%d' % sum(map(len, upload)))] * ROUNDS
    # Per round: the socket, the session and, with a body, its input.
    assert watched.seen == (3 if upload else 2) * ROUNDS
    assert alive == []
