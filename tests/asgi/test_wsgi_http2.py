"""WSGI apps over HTTP/2 (pyuvnet/uv/wsgi/h2_call.pyx, pyuvnet/wsgi/
_http2.py): the environ of an h2c stream, its body streamed to the app's
thread, the answer to curl and httpx, a client that never reads holding
the app's thread, not memory; start_response, write() and the iterable run
by the one WsgiCall of both protocols, with HTTP/1.1's (gunicorn's) rules."""
import asyncio
import json
import socket
import threading

import pytest

from pyuvnet import _uv, http2, wsgi
from asgi_support import serve
from support import recv_all
from test_asgi_http2 import (CURL, h2_answer, h2_status, h2c_get_bytes, port_of, run_child,
                             settled)

pytestmark = pytest.mark.timeout(60)


def environ_app(environ, start_response):
    body = environ['wsgi.input'].read()
    answer = json.dumps({
        'protocol': environ['SERVER_PROTOCOL'], 'method': environ['REQUEST_METHOD'],
        'path': environ['PATH_INFO'], 'script': environ['SCRIPT_NAME'],
        'query': environ['QUERY_STRING'], 'host': environ.get('HTTP_HOST'),
        'type': environ.get('CONTENT_TYPE'), 'x_one': environ.get('HTTP_X_ONE'),
        'size': len(body), 'scheme': environ['wsgi.url_scheme'],
    }).encode()
    start_response('201 Created', [('Content-Type', 'application/json'),
                                   ('Content-Length', str(len(answer)))])
    return [answer]


@pytest.mark.skipif(CURL is None, reason='curl is not installed')
def test_curl_prior_knowledge_runs_a_wsgi_app():
    async def client(server):
        url = 'http://127.0.0.1:%d/api/items%%2F1?q=2' % port_of(server)
        h2 = await run_child(CURL, '-sS', '-i', '--http2-prior-knowledge', '-H', 'X-One: 1',
                             '-H', 'Content-Type: text/plain', '--data-binary', 'body!', url)
        h1 = await run_child(CURL, '-sS', '--http1.1', url)
        return h2, h1, port_of(server)
    (code, out, err), (code1, out1, err1), port = serve(environ_app, client, module=wsgi,
                                                        rootPath='/api', threads=2)
    assert code == 0, err
    head, body = out.split('\r\n\r\n', 1)
    assert head.startswith('HTTP/2 201')
    seen = json.loads(body)
    assert seen['protocol'] == 'HTTP/2' and seen['method'] == 'POST'
    assert (seen['script'], seen['path'], seen['query']) == ('/api', '/items/1', 'q=2')
    assert seen['host'] == '127.0.0.1:%d' % port      # :authority
    assert (seen['type'], seen['x_one'], seen['size']) == ('text/plain', '1', 5)
    assert code1 == 0, err1
    assert json.loads(out1)['protocol'] == 'HTTP/1.1'


def test_httpx_streams_share_the_threads():
    httpx = pytest.importorskip('httpx')
    pytest.importorskip('h2')

    async def client(server):
        base = 'http://127.0.0.1:%d' % port_of(server)
        async with httpx.AsyncClient(http1=False, http2=True) as c:
            return await asyncio.gather(*[c.post(base + '/w%d' % i, content=b'q' * 1000 * i)
                                          for i in range(20)])
    answers = serve(environ_app, client, module=wsgi, threads=4)
    assert {answer.status_code for answer in answers} == {201}
    assert [answer.json()['size'] for answer in answers] == [1000 * i for i in range(20)]


def test_a_failing_wsgi_app_gets_500_over_http2():
    def app(environ, start_response):
        raise ValueError('broken')

    assert serve(app, lambda server: h2_status(port_of(server)), module=wsgi) == 500


def test_a_client_that_never_reads_holds_the_wsgi_thread_not_memory():
    produced = []

    def app(environ, start_response):
        start_response('200 OK', [])

        def body():
            for _ in range(1024):           # 64 MiB, were it read
                produced.append(65536)
                yield b'w' * 65536
        return body()

    async def client(server):
        loop = asyncio.get_running_loop()
        sock = socket.create_connection(('127.0.0.1', port_of(server)))
        sock.setblocking(False)
        await loop.sock_sendall(sock, h2c_get_bytes())
        total = await settled(lambda: sum(produced))
        sock.close()
        return total
    assert serve(app, client, module=wsgi) < 2 * 1024 * 1024


def one_request_environ(environ, start_response):
    # The environ as text: what a request of either protocol makes of it.
    environ['wsgi.input'].read()
    seen = {key: value for key, value in environ.items() if isinstance(value, str)}
    answer = json.dumps(seen).encode()
    start_response('200 OK', [('Content-Length', str(len(answer)))])
    return [answer]


def h1_environ(port, target, fields):
    with socket.create_connection(('127.0.0.1', port), 10) as sock:
        sock.sendall(b'GET %s HTTP/1.1\r\nConnection: close\r\n%s\r\n' % (target, b''.join(
            b'%s: %s\r\n' % field for field in fields)))
        return json.loads(recv_all(sock).partition(b'\r\n\r\n')[2])


def h2_environ(port, target, fields, authority):
    import h2.config
    import h2.connection
    import h2.events
    connection = h2.connection.H2Connection(h2.config.H2Configuration(
        client_side=True, validate_outbound_headers=False))
    connection.initiate_connection()
    connection.send_headers(1, [(b':method', b'GET'), (b':scheme', b'http'),
                                (b':authority', authority), (b':path', target)] + list(fields),
                            end_stream=True)
    body = b''
    with socket.create_connection(('127.0.0.1', port), 10) as sock:
        sock.sendall(connection.data_to_send())
        while True:
            chunk = sock.recv(65536)
            assert chunk, body
            for event in connection.receive_data(chunk):
                if isinstance(event, h2.events.DataReceived):
                    body += event.data
                    connection.acknowledge_received_data(len(event.data), 1)
                elif isinstance(event, h2.events.StreamEnded):
                    return json.loads(body)
            sock.sendall(connection.data_to_send())


def test_one_builder_makes_the_environ_of_both_protocols():
    pytest.importorskip('h2')
    # Joined repeats, a dropped underscore name, the root path taken off,
    # %-escapes, X-Forwarded-* from a trusted peer: the same environ,
    # but for what is the protocol's own.
    target = b'/api/a%20b?x=1'
    fields = [(b'x-a', b'1'), (b'x-a', b'2'), (b'x_b', b'3'), (b'content-type', b'text/plain'),
              (b'x-forwarded-proto', b'https')]

    async def client(server):
        port = port_of(server)
        loop = asyncio.get_running_loop()
        h1 = await loop.run_in_executor(None, h1_environ, port, target,
                                        [(b'host', b'a.example')] + fields)
        h2 = await loop.run_in_executor(None, h2_environ, port, target, fields, b'a.example')
        return h1, h2
    h1, h2 = serve(one_request_environ, client, module=wsgi, rootPath='/api', threads=2)
    own = ('SERVER_PROTOCOL', 'REMOTE_PORT', 'HTTP_CONNECTION')
    assert {k: v for k, v in h1.items() if k not in own} == \
        {k: v for k, v in h2.items() if k not in own}
    assert (h1['SERVER_PROTOCOL'], h2['SERVER_PROTOCOL']) == ('HTTP/1.1', 'HTTP/2')
    assert (h2['PATH_INFO'], h2['HTTP_X_A'], h2['HTTP_HOST']) == ('/a b', '1,2', 'a.example')
    assert h2['wsgi.url_scheme'] == 'https' and 'HTTP_X_B' not in h2


def test_a_host_header_beside_the_authority_is_http_host_alone():
    pytest.importorskip('h2')

    async def client(server):
        return await asyncio.get_running_loop().run_in_executor(
            None, h2_environ, port_of(server), b'/', [(b'host', b'b.example')], b'a.example')
    # (RFC 9113 8.3.1: the two should agree; a host given wins, as the
    # HTTP/1.1 request's would, and is not joined to the authority.)
    assert serve(one_request_environ, client, module=wsgi)['HTTP_HOST'] == 'b.example'


def test_a_wsgi_request_over_http2_is_the_request_sinks_stream_not_an_http2stream():
    # The seam (uv/http2/request_sink.pxd): the session's core hands the
    # request to the WSGI server's sink, with no Http2Stream and no
    # 'stream' listener.
    running, answered = threading.Event(), threading.Event()

    def app(environ, start_response):
        running.set()
        answered.wait(10)
        start_response('200 OK', [('Content-Length', '2')])
        return [b'ok']

    async def client(server):
        seen = asyncio.ensure_future(h2_answer(port_of(server)))
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, running.wait, 10)
        session, = server._h2_sessions
        kinds = [type(stream) for stream in session._streams.values()]
        listeners = session.listenerCount('stream')
        answered.set()
        return kinds, listeners, await seen
    kinds, listeners, seen = serve(app, client, module=wsgi)
    assert (kinds, listeners) == ([_uv.WsgiH2Stream], 0)
    assert (seen['headers'][':status'], seen['body'], seen['ended']) == (200, b'ok', True)


def test_start_response_over_http2_keeps_http1s_rules():
    # gunicorn's, as over HTTP/1.1 (test_wsgi_gunicorn_ports.py): what goes
    # past a Content-Length is not sent; a 204 drops it; a header name
    # that is no token is refused in start_response(), the client's 500.
    def app(environ, start_response):
        path = environ['PATH_INFO']
        if path == '/long':
            start_response('200 OK', [('Content-Length', '5')])
            return [b'hello', b' world']
        if path == '/none':
            start_response('204 No Content', [('Content-Length', '3'), ('X-A', '1')])
            return [b'abc']
        start_response('200 OK', [('Bad Name', 'x')])
        return [b'never']

    async def client(server):
        port = port_of(server)
        return [await h2_answer(port, path) for path in ('/long', '/none', '/bad')]
    long, none, bad = serve(app, client, module=wsgi)
    assert (long['headers']['content-length'], long['body'], long['ended']) == ('5', b'hello', True)
    assert none['headers'][':status'] == 204 and 'content-length' not in none['headers']
    assert (none['headers']['x-a'], none['body']) == ('1', b'')
    assert (bad['headers'][':status'], bad['body']) == (500, b'Internal Server Error')


def test_the_write_callable_and_the_iterable_share_the_http2_stream():
    def app(environ, start_response):
        write = start_response('200 OK', [('Content-Type', 'text/plain')])
        write(b'one,')
        write(b'two,')
        return iter([b'three'])

    seen = serve(app, lambda server: h2_answer(port_of(server)), module=wsgi)
    assert (seen['headers'][':status'], seen['body'], seen['ended']) == (
        200, b'one,two,three', True)


def test_a_wsgi_app_failing_mid_body_resets_the_http2_stream_after_what_it_sent():
    # As the ASGI server's stream (test_asgi_http2.py), and as main's
    # Http2Stream-based WSGI stream did: DATA, then RST_STREAM INTERNAL_ERROR.
    def app(environ, start_response):
        start_response('200 OK', [])

        def body():
            yield b'part'
            raise ValueError('broken')
        return body()

    seen = serve(app, lambda server: h2_answer(port_of(server)), module=wsgi)
    assert (seen['headers'][':status'], seen['body'], seen['ended'], seen['code']) == (
        200, b'part', False, http2.constants.NGHTTP2_INTERNAL_ERROR)


def test_a_head_request_over_http2_gets_the_head_alone():
    def app(environ, start_response):
        start_response('200 OK', [('Content-Length', '5')])
        return [b'hello']

    seen = serve(app, lambda server: h2_answer(port_of(server), method='HEAD'), module=wsgi)
    assert (seen['headers']['content-length'], seen['body'], seen['ended']) == ('5', b'', True)
