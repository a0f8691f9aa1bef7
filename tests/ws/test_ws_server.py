"""WebSocketServer, ported from ws v8's test/websocket-server.test.js
(the cases that apply: options, address, close, clients, shouldHandle,
handleUpgrade, verifyClient, handleProtocols, 'headers',
permessage-deflate).  The handshake's refusals are compared with ws's
own answers in test_ws_handshake.py."""
import pytest

import pyuvnet as net
from pyuvnet import http
from pyuvnet.errors import ERR_INVALID_ARG_VALUE
from pyuvnet.ws import WebSocket, WebSocketError, WebSocketServer

from ws_support import raw_client


def url_of(wss, path='/'):
    return 'ws://127.0.0.1:%d%s' % (wss.address()['port'], path)


def test_required_and_exclusive_options():
    message = 'One and only one of the "port", "server", or "noServer" options must be specified'
    with pytest.raises(TypeError, match=message):
        WebSocketServer()
    with pytest.raises(TypeError, match=message):
        WebSocketServer({'port': 0, 'noServer': True})
    with pytest.raises(TypeError, match=message):
        WebSocketServer(server=http.createServer(), noServer=True)


def test_unknown_option_and_snake_case_twins():
    with pytest.raises(ERR_INVALID_ARG_VALUE):
        WebSocketServer(noServer=True, maxPayLoad=5)
    wss = WebSocketServer(no_server=True, max_payload=5, client_tracking=False)
    assert wss.options['maxPayload'] == 5 and wss.clients is None
    assert WebSocketServer.handle_upgrade is WebSocketServer.handleUpgrade


def test_exposes_options_and_defaults():
    wss = WebSocketServer({'noServer': True})
    assert wss.options['maxPayload'] == 100 * 1024 * 1024
    assert wss.options['perMessageDeflate'] is False
    assert wss.options['closeTimeout'] == 30000
    assert wss.clients == set()


def test_address_in_no_server_mode_throws():
    wss = WebSocketServer(noServer=True)
    with pytest.raises(WebSocketError, match='The server is operating in "noServer" mode'):
        wss.address()


def test_starts_a_server_on_a_port_and_426s_plain_requests():
    out = {}

    def listening():
        http.get(url_of(wss).replace('ws:', 'http:'), lambda res: (
            out.update(status=res.statusCode),
            res.on('data', lambda chunk: out.update(body=chunk)),
            res.on('end', lambda: wss.close())))
    wss = WebSocketServer(port=0, host='127.0.0.1')
    wss.on('listening', listening)
    net.run()
    assert out == {'status': 426, 'body': b'Upgrade Required'}


def test_precreated_server_is_not_closed_by_close():
    events = []
    server = http.createServer()
    wss = WebSocketServer(server=server)

    def listening():
        wss.close(lambda *a: events.append('wss closed'))
        net.setTimeout(lambda: (events.append(server.listening), server.close()), 50)
    server.listen(0, '127.0.0.1', listening)
    net.run()
    assert events == ['wss closed', True]
    # Its listeners are gone from the http.Server.
    assert server.listenerCount('upgrade') == 0


def test_close_twice_and_after_closed():
    events = []
    wss = WebSocketServer(noServer=True)
    wss.close(lambda *a: events.append(('first', a)))
    wss.close()

    def again():
        wss.close(lambda err: events.append(('again', str(err))))
    wss.once('close', lambda: net.setTimeout(again, 0))
    net.run()
    assert events == [('first', ()), ('again', 'The server is not running')]


def test_clients_set_follows_connections():
    seen = {}

    def connection(ws, req):
        seen['size'] = len(wss.clients)
        assert ws in wss.clients
        ws.on('close', lambda *a: net.setImmediate(after_close))

    def after_close():
        seen['after'] = len(wss.clients)
        wss.close()
    wss = WebSocketServer(port=0, host='127.0.0.1')
    wss.on('connection', connection)
    wss.on('listening', lambda: WebSocket(url_of(wss)).on('open', lambda: None).once(
        'message', lambda *a: None))

    def terminate_client():
        for client in list(wss.clients):
            client.terminate()
    wss.on('connection', lambda ws, req: net.setTimeout(terminate_client, 20))
    net.run()
    assert seen == {'size': 1, 'after': 0}


def test_should_handle_and_path():
    wss = WebSocketServer(noServer=True, path='/foo')

    class Req:
        url = '/foo?bar=baz'
    assert wss.shouldHandle(Req())
    Req.url = '/bar'
    assert not wss.shouldHandle(Req())


def test_handle_upgrade_on_a_pre_existing_server_with_head_bytes():
    got = []
    server = http.createServer()
    wss = WebSocketServer(noServer=True)

    def upgrade(req, socket, head):
        wss.handleUpgrade(req, socket, head, lambda ws, r: ws.on(
            'message', lambda data, is_binary: (got.append((data, is_binary)), ws.close())))
    server.on('upgrade', upgrade)

    def on_open(sock, received):
        pass
    from ws_support import frame

    def listening():
        # The first frame comes in the same write as the request's head.
        sock = raw_client(server.address().port, on_open)
        sock.on('connect', lambda: sock.write(frame(1, b'early')))
        sock.on('data', lambda chunk: sock.end())
        sock.on('close', lambda *a: server.close())
    server.listen(0, '127.0.0.1', listening)
    net.run()
    assert got == [(b'early', False)]


def test_handle_upgrade_twice_with_one_socket_throws():
    caught = []
    server = http.createServer()
    wss = WebSocketServer(noServer=True)

    def upgrade(req, socket, head):
        wss.handleUpgrade(req, socket, head, lambda ws, r: ws.close())
        try:
            wss.handleUpgrade(req, socket, head, lambda ws, r: None)
        except WebSocketError as exc:
            caught.append(str(exc))
        server.close()
    server.on('upgrade', upgrade)
    server.listen(0, '127.0.0.1', lambda: WebSocket(
        'ws://127.0.0.1:%d' % server.address().port).on('error', lambda e: None))
    net.run()
    assert caught == ['server.handleUpgrade() was called more than once with the same socket, '
                      'possibly due to a misconfiguration']


@pytest.mark.parametrize('mode', ['sync reject', 'sync accept', 'async accept', 'async reject',
                                  'async reject with code and headers'])
def test_verify_client(mode):
    out = {}

    def verify_sync(info):
        out['origin'] = info['origin']
        return mode == 'sync accept'

    def verify_async(info, cb):
        if mode == 'async accept':
            net.setTimeout(lambda: cb(True), 10)
        elif mode == 'async reject':
            cb(False)
        else:
            cb(False, 404, 'Not here', {'X-Foo': 'bar'})
    verify = verify_sync if mode.startswith('sync') else verify_async
    wss = WebSocketServer(port=0, host='127.0.0.1', verifyClient=verify)
    wss.on('connection', lambda ws, req: (out.update(connected=True), ws.close()))

    def listening():
        ws = WebSocket(url_of(wss), origin='http://example')
        ws.on('unexpected-response', lambda req, res: (
            out.update(status=res.statusCode, foo=res.headers.get('x-foo')),
            req.destroy(), wss.close()))
        ws.on('close', lambda *a: wss.close())
    wss.on('listening', listening)
    net.run()
    if mode.endswith('accept'):
        assert out.get('connected')
    elif mode == 'async reject with code and headers':
        assert (out['status'], out['foo']) == (404, 'bar')
    else:
        assert out['status'] == 401
    if mode.startswith('sync'):
        assert out['origin'] == 'http://example'


def test_handle_protocols_and_headers_event():
    out = {}

    def handle(protocols, req):
        out['offered'] = protocols
        return 'bar'
    wss = WebSocketServer(port=0, host='127.0.0.1', handleProtocols=handle)
    wss.on('headers', lambda lines, req: lines.append('X-Extra: 1'))
    wss.on('connection', lambda ws, req: out.update(server_protocol=ws.protocol))

    def listening():
        ws = WebSocket(url_of(wss), ['foo', 'bar'])
        ws.on('upgrade', lambda res: out.update(extra=res.headers.get('x-extra')))
        ws.on('open', lambda: (out.update(protocol=ws.protocol), ws.close()))
        ws.on('close', lambda *a: wss.close())
    wss.on('listening', listening)
    net.run()
    assert out == {'offered': {'foo', 'bar'}, 'server_protocol': 'bar', 'extra': '1',
                   'protocol': 'bar'}


def test_permessage_deflate_disabled_by_default_and_configured():
    out = []

    def run(**options):
        wss = WebSocketServer(port=0, host='127.0.0.1', **options)

        def listening():
            ws = WebSocket(url_of(wss))
            ws.on('upgrade', lambda res: out.append(res.headers.get('sec-websocket-extensions')))
            ws.on('open', ws.close)
            ws.on('close', lambda *a: wss.close())
        wss.on('listening', listening)
        net.run()
    run()
    run(perMessageDeflate={'clientMaxWindowBits': 10, 'serverNoContextTakeover': True})
    assert out == [None, 'permessage-deflate; client_max_window_bits=10; server_no_context_takeover']


def test_closing_server_refuses_with_503():
    out = {}
    server = http.createServer()
    wss = WebSocketServer(noServer=True)

    def upgrade(req, socket, head):
        wss.close()
        wss.handleUpgrade(req, socket, head, lambda ws, r: out.update(connected=True))
    server.on('upgrade', upgrade)

    def listening():
        ws = WebSocket('ws://127.0.0.1:%d' % server.address().port)
        ws.on('unexpected-response', lambda req, res: (out.update(status=res.statusCode),
                                                       req.destroy(), server.close()))
    server.listen(0, '127.0.0.1', listening)
    net.run()
    assert out == {'status': 503}
