"""The ASGI ``http`` scope as asgiref's spec (specs/www.rst) describes it,
and the server's options."""
import asyncio
import os
import sys
import tempfile

import pytest

import pyuvnet as net
from pyuvnet import asgi, http, https
from asgi_support import GET, exchange, serve, text_app

pytestmark = pytest.mark.timeout(30)


def scope_of(data, **options):
    seen = []

    async def app(scope, receive, send):
        if scope['type'] == 'http':
            seen.append(scope)
        await text_app()(scope, receive, send)

    async def client(server):
        return await exchange(server, data)
    serve(app, client, **options)
    return seen[0]


def test_scope_keys_and_types():
    scope = scope_of(b'GET /caf%C3%A9/x?q=1&r=%20 HTTP/1.1\r\nHost: example.org\r\n'
                     b'X-Two: a\r\nx-two: b\r\nCookie: c=1\r\n\r\n')
    assert scope['type'] == 'http'
    assert scope['asgi'] == {'version': '3.0', 'spec_version': '2.3'}
    assert scope['http_version'] == '1.1'
    assert scope['method'] == 'GET'
    assert scope['scheme'] == 'http'
    assert scope['path'] == '/caf\xe9/x'
    assert scope['raw_path'] == b'/caf%C3%A9/x'
    assert scope['query_string'] == b'q=1&r=%20'
    assert scope['root_path'] == ''
    # Every header, in order, duplicates kept, names lower-cased, as bytes.
    assert list(scope['headers']) == [(b'host', b'example.org'), (b'x-two', b'a'),
                                      (b'x-two', b'b'), (b'cookie', b'c=1')]
    host, port = scope['client']
    assert host == '127.0.0.1' and isinstance(port, int) and port > 0
    assert scope['server'][0] == '127.0.0.1' and isinstance(scope['server'][1], int)
    assert scope['state'] == {}


def test_a_scope_is_no_bigger_than_the_same_dict_made_in_python():
    # Cython's dict literal is presized with 24-byte entries, and each
    # scope copied from it kept that table: 632 bytes against 464.  The
    # first request of a connection and the next one (copied from the
    # connection's template) both.
    seen = []

    async def app(scope, receive, send):
        if scope['type'] == 'http':
            seen.append((sys.getsizeof(scope), sys.getsizeof({key: value for key, value in scope.items()}),
                         list(scope)))
        await text_app()(scope, receive, send)

    async def client(server):
        return await exchange(server, GET + GET, responses=2)
    serve(app, client)
    assert len(seen) == 2
    for size, python_size, keys in seen:
        assert size <= python_size
        assert keys == ['type', 'asgi', 'http_version', 'server', 'client', 'scheme', 'root_path',
                        'path', 'raw_path', 'query_string', 'headers', 'state', 'method']


def test_scope_headers_after_a_listener_read_raw_headers():
    # A 'request' listener ahead of the app's that reads req.rawHeaders
    # makes them a list (Node's array) where the parser left a tuple; the
    # scope is made from that list, and nothing reads it as a tuple.
    seen = []

    async def app(scope, receive, send):
        seen.append(scope['headers'])
        await text_app()(scope, receive, send)

    async def client(server):
        server.prependListener('request', lambda req, res: seen.append(req.rawHeaders))
        return await exchange(server, b'GET / HTTP/1.1\r\nHost: example.org\r\nX-A: b\r\n\r\n')
    (response,), _ = serve(app, client)
    assert response[:3] == (200, response[1], b'Hello, world')
    assert seen == [['Host', 'example.org', 'X-A', 'b'],
                    [(b'host', b'example.org'), (b'x-a', b'b')]]


def test_scope_method_and_absolute_target():
    scope = scope_of(b'OPTIONS http://example.org/a/b?c HTTP/1.1\r\nHost: example.org\r\n\r\n')
    assert scope['method'] == 'OPTIONS'
    assert scope['path'] == '/a/b'
    assert scope['raw_path'] == b'/a/b'
    assert scope['query_string'] == b'c'


def test_scope_unix_socket():
    path = os.path.join(tempfile.mkdtemp(), 's.sock')
    scope = scope_of(GET, listen=(path,))
    assert scope['server'] == (path, None)
    assert scope['client'] is None


def test_scope_root_path_trailing_slash_dropped():
    scope = scope_of(GET, rootPath='/mount/')
    assert scope['root_path'] == '/mount'
    assert scope['path'] == '/mount/'


def test_create_server_is_an_http_server():
    server = asgi.createServer(text_app())
    assert isinstance(server, http.Server)
    assert asgi.create_server is asgi.createServer


def test_options_checked_at_once():
    with pytest.raises(net.errors.NodeError) as info:
        asgi.createServer(text_app(), {'bogus': 1})
    assert info.value.code == 'ERR_INVALID_ARG_VALUE'
    with pytest.raises(net.errors.NodeError) as info:
        asgi.createServer(text_app(), lifespan='sometimes')
    assert info.value.code == 'ERR_INVALID_ARG_VALUE'
    with pytest.raises(net.errors.NodeError) as info:
        asgi.createServer(text_app(), root_path=3)
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'
    with pytest.raises(net.errors.NodeError) as info:
        asgi.createServer('app:app')
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'


def test_http_options_apply():
    server = asgi.createServer(text_app(), keepAliveTimeout=1234, max_header_size=100)
    assert server.keepAliveTimeout == 1234

    async def client(server):
        return await exchange(server, b'GET / HTTP/1.1\r\nHost: x\r\nX-Big: ' + b'y' * 200
                              + b'\r\n\r\n')
    responses, closed = serve(text_app(), client, maxHeaderSize=100)
    assert responses[0][0] == 431


def test_https_scheme(tls_certs):
    """TLS options make an https.Server, and the scope's scheme 'https'."""
    import ssl
    seen = []

    async def app(scope, receive, send):
        seen.append(scope['scheme'])
        await text_app()(scope, receive, send)

    async def client(server):
        context = ssl.create_default_context(cadata=tls_certs.ca)
        reader, writer = await asyncio.open_connection(
            '127.0.0.1', server.address().port, ssl=context, server_hostname='localhost')
        writer.write(GET)
        data = await reader.readuntil(b'Hello, world')
        writer.close()
        return data
    data = serve(app, client, key=tls_certs.key, cert=tls_certs.cert)
    assert seen == ['https']
    assert data.startswith(b'HTTP/1.1 200 OK')
    assert isinstance(asgi.createServer(app, key=tls_certs.key, cert=tls_certs.cert),
                      https.Server)
