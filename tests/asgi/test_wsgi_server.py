"""pyuvnet.wsgi: PEP 3333's environ and start_response, wsgi.input and the
response streamed, the threads, and gunicorn's behaviour where PEP 3333 is
silent (gunicorn/http/wsgi.py; its tests/test_http.py and
tests/requests/ for the environ)."""
import asyncio
import hashlib
import threading
import time

import pytest

from pyuvnet import http, wsgi
from asgi_support import GET, HEAD, connect, exchange, header, read_all, read_response, serve

pytestmark = pytest.mark.timeout(30)
MiB = 1024 * 1024


def hello(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', '5')])
    return [b'hello']


def run(app, data, responses=1, head_request=False, **options):
    async def client(server):
        return await exchange(server, data, responses, head_request)
    return serve(app, client, module=wsgi, **options)


@pytest.fixture(params=[1, 0], ids=['threads=1', 'threads=0'])
def threads(request):
    return request.param


def test_create_server_is_an_http_server():
    assert isinstance(wsgi.createServer(hello), http.Server)
    assert wsgi.create_server is wsgi.createServer


def test_hello(threads):
    responses, closed = run(hello, GET, threads=threads)
    status, headers, body, raw = responses[0]
    assert status == 200 and body == b'hello'
    assert header(headers, b'content-type') == [b'text/plain']
    assert not closed


def test_a_request_after_an_h2c_upgrade_in_the_same_read_is_answered(threads):
    # gunicorn 27 (audit t29, h2c_get): the upgrade is not taken, the GET is
    # a plain request, and the request written right behind it is answered
    # too (Node's http leaves the rest of that read unparsed).
    h2c = (b'GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\n'
           b'Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n')
    responses, closed = run(hello, h2c + GET, responses=2, threads=threads)
    assert [(status, body) for status, headers, body, raw in responses] == [
        (200, b'hello'), (200, b'hello')]


def test_environ(threads):
    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        seen['input'] = environ['wsgi.input'].read()
        return hello(environ, start_response)
    data = (b'POST /mount/caf%C3%A9/%2F?x=1&y=%20 HTTP/1.1\r\nHost: example.org:8080\r\n'
            b'Content-Type: text/plain\r\nContent-Length: 3\r\nX-Two: a\r\nx-two: b\r\n'
            b'X_Under: dropped\r\n\r\nabc')
    run(app, data, threads=threads, rootPath='/mount')
    assert seen['REQUEST_METHOD'] == 'POST'
    assert seen['SCRIPT_NAME'] == '/mount'
    # Unquoted, as latin-1 of the bytes (PEP 3333's "native strings").
    assert seen['PATH_INFO'] == '/caf\xc3\xa9//'
    assert seen['QUERY_STRING'] == 'x=1&y=%20'
    assert seen['CONTENT_TYPE'] == 'text/plain'
    assert seen['CONTENT_LENGTH'] == '3'
    assert seen['HTTP_HOST'] == 'example.org:8080'
    assert seen['HTTP_X_TWO'] == 'a,b'
    assert 'HTTP_X_UNDER' not in seen and 'HTTP_X-UNDER' not in seen
    assert seen['SERVER_PROTOCOL'] == 'HTTP/1.1'
    assert seen['SERVER_NAME'] == '127.0.0.1'
    assert int(seen['SERVER_PORT']) > 0
    assert seen['REMOTE_ADDR'] == '127.0.0.1'
    assert seen['wsgi.version'] == (1, 0)
    assert seen['wsgi.url_scheme'] == 'http'
    assert seen['wsgi.multithread'] is False
    assert seen['wsgi.multiprocess'] is False
    assert seen['wsgi.run_once'] is False
    assert seen['input'] == b'abc'
    for key, value in seen.items():
        if key.isupper():
            assert type(value) is str, key


def test_no_length_is_chunked_and_streamed(threads):
    def app(environ, start_response):
        start_response('200 OK', [])
        yield b'one'
        yield b''
        yield b'two'
    (status, headers, body, raw), = run(app, GET, threads=threads)[0]
    assert header(headers, b'transfer-encoding') == [b'chunked']
    assert body == b'onetwo'


def test_head_has_no_body(threads):
    async def client(server):
        reader, writer = await connect(server)
        writer.write(HEAD + GET)
        first = await read_response(reader, head_request=True)
        second = await read_response(reader)
        writer.close()
        return first, second
    first, second = serve(hello, client, module=wsgi, threads=threads)
    assert first[0] == 200 and header(first[1], b'content-length') == [b'5']
    assert second[2] == b'hello'


def test_write_callable(threads):
    def app(environ, start_response):
        write = start_response('200 OK', [('Content-Length', '6')])
        write(b'abc')
        return [b'def']
    (status, headers, body, raw), = run(app, GET, threads=threads)[0]
    assert body == b'abcdef'


def test_exception_before_start_is_500(threads, caplog):
    def app(environ, start_response):
        raise ValueError('boom')
    responses, closed = run(app, GET, threads=threads)
    assert responses[0][0] == 500
    assert closed
    assert 'boom' in caplog.text


def test_exception_after_body_started_closes(threads):
    def app(environ, start_response):
        start_response('200 OK', [])
        yield b'part'
        raise ValueError('late')

    data = serve(app, lambda server: read_all(server, GET), module=wsgi, threads=threads)
    assert data.startswith(b'HTTP/1.1 200 OK')
    assert not data.endswith(b'0\r\n\r\n')


def test_exc_info_replaces_the_head_before_it_is_sent(threads):
    def app(environ, start_response):
        start_response('200 OK', [])
        try:
            raise KeyError('x')
        except KeyError:
            import sys
            start_response('503 Service Unavailable', [('Content-Length', '4')], sys.exc_info())
        return [b'busy']
    (status, headers, body, raw), = run(app, GET, threads=threads)[0]
    assert status == 503 and body == b'busy'


def test_close_is_called(threads):
    closed = []

    class Body:
        def __iter__(self):
            yield b'hello'

        def close(self):
            closed.append(True)

    def app(environ, start_response):
        start_response('200 OK', [('Content-Length', '5')])
        return Body()
    run(app, GET, threads=threads)
    assert closed == [True]


def test_longer_than_content_length_is_cut(threads):
    def app(environ, start_response):
        start_response('200 OK', [('Content-Length', '3')])
        return [b'abcdef']
    (status, headers, body, raw), = run(app, GET * 2, responses=2, threads=threads)[0][:1]
    assert body == b'abc'


def test_streamed_input_is_not_buffered_whole():
    """A 32 MiB upload read in 64 KiB pieces by a slow app: the server
    holds no more than about 64 KiB plus a read ahead of the app."""
    size = 32 * MiB
    seen = []

    def app(environ, start_response):
        body = environ['wsgi.input']
        total = 0
        while True:
            piece = body.read(65536)
            if not piece:
                break
            total += len(piece)
            seen.append(len(body._buffer))
        start_response('200 OK', [('Content-Length', str(len(str(total))))])
        return [str(total).encode()]

    async def client(server):
        reader, writer = await connect(server)
        writer.write(b'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n' % size)
        writer.write(b'x' * size)
        response = await read_response(reader)
        writer.close()
        return response
    status, headers, body, raw = serve(app, client, module=wsgi)
    assert body == str(size).encode()
    assert max(seen) < 4 * MiB


@pytest.mark.parametrize('size, on_loop', [(65536, True), (65537, False)])
def test_threads_0_gathers_a_small_body_then_runs_the_app_on_the_loop(size, on_loop):
    """threads: 0 with a body that comes after its head: up to 64 KiB it
    is gathered and the app runs on the loop's thread (wsgi.input a whole
    BytesIO); a longer one is streamed to a thread as before."""
    seen = []

    def app(environ, start_response):
        seen.append((threading.current_thread() is threading.main_thread(),
                     environ['wsgi.input'].read()))
        start_response('200 OK', [('Content-Length', '2')])
        return [b'ok']

    async def client(server):
        reader, writer = await connect(server)
        writer.write(b'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n' % size)
        for piece in range(0, size, 20000):
            await asyncio.sleep(0.02)
            writer.write(bytes([piece % 251]) * min(20000, size - piece))
        response = await read_response(reader)
        writer.close()
        return response
    status, headers, body, raw = serve(app, client, module=wsgi, threads=0)
    assert status == 200 and body == b'ok'
    (loop_thread, data), = seen
    assert loop_thread is on_loop
    last = (size - 1) // 20000 * 20000 % 251     # the byte of the last piece
    assert len(data) == size and data[:1] == b'\x00' and data[-1:] == bytes([last])


def test_a_64_kib_body_read_whole_then_the_next_keep_alive_request_is_answered(threads):
    """Audit t37/t38 (serve --threads 4): a request whose body, exactly
    the 64 KiB high-water mark, was all in when it was dispatched had
    stopped the socket, and the app's read of that ended body never
    started it again: the next request on the connection was read but not
    parsed until the keep-alive timeout closed the connection.  Here the
    second request is that one (after a large body the server reads the
    next head alone, then the body whole: http/parser.pyx), and the third
    is answered.  (threads: 0 took that body in C, which restarted the
    socket.)"""
    at_dispatch = []

    def app(environ, start_response):
        digest = hashlib.sha256(environ['wsgi.input'].read()).hexdigest().encode()
        start_response('200 OK', [('Content-Length', str(len(digest)))])
        return [digest]

    async def client(server):
        server.prependListener('request', lambda req, res: at_dispatch.append(req.readableLength))
        reader, writer = await connect(server)
        digests = []
        for size in (65536, 65536, 100):
            body = (bytes(range(256)) * (size // 256 + 1))[:size]
            writer.write(b'POST /sha HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n'
                         % size + body)
            # All in the kernel before the server's loop (this thread's)
            # reads it.
            assert writer.transport.get_write_buffer_size() == 0
            status, headers, answer, raw = await read_response(reader)
            digests.append((answer, hashlib.sha256(body).hexdigest().encode()))
        writer.close()
        return digests
    digests = serve(app, client, module=wsgi, threads=threads)
    # The second body whole at its dispatch, as the audit's.
    assert len(at_dispatch) == 3 and at_dispatch[1] == 65536
    assert [answer == want for answer, want in digests] == [True, True, True]


def test_readline_and_iteration():
    lines = []

    def app(environ, start_response):
        body = environ['wsgi.input']
        lines.append(body.readline())
        lines.append(body.readline(2))
        lines.extend(body)
        return hello(environ, start_response)
    data = b'a\nbcd\ne'
    run(app, b'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n'
        b'%x\r\n%s\r\n0\r\n\r\n' % (len(data), data))
    assert lines == [b'a\n', b'bc', b'd\n', b'e']


def test_response_streams_while_the_client_reads_slowly(threads):
    chunk = b'z' * (256 * 1024)
    drawn = []

    def app(environ, start_response):
        start_response('200 OK', [('Content-Length', str(len(chunk) * 64))])
        for i in range(64):
            drawn.append(i)
            yield chunk

    async def client(server):
        reader, writer = await connect(server)
        writer.write(GET)
        await asyncio.sleep(0.5)
        progress = len(drawn)
        response = await read_response(reader)
        writer.close()
        return progress, len(response[2])
    progress, length = serve(app, client, module=wsgi, threads=threads)
    assert progress < 56
    assert length == len(chunk) * 64


def test_a_blocking_app_does_not_stall_other_connections():
    release = threading.Event()

    def app(environ, start_response):
        if environ['PATH_INFO'] == '/slow':
            release.wait(10)
        return hello(environ, start_response)

    async def client(server):
        slow_reader, slow_writer = await connect(server)
        slow_writer.write(b'GET /slow HTTP/1.1\r\nHost: x\r\n\r\n')
        await asyncio.sleep(0.1)
        start = time.monotonic()
        responses, closed = await exchange(server, GET)
        fast = time.monotonic() - start
        release.set()
        slow = await read_response(slow_reader)
        slow_writer.close()
        return fast, responses[0][2], slow[2]
    fast, body, slow = serve(app, client, module=wsgi, threads=2)
    assert body == slow == b'hello'
    assert fast < 5


def test_expect_100_continue_when_the_app_reads():
    def app(environ, start_response):
        data = environ['wsgi.input'].read()
        start_response('200 OK', [('Content-Length', str(len(data)))])
        return [data]

    async def client(server):
        reader, writer = await connect(server)
        writer.write(b'POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n'
                     b'Content-Length: 3\r\n\r\n')
        interim = await read_response(reader)
        writer.write(b'abc')
        final = await read_response(reader)
        writer.close()
        return interim, final
    interim, final = serve(app, client, module=wsgi)
    assert interim[0] == 100
    assert final[2] == b'abc'


def test_options_checked():
    with pytest.raises(Exception) as info:
        wsgi.createServer(hello, threads=-1)
    assert info.value.code == 'ERR_OUT_OF_RANGE'
    with pytest.raises(Exception) as info:
        wsgi.createServer(hello, lifespan='on')
    assert info.value.code == 'ERR_INVALID_ARG_VALUE'


def test_client_leaving_mid_stream_closes_the_iterable(threads):
    """The client goes while the response waits for it: the iterable is
    closed (PEP 3333) and no more of it is drawn."""
    chunk = b'q' * (256 * 1024)
    drawn = []
    closed = threading.Event()

    class Body:
        def __iter__(self):
            for i in range(400):
                drawn.append(i)
                yield chunk

        def close(self):
            closed.set()

    def app(environ, start_response):
        start_response('200 OK', [])
        return Body()

    async def client(server):
        reader, writer = await connect(server)
        writer.write(GET)
        await reader.readexactly(1000)
        writer.transport.abort()
        for _ in range(200):
            if closed.is_set():
                break
            await asyncio.sleep(0.02)
    serve(app, client, module=wsgi, threads=threads)
    assert closed.is_set()
    assert len(drawn) < 400
