"""Redirects away from a secure context, ported from ws v8's
test/websocket.test.js ('When moving away from a secure context'): a wss:
handshake answered with a 302 to ws: on the same host and port.  Without a
'redirect' listener the auth option, Authorization and Cookie are dropped
(Host is kept: the host is the same); with one, every header is kept.
ws puts TLS and plain HTTP on one port by peeking at the first byte; here
a TCP splitter does it (a TLS record starts with 22), forwarding each
connection to an https or an http server."""
import pyuvnet as net
from pyuvnet import http, https
from pyuvnet.ws import WebSocket, WebSocketServer

AUTH = 'Basic Zm9vOmJhcg=='                 # foo:bar
HEADERS = {'authorization': AUTH, 'cookie': 'foo=bar', 'host': 'foo'}


def one_port(tls_certs):
    """(splitter, its port, http server's WebSocketServer): the https
    server answers each upgrade with a 302 to ws://localhost:<port>/; the
    WebSocketServer on the http side closes each connection, keeping the
    handshakes' headers in ``wss.seen``."""
    secure = https.createServer({'key': tls_certs.key, 'cert': tls_certs.cert})
    plain = http.createServer()
    splitter = net.createServer({'allowHalfOpen': True})

    def upgrade(req, socket, head):
        socket.on('error', lambda err: None)
        socket.end(b'HTTP/1.1 302 Found\r\nLocation: ws://localhost:%d/\r\n\r\n' % port)
    secure.on('upgrade', upgrade)
    wss = WebSocketServer(server=plain)
    wss.seen = []

    def connection(ws, req):
        wss.seen.append(dict(req.headers))
        ws.close()
    wss.on('connection', connection)

    def split(client):
        client.on('error', lambda err: None)

        def first(chunk):
            client.pause()
            target = secure if chunk[0] == 22 else plain
            upstream = net.connect(target.address()['port'], '127.0.0.1')
            upstream.on('error', lambda err: client.destroy())
            upstream.write(chunk)
            client.pipe(upstream)
            upstream.pipe(client)
            client.resume()
        client.once('data', first)
    splitter.on('connection', split)
    for server in (secure, plain, splitter):
        server.listen(0, '127.0.0.1')
    port = splitter.address()['port']

    splitter.close_all = lambda: [server.close() for server in (secure, plain, splitter)]
    return splitter, port, wss


def finish_on_close(ws, splitter, events):
    def closed(code, reason):
        events.append((code, ws.url, ws._redirects))
        splitter.close_all()
    ws.on('close', closed)
    ws.on('error', lambda err: events.append(('error', str(err))))


def test_without_a_redirect_listener_the_auth_option_is_dropped(run_loop, tls_certs):
    splitter, port, wss = one_port(tls_certs)
    ws = WebSocket('wss://localhost:%d' % port, auth='foo:bar', followRedirects=True,
                   rejectUnauthorized=False)
    assert ws._req.getHeader('Authorization') == AUTH
    events = []
    finish_on_close(ws, splitter, events)
    run_loop(10)
    assert events == [(1005, 'ws://localhost:%d/' % port, 1)]
    assert 'authorization' not in wss.seen[0]


def test_without_a_redirect_listener_authorization_and_cookie_are_dropped(run_loop, tls_certs):
    splitter, port, wss = one_port(tls_certs)
    ws = WebSocket('wss://localhost:%d' % port, headers=dict(HEADERS), followRedirects=True,
                   rejectUnauthorized=False)
    first = ws._req
    assert (first.getHeader('Authorization'), first.getHeader('Cookie'),
            first.getHeader('Host')) == (AUTH, 'foo=bar', 'foo')
    events = []
    finish_on_close(ws, splitter, events)
    run_loop(10)
    assert events == [(1005, 'ws://localhost:%d/' % port, 1)]
    seen = wss.seen[0]
    assert 'authorization' not in seen and 'cookie' not in seen
    assert seen['host'] == 'foo'                     # the same host: Host stays


def test_a_redirect_listener_keeps_every_header(run_loop, tls_certs):
    splitter, port, wss = one_port(tls_certs)
    ws = WebSocket('wss://localhost:%d' % port, headers=dict(HEADERS), followRedirects=True,
                   rejectUnauthorized=False)
    first = ws._req
    redirects = []
    ws.on('redirect', lambda url, req: redirects.append(
        (ws._redirects, url, req is not first, req.getHeader('Authorization'),
         req.getHeader('Cookie'), req.getHeader('Host'))))
    events = []
    finish_on_close(ws, splitter, events)
    run_loop(10)
    assert redirects == [(1, 'ws://localhost:%d/' % port, True, AUTH, 'foo=bar', 'foo')]
    assert events == [(1005, 'ws://localhost:%d/' % port, 1)]
    seen = wss.seen[0]
    assert (seen['authorization'], seen['cookie'], seen['host']) == (AUTH, 'foo=bar', 'foo')
