"""The request body under pyuvnet.asgi and pyuvnet.wsgi is read ahead no
further than a high-water mark plus the read under way, however slowly
the app reads it: receive() takes what waits in the request's own buffer
(pyuvnet/uv/asgi/http1_cycle.pyx, BodyAsked as the request's BodyWatch) and
wsgi.input what its StreamInput holds; the rest stays in the client."""
import asyncio
import time

from pyuvnet import wsgi

from asgi_support import connect, read_response, serve, text_app

MiB = 1 << 20
MARK = 65536                # readableHighWaterMark
READ = 256 << 10            # the most one read brings (the loop's buffer)
SIZE = 4 * MiB


async def upload(server, size=SIZE, requests=None):
    """POST ``size`` bytes, the request captured in ``requests`` by a
    'request' listener put before the server's own; the answer's body."""
    if requests is not None:
        server.prependListener('request', lambda req, res: requests.append(req))
    reader, writer = await connect(server)
    writer.write(b'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n' % size)
    writer.write(b'u' * size)
    status, headers, body, raw = await read_response(reader)
    writer.close()
    return body


def test_a_slow_asgi_app_holds_no_more_than_the_mark_and_one_read():
    requests, held, pieces = [], [], []

    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        more = True
        while more:
            await asyncio.sleep(0.01)
            req = requests[0]
            # What the request holds for the app, and what the socket read
            # beyond what the app took (its own buffer included).
            held.append((req.readableLength, req.socket.bytesRead - sum(pieces)))
            message = await receive()
            pieces.append(len(message['body']))
            more = message['more_body']
        await text_app(b'%d' % sum(pieces))(scope, receive, send)

    body = serve(app, lambda server: upload(server, requests=requests))
    assert body == b'%d' % SIZE
    assert len(pieces) > SIZE // (MARK + READ)     # it came in many receive()s
    assert max(pieces) <= MARK + READ
    assert max(length for length, _ in held) <= MARK + READ
    # The request's buffer and the socket's (each a mark and a read), and
    # the head.
    assert max(ahead for _, ahead in held) <= 2 * (MARK + READ) + 1024


def test_a_slow_wsgi_app_on_a_thread_holds_no_more_than_the_mark_and_one_read():
    requests, held, pieces = [], [], []

    def app(environ, start_response):
        body = environ['wsgi.input']
        while True:
            time.sleep(0.01)
            req = requests[0]
            held.append((len(body._buffer), req.readableLength))
            piece = body.read1(MARK)
            if not piece:
                break
            pieces.append(len(piece))
        start_response('200 OK', [('Content-Length', str(len(b'%d' % sum(pieces))))])
        return [b'%d' % sum(pieces)]

    body = serve(app, lambda server: upload(server, requests=requests), module=wsgi, threads=1)
    assert body == b'%d' % SIZE
    assert max(buffered for buffered, _ in held) <= MARK + READ
    assert max(waiting for _, waiting in held) <= MARK + READ


def test_an_asgi_app_that_answers_early_leaves_the_rest_to_be_dropped():
    """After one receive() the app answers: the rest of a large body is read
    and dropped, and the connection serves its next request."""
    async def app(scope, receive, send):
        if scope['method'] == 'POST':
            assert (await receive())['more_body']
        await text_app(b'early')(scope, receive, send)

    async def client(server):
        reader, writer = await connect(server)
        writer.write(b'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n' % SIZE)
        writer.write(b'v' * (MARK * 2))
        first = await read_response(reader)
        writer.write(b'v' * (SIZE - MARK * 2))
        writer.write(b'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
        second = await read_response(reader)
        writer.close()
        return first[2], second[2]
    assert serve(app, client) == (b'early', b'early')
