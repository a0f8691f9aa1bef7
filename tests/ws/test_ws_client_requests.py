"""The client's opening request, ported from ws v8's test/websocket.test.js
('Request headers', the constructor's options): credentials from the URL
or `auth`, custom headers, Host without a default port, Origin for either
protocol version, finishRequest, the options as third argument, and the
receiver limits and closeTimeout a client is given."""
import base64
import time

import pytest

from pyuvnet import http
from pyuvnet.ws import WebSocket, WebSocketServer


def basic(userinfo):
    return 'Basic ' + base64.b64encode(userinfo.encode()).decode()


def handshake_headers(run_loop, path='', **options):
    """The headers a pyuvnet.ws server got from a client made with
    ``options`` (its address's userinfo and path from ``path``)."""
    wss = WebSocketServer(port=0, host='127.0.0.1')
    seen = []

    def connection(ws, req):
        seen.append(dict(req.headers))
        ws.close()
    wss.on('connection', connection)
    ws = WebSocket('ws://%s127.0.0.1:%d' % (path, wss.address()['port']), **options)
    ws.on('close', lambda *a: wss.close())
    run_loop()
    return seen[0]


def test_url_userinfo_is_the_authorization(run_loop):
    assert handshake_headers(run_loop, 'test:testpass@')['authorization'] == basic('test:testpass')


def test_the_auth_option_is_the_authorization(run_loop):
    assert handshake_headers(run_loop, auth='user:pass')['authorization'] == basic('user:pass')


def test_url_userinfo_wins_over_the_auth_option(run_loop):
    headers = handshake_headers(run_loop, 'baz:qux@', auth='foo:bar')
    assert headers['authorization'] == basic('baz:qux')


def test_custom_headers_and_no_origin_by_default(run_loop):
    headers = handshake_headers(run_loop, headers={'Cookie': 'foo=bar'})
    assert headers['cookie'] == 'foo=bar' and 'origin' not in headers
    assert 'sec-websocket-origin' not in headers


@pytest.mark.parametrize('version, name', [(13, 'origin'), (8, 'sec-websocket-origin')])
def test_origin_option_for_each_protocol_version(run_loop, version, name):
    headers = handshake_headers(run_loop, origin='https://example.com:8000',
                                protocolVersion=version)
    assert headers[name] == 'https://example.com:8000'
    assert headers['sec-websocket-version'] == str(version)


@pytest.mark.parametrize('url, host', [
    ('wss://localhost:8443', 'localhost:8443'), ('wss://localhost:443', 'localhost'),
    ('ws://localhost:88', 'localhost:88'), ('ws://localhost:80', 'localhost'),
])
def test_host_header_leaves_default_ports_out(run_loop, url, host):
    ws = WebSocket(url)
    ws.on('error', lambda err: None)
    assert ws._req.getHeader('host') == host
    ws.terminate()
    run_loop()


@pytest.mark.parametrize('protocols', [None, []])
def test_options_as_the_third_argument_without_protocols(run_loop, protocols):
    ws = WebSocket('ws://127.0.0.1:1', protocols, {'headers': {'X-Seen': 'yes'}})
    ws.on('error', lambda err: None)
    assert ws._req.getHeader('sec-websocket-protocol') is None
    assert ws._req.getHeader('x-seen') == 'yes'
    ws.terminate()
    run_loop()


def test_finish_request_ends_the_request_itself(run_loop):
    wss = WebSocketServer(port=0, host='127.0.0.1')
    seen = []
    wss.on('connection', lambda ws, req: (seen.append(req.headers.get('cookie')), ws.close()))
    host = '127.0.0.1:%d' % wss.address()['port']

    def finish(req, ws):
        seen.append((isinstance(req, http.ClientRequest), req.getHeader('host'),
                     isinstance(ws, WebSocket), req is ws._req))
        req.on('socket', lambda socket: socket.on('connect', lambda: (
            req.setHeader('Cookie', 'foo=bar'), req.end())))
    ws = WebSocket('ws://' + host, finishRequest=finish)
    ws.on('close', lambda code, reason: (seen.append(code), wss.close()))
    run_loop()
    assert seen == [(True, host, True, True), 'foo=bar', 1005]


def test_max_fragments_and_max_payload_limit_what_a_client_takes(run_loop):
    wss = WebSocketServer(port=0, host='127.0.0.1', perMessageDeflate=True)

    def connection(ws, req):
        for part in (b'a', b'b'):
            ws.send(part, {'fin': False})
        ws.send(b'c')
        ws.on('close', lambda *a: wss.close())
    wss.on('connection', connection)
    out = []
    ws = WebSocket('ws://127.0.0.1:%d' % wss.address()['port'], perMessageDeflate=True,
                   maxFragments=2, maxPayload=20480)
    ws.on('message', lambda *a: out.append('message'))
    ws.on('error', lambda err: out.append((type(err).__name__, err.code, str(err))))
    ws.on('close', lambda code, reason: out.append(code))
    run_loop()
    assert out == [('WebSocketRangeError', 'WS_ERR_TOO_MANY_BUFFERED_PARTS',
                    'Too many message fragments'), 1006]
    assert ws._receiver.max_payload == ws._deflate.max_payload == 20480


def test_close_timeout_option_bounds_an_unanswered_close(run_loop):
    server = http.createServer()
    kept = []

    def upgrade(req, socket, head):
        # A 101 by hand, then silence: the client's close is never answered.
        from pyuvnet.ws._constants import accept_key
        kept.append(socket)
        socket.write(('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n'
                      'Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n'
                      % accept_key(req.headers['sec-websocket-key'])).encode())
    server.on('upgrade', upgrade)
    server.listen(0, '127.0.0.1')
    ws = WebSocket('ws://127.0.0.1:%d' % server.address()['port'], closeTimeout=200)
    out = []
    ws.on('open', lambda: (ws.close(), out.append(time.monotonic())))
    ws.on('close', lambda code, reason: (out.append((code, time.monotonic() - out[0])),
                                         server.close(), [s.destroy() for s in kept]))
    run_loop(10)
    code, waited = out[1]
    assert code == 1006 and 0.15 < waited < 5


def test_generate_mask_fills_each_frames_key(run_loop):
    # ws's generateMask() {}: the key stays zeros, so the payload goes as it is.
    from ws_support import raw_ws_server
    port, received, thread = raw_ws_server(2 + 4 + 3)
    ws = WebSocket('ws://127.0.0.1:%d' % port, generateMask=lambda mask: None)
    ws.on('open', lambda: ws.send(b'foo'))
    ws.on('close', lambda *a: None)
    run_loop(10)
    thread.join(10)
    assert received[0][:9] == b'\x82\x83\x00\x00\x00\x00foo'


def test_generate_mask_keys_are_used_for_every_frame(run_loop):
    wss = WebSocketServer(port=0, host='127.0.0.1')
    got = []
    wss.on('connection', lambda ws, req: ws.on('message', lambda data, is_binary: (
        got.append(data), len(got) == 3 and (ws.close(), wss.close()))))
    keys = []

    def generate(mask):
        mask[:] = bytes((len(keys) + 1,) * 4)
        keys.append(bytes(mask))
    ws = WebSocket('ws://127.0.0.1:%d' % wss.address()['port'], generateMask=generate,
                   perMessageDeflate=False)
    ws.on('open', lambda: (ws.send(b'x' * 70000), ws.send('é' * 100), ws.send(b'')))
    run_loop()
    assert got == [b'x' * 70000, ('é' * 100).encode(), b'']
    # The fourth: the client's close frame, answering the server's.
    assert keys == [b'\x01' * 4, b'\x02' * 4, b'\x03' * 4, b'\x04' * 4]


def test_create_connection_option_makes_the_socket(run_loop):
    import pyuvnet as net
    server = http.createServer()
    wss = WebSocketServer(noServer=True, path='/foo')
    hosts = []

    def upgrade(req, socket, head):
        hosts.append(req.headers['host'])
        wss.handleUpgrade(req, socket, head, lambda ws, req: None)
    server.on('upgrade', upgrade)
    server.listen(0, '127.0.0.1')
    asked = []

    def create_connection(options):
        asked.append((options['host'], str(options['port'])))
        # The address asked for is ignored: the socket goes to our server.
        return net.createConnection(server.address()['port'], '127.0.0.1')
    ws = WebSocket('ws://google.com:22/foo', createConnection=create_connection)
    out = []
    ws.on('open', lambda: (out.append(ws.url), ws.close()))
    ws.on('close', lambda *a: server.close())
    run_loop()
    assert asked == [('google.com', '22')] and hosts == ['google.com:22']
    assert out == ['ws://google.com:22/foo']


def test_https_scheme_is_wss_and_extensions_show_once_open(run_loop):
    ws = WebSocket('https://127.0.0.1:1/x')
    ws.on('error', lambda err: None)
    assert ws.url == 'wss://127.0.0.1:1/x'
    ws.terminate()
    wss = WebSocketServer(port=0, host='127.0.0.1', perMessageDeflate=True)
    seen = []
    wss.on('connection', lambda ws, req: (seen.append(ws.extensions), ws.close()))
    client = WebSocket('ws://127.0.0.1:%d' % wss.address()['port'])
    seen.append(client.extensions)
    client.on('open', lambda: seen.append(client.extensions))
    client.on('close', lambda *a: wss.close())
    run_loop()
    assert seen == ['', 'permessage-deflate', 'permessage-deflate']
