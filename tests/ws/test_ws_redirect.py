"""followRedirects and maxRedirects, ported from ws v8's
test/websocket.test.js ('Connection establishing' and the 'redirect'
event): a 3xx with a Location is followed only when asked, at most
maxRedirects times, and credentials are dropped as ws drops them when the
host changes, unless a 'redirect' listener is there.  Each loop runs
under run_loop's watchdog."""
import pytest

from pyuvnet import http
from pyuvnet.ws import WebSocket, WebSocketError, WebSocketServer

AUTH = 'Basic Zm9vOmJhcg=='                 # foo:bar


def redirecting(locations, wss=None):
    """An http.Server that answers its first upgrades with a 302 to each
    of ``locations`` in turn (a status line of its own when an item is a
    tuple; ``{port}`` is the server's port), then hands the next to
    ``wss`` (noServer); the requests' headers are kept in ``server.seen``."""
    server = http.createServer()
    server.seen = []
    answers = list(locations)

    def upgrade(req, socket, head):
        server.seen.append(dict(req.headers))
        if answers:
            answer = answers.pop(0)
            status, location = answer if isinstance(answer, tuple) else ('302 Found', answer)
            socket.on('error', lambda err: None)
            location = location.replace('{port}', str(server.address()['port']))
            socket.end(('HTTP/1.1 %s\r\nLocation: %s\r\n\r\n' % (status, location)).encode())
        else:
            wss.handleUpgrade(req, socket, head, lambda ws, req: ws.close())
    server.on('upgrade', upgrade)
    server.listen(0, '127.0.0.1')
    return server, server.address()['port']


def closing_server():
    """A WebSocketServer of its own port that closes each connection at
    once; the handshakes' headers in ``wss.seen``."""
    wss = WebSocketServer(port=0, host='127.0.0.1')
    wss.seen = []

    def connection(ws, req):
        wss.seen.append(dict(req.headers))
        ws.close()
    wss.on('connection', connection)
    return wss, wss.address()['port']


def to_another_port(**options):
    """A client (``options``) redirected from one server to a
    WebSocketServer on another port, which WHATWG counts as another
    host: (redirecting server, its port, target server, its port, client)."""
    wss, target = closing_server()
    server, port = redirecting(['ws://127.0.0.1:%d/' % target])
    ws = WebSocket('ws://127.0.0.1:%d' % port, followRedirects=True, **options)
    return server, port, wss, target, ws


def record(ws, events, *servers):
    ws.on('error', lambda err: events.append(('error', type(err), str(err), ws._redirects)))

    def closed(code, reason):
        events.append(('close', code, ws._redirects))
        for server in servers:
            server.close()
    ws.on('close', closed)


def test_redirects_are_not_followed_by_default(run_loop):
    server, port = redirecting([('301 Moved Permanently', 'ws://localhost:8080')])
    ws = WebSocket('ws://127.0.0.1:%d' % port)
    events = []
    record(ws, events, server)
    run_loop()
    assert events == [('error', WebSocketError, 'Unexpected server response: 301', 0),
                      ('close', 1006, 0)]


def test_follow_redirects_opens_at_the_new_url_with_a_redirect_event(run_loop):
    wss = WebSocketServer(noServer=True, path='/foo')
    server, port = redirecting(['/foo'], wss)
    ws = WebSocket('ws://127.0.0.1:%d' % port, followRedirects=True)
    events = []
    ws.on('redirect', lambda url, req: events.append(
        ('redirect', url, ws._redirects, isinstance(req, http.ClientRequest), req is ws._req)))
    ws.on('open', lambda: events.append(('open', ws.url)))
    record(ws, events, server)
    run_loop()
    url = 'ws://127.0.0.1:%d/foo' % port
    assert events == [('redirect', url, 1, True, True), ('open', url), ('close', 1005, 1)]
    assert [seen.get('sec-websocket-key') is not None for seen in server.seen] == [True, True]


def test_max_redirects_is_an_error_past_the_limit(run_loop):
    server, port = redirecting(['/', '/', '/'])
    ws = WebSocket('ws://127.0.0.1:%d' % port, followRedirects=True, maxRedirects=1)
    events = []
    record(ws, events, server)
    run_loop()
    assert events == [('error', WebSocketError, 'Maximum redirects exceeded', 2),
                      ('close', 1006, 2)]
    assert len(server.seen) == 2


@pytest.mark.parametrize('location, message', [
    ('ws://', 'Invalid URL: ws://'),
    ('bad-scheme://localhost', 'The URL\'s protocol must be one of "ws:", "wss:", '
                               '"http:", "https:", or "ws+unix:"'),
])
def test_an_invalid_redirect_url_is_an_error_event(run_loop, location, message):
    server, port = redirecting([location])
    ws = WebSocket('ws://127.0.0.1:%d' % port, followRedirects=True)
    events = []
    record(ws, events, server)
    run_loop()
    # ws's SyntaxError is a ValueError, emitted rather than raised.
    assert events == [('error', ValueError, message, 1), ('close', 1006, 1)]


def test_the_first_urls_userinfo_wins_on_the_same_host(run_loop):
    wss = WebSocketServer(noServer=True, path='/foo')
    server, port = redirecting(['ws://baz:qux@127.0.0.1:{port}/foo'], wss)
    ws = WebSocket('ws://foo:bar@127.0.0.1:%d' % port, followRedirects=True)
    assert ws._req.getHeader('Authorization') == AUTH
    events = []
    record(ws, events, server)
    run_loop()
    assert events == [('close', 1005, 1)]
    assert ws.url == 'ws://baz:qux@127.0.0.1:%d/foo' % port
    assert [seen.get('authorization') for seen in server.seen] == [AUTH, AUTH]


def test_another_host_drops_the_auth_option(run_loop):
    server, port, wss, target, ws = to_another_port(auth='foo:bar')
    assert ws._req.getHeader('Authorization') == AUTH
    events = []
    record(ws, events, server, wss)
    run_loop()
    assert events == [('close', 1005, 1)]
    assert ws.url == 'ws://127.0.0.1:%d/' % target
    assert server.seen[0].get('authorization') == AUTH
    assert 'authorization' not in wss.seen[0]


def test_another_host_drops_authorization_cookie_and_host_headers(run_loop):
    headers = {'Authorization': AUTH, 'Cookie': 'foo=bar', 'Host': 'foo'}
    server, port, wss, target, ws = to_another_port(headers=headers)
    first = ws._req
    assert (first.getHeader('Authorization'), first.getHeader('Cookie'),
            first.getHeader('Host')) == (AUTH, 'foo=bar', 'foo')
    events = []
    record(ws, events, server, wss)
    run_loop()
    assert events == [('close', 1005, 1)]
    assert (server.seen[0]['authorization'], server.seen[0]['cookie'],
            server.seen[0]['host']) == (AUTH, 'foo=bar', 'foo')
    assert 'authorization' not in wss.seen[0] and 'cookie' not in wss.seen[0]
    assert wss.seen[0]['host'] == '127.0.0.1:%d' % target
    assert headers == {'Authorization': AUTH, 'Cookie': 'foo=bar', 'Host': 'foo'}


def test_a_redirect_listener_keeps_every_header(run_loop):
    headers = {'authorization': AUTH, 'cookie': 'foo=bar', 'host': 'foo'}
    server, port, wss, target, ws = to_another_port(headers=headers)
    first = ws._req
    seen = []
    ws.on('redirect', lambda url, req: seen.append(
        (url, req is not first, req.getHeader('Authorization'), req.getHeader('Cookie'),
         req.getHeader('Host'))))
    events = []
    record(ws, events, server, wss)
    run_loop()
    assert seen == [('ws://127.0.0.1:%d/' % target, True, AUTH, 'foo=bar', 'foo')]
    assert events == [('close', 1005, 1)]
    assert (wss.seen[0]['authorization'], wss.seen[0]['cookie'], wss.seen[0]['host']) == (
        AUTH, 'foo=bar', 'foo')


def test_a_redirect_listener_may_remove_headers(run_loop):
    server, port, wss, target, ws = to_another_port(
        headers={'authorization': AUTH, 'cookie': 'foo=bar'})

    def redirected(url, req):
        req.removeHeader('authorization')
        req.removeHeader('cookie')
    ws.on('redirect', redirected)
    events = []
    record(ws, events, server, wss)
    run_loop()
    assert events == [('close', 1005, 1)]
    assert 'authorization' not in wss.seen[0] and 'cookie' not in wss.seen[0]


@pytest.mark.parametrize('method', ['close', 'terminate'])
def test_close_or_terminate_from_a_redirect_listener(run_loop, method):
    server, port = redirecting(['/foo'])
    ws = WebSocket('ws://127.0.0.1:%d' % port, followRedirects=True)
    ws.on('redirect', lambda url, req: getattr(ws, method)())
    events = []
    record(ws, events, server)
    run_loop()
    assert events == [('error', WebSocketError,
                       'WebSocket was closed before the connection was established', 1),
                      ('close', 1006, 1)]


@pytest.mark.parametrize('origin, target', [('tcp', 'unix'), ('unix', 'unix'), ('unix', 'tcp')])
def test_a_move_to_or_from_a_unix_socket_drops_credentials(run_loop, tmp_path, origin, target):
    import os
    wss_server = http.createServer()
    wss = WebSocketServer(server=wss_server)
    seen = []
    wss.on('connection', lambda ws, req: (seen.append(dict(req.headers)), ws.close()))
    if target == 'unix':
        wss_server.listen(str(tmp_path / 'target.sock'))
        location = 'ws+unix:%s' % (tmp_path / 'target.sock')
    else:
        wss_server.listen(0, '127.0.0.1')
        location = 'ws://127.0.0.1:%d' % wss_server.address()['port']
    server = http.createServer()
    server.on('upgrade', lambda req, socket, head: socket.end(
        ('HTTP/1.1 302 Found\r\nLocation: %s\r\n\r\n' % location).encode()))
    if origin == 'unix':
        server.listen(str(tmp_path / 'origin.sock'))
        start = 'ws+unix:%s' % (tmp_path / 'origin.sock')
    else:
        server.listen(0, '127.0.0.1')
        start = 'ws://127.0.0.1:%d' % server.address()['port']
    headers = {'authorization': AUTH, 'cookie': 'foo=bar', 'host': 'foo'}
    ws = WebSocket(start, followRedirects=True, headers=headers)
    assert (ws._req.getHeader('Authorization'), ws._req.getHeader('Cookie')) == (AUTH, 'foo=bar')
    events = []
    record(ws, events, server, wss_server)
    run_loop()
    assert events == [('close', 1005, 1)] and ws.url == location
    assert 'authorization' not in seen[0] and 'cookie' not in seen[0]
    assert seen[0]['host'] == ('localhost' if target == 'unix' else location[5:])
    assert not os.path.exists(tmp_path / 'target.sock')


def test_a_redirect_listener_may_abort_the_request_and_its_error_comes(run_loop):
    server, port = redirecting(['/foo'])
    ws = WebSocket('ws://127.0.0.1:%d' % port, followRedirects=True)
    ws.on('redirect', lambda url, req: req.on('socket', lambda socket: req.abort()))
    events = []
    record(ws, events, server)
    run_loop()
    # The aborted request's own error is the WebSocket's, not swallowed.
    assert issubclass(events[0][1], Exception)
    assert [events[0][0], events[0][2:], events[1]] == ['error', ('socket hang up', 1),
                                                       ('close', 1006, 1)]
