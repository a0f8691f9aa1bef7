"""``proxyProtocol`` (`pyuvnet serve --proxy-protocol`): HAProxy's PROXY
header, v1 and v2, first on each connection; the scope's client (WSGI's
REMOTE_ADDR) is the address it names, and a connection without a valid
header is closed.  The headers are the bytes of HAProxy's spec
(doc/proxy-protocol.txt).  With TLS the header comes before the
handshake, as HAProxy's send-proxy sends it to an ``ssl`` server; the
tests with a real HAProxy in front are tests/serve/test_serve_proxies.py."""
import asyncio
import socket
import ssl
import struct

import pytest

from pyuvnet import wsgi
from pyuvnet._internal.proxy_protocol import Incomplete, V2_SIGNATURE, parse

from asgi_support import GET, connect, read_all, read_response, reset_after, serve
from test_asgi_config import scope_app

pytestmark = pytest.mark.timeout(30)

V1 = b'PROXY TCP4 203.0.113.7 192.0.2.1 51234 443\r\n'
V1_V6 = b'PROXY TCP6 2001:db8::7 2001:db8::1 51234 443\r\n'


def v2(command=1, family=0x11, body=None):
    if body is None:
        body = socket.inet_aton('198.51.100.9') + socket.inet_aton('192.0.2.1') + \
            struct.pack('!HH', 40000, 8443)
    return V2_SIGNATURE + bytes([0x20 | command, family]) + struct.pack('!H', len(body)) + body


@pytest.mark.parametrize('data, expected', [
    (V1 + GET, ((('203.0.113.7', 51234), ('192.0.2.1', 443)), len(V1))),
    (V1_V6, ((('2001:db8::7', 51234), ('2001:db8::1', 443)), len(V1_V6))),
    (b'PROXY UNKNOWN\r\n', (None, 15)),
    (v2() + GET, ((('198.51.100.9', 40000), ('192.0.2.1', 8443)), 28)),
    (v2(family=0x21,
        body=socket.inet_pton(socket.AF_INET6, '2001:db8::9') * 2 + struct.pack('!HH', 1, 2)),
     ((('2001:db8::9', 1), ('2001:db8::9', 2)), 52)),
    # LOCAL (a health check) and a TLV after the addresses
    (v2(command=0, body=b''), (None, 16)),
    (v2(body=socket.inet_aton('10.0.0.1') * 2 + struct.pack('!HH', 5, 6) + b'\x04\x00\x01x'),
     ((('10.0.0.1', 5), ('10.0.0.1', 6)), 32)),
])
def test_headers_are_read(data, expected):
    assert parse(data) == expected


@pytest.mark.parametrize('data', [b'PROXY TCP4 1.2', b'PRO', b'\r\n\r\n\x00', v2()[:20]])
def test_a_header_cut_short_asks_for_more(data):
    with pytest.raises(Incomplete):
        parse(data)


@pytest.mark.parametrize('data', [
    GET, b'PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n', b'PROXY TCP4 ::1 ::1 1 2\r\n',
    b'PROXY TCP4 1.2.3.4 5.6.7.8 70000 2\r\n', b'PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n',
    b'PROXY ' + b'x' * 120, V2_SIGNATURE + b'\x11\x11\x00\x00', v2(family=0x41),
])
def test_bad_headers_are_refused(data):
    with pytest.raises(ValueError):
        parse(data)


@pytest.mark.parametrize('header, client', [
    (V1, ('203.0.113.7', 51234)),
    (v2(), ('198.51.100.9', 40000)),
])
def test_the_scopes_client_is_the_headers_and_keep_alive_goes_on(header, client):
    seen = []

    async def talk(server):
        reader, writer = await connect(server)
        # The header and the request split anywhere: here in the header.
        writer.write(header[:7])
        await asyncio.sleep(0.05)
        writer.write(header[7:] + GET)
        first = await read_response(reader)
        writer.write(GET)
        second = await read_response(reader)
        writer.close()
        return first[0], second[0]
    assert serve(scope_app(seen), talk, proxyProtocol=True) == (200, 200)
    assert [c for c, _ in seen] == [client, client]


def test_a_health_checks_local_header_keeps_the_real_address():
    seen = []

    async def talk(server):
        reader, writer = await connect(server)
        writer.write(v2(command=0, body=b'') + GET)
        status = (await read_response(reader))[0]
        writer.close()
        return status
    assert serve(scope_app(seen), talk, proxyProtocol=True) == 200
    assert seen[0][0][0] == '127.0.0.1'


@pytest.mark.parametrize('data', [GET, b'PROXY TCP4 nonsense\r\n' + GET])
def test_a_connection_without_a_valid_header_is_closed(data):
    seen = []

    async def talk(server):
        return await read_all(server, data)
    assert serve(scope_app(seen), talk, proxyProtocol=True) == b''
    assert seen == []


def test_wsgi_remote_addr_is_the_headers():
    def app(environ, start_response):
        body = environ['REMOTE_ADDR'].encode()
        start_response('200 OK', [('Content-Length', str(len(body)))])
        return [body]

    async def talk(server):
        reader, writer = await connect(server)
        writer.write(V1 + GET)
        body = (await read_response(reader))[2]
        writer.close()
        return body
    assert serve(app, talk, module=wsgi, proxyProtocol=True) == b'203.0.113.7'


async def tls_request_after(server, header, cafile):
    """The response's bytes to GET over TLS on a connection whose first
    bytes are ``header`` and the ClientHello, in one write (as a balancer's
    PROXY header and its client's first bytes may come in one segment)."""
    reader, writer = await connect(server)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ssl.create_default_context(cafile=cafile).wrap_bio(
        incoming, outgoing, server_hostname='localhost')
    first = header
    while True:
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            writer.write(first + outgoing.read())
            first = b''
            data = await reader.read(65536)
            assert data, 'the server closed the connection during the handshake'
            incoming.write(data)
    tls.write(GET.replace(b'\r\n\r\n', b'\r\nConnection: close\r\n\r\n'))
    writer.write(outgoing.read())
    answer = b''
    while True:
        data = await reader.read(65536)
        if not data:
            break
        incoming.write(data)
        try:
            plain = tls.read(65536)
            while plain:
                answer += plain
                plain = tls.read(65536)
        except ssl.SSLWantReadError:
            continue
        break           # the server's close_notify
    writer.close()
    return answer


@pytest.mark.parametrize('header, client', [
    (V1, ('203.0.113.7', 51234)),
    (v2(), ('198.51.100.9', 40000)),
])
def test_with_tls_the_header_comes_before_the_handshake(tls_certs, header, client):
    # HAProxy's send-proxy (or a TLS passthrough balancer) in front of a
    # TLS server: the scope's client is the header's, its scheme https.
    seen = []

    async def talk(server):
        return await tls_request_after(server, header, tls_certs.path('ca.pem'))
    answer = serve(scope_app(seen), talk, proxyProtocol=True, key=tls_certs.key,
                   cert=tls_certs.cert)
    assert answer.startswith(b'HTTP/1.1 200 ') and answer.endswith(b'ok')
    assert seen == [(client, 'https')]


def test_with_tls_a_connection_without_a_header_is_closed_before_the_handshake(tls_certs):
    seen = []

    async def talk(server):
        with pytest.raises(AssertionError, match='closed the connection during the handshake'):
            await tls_request_after(server, b'', tls_certs.path('ca.pem'))
    serve(scope_app(seen), talk, proxyProtocol=True, key=tls_certs.key, cert=tls_certs.cert)
    assert seen == []


@pytest.mark.parametrize('first_bytes', [b'', v2()[:10]], ids=['nothing', 'half a header'])
def test_a_connection_reset_before_its_header_is_closed_and_the_server_goes_on(first_bytes):
    # The reset's ECONNRESET comes while the header is read: the connection
    # is destroyed, nothing is thrown, and the next connection is served.
    seen = []

    async def talk(server):
        await reset_after(server, first_bytes)
        await asyncio.sleep(0.1)
        reader, writer = await connect(server)
        writer.write(V1 + GET)
        status = (await read_response(reader))[0]
        writer.close()
        return status
    assert serve(scope_app(seen), talk, proxyProtocol=True) == 200
    assert [client for client, _ in seen] == [('203.0.113.7', 51234)]
