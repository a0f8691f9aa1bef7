"""WebSocketServer's options, address, close and clients, ported from ws
v8's test/websocket-server.test.js (#ctor options, #address, #close,
#clients, 'Connection establishing'): a WebSocket subclass, autoPong and
closeTimeout for its connections, a failed bind, a server on a unix
socket, 'close' and close()'s callback in every state, client tracking."""
import os
import tempfile
import time

import pyuvnet as net
from pyuvnet import http
from pyuvnet.ws import WebSocket, WebSocketError, WebSocketServer


def url_of(wss):
    return 'ws://127.0.0.1:%d' % wss.address()['port']


def test_connections_are_made_of_the_websocket_option(run_loop):
    class Custom(WebSocket):
        @property
        def foo(self):
            return 'foo'
    wss = WebSocketServer(port=0, host='127.0.0.1', WebSocket=Custom)
    out = []
    wss.on('connection', lambda ws, req: (out.append((type(ws) is Custom, ws.foo)), wss.close()))
    client = WebSocket(url_of(wss))
    client.on('open', client.close)
    run_loop()
    assert out == [(True, 'foo')]


def test_auto_pong_off_for_the_servers_connections(run_loop):
    wss = WebSocketServer(port=0, host='127.0.0.1', autoPong=False)
    out = []
    wss.on('connection', lambda ws, req: (ws.on('ping', lambda data: (out.append('ping'),
                                                                         ws.close())),
                                          ws.on('close', lambda *a: wss.close())))
    client = WebSocket(url_of(wss))
    client.on('open', client.ping)
    client.on('pong', lambda data: out.append('pong'))
    run_loop()
    assert out == ['ping']


def test_close_timeout_for_the_servers_connections(run_loop):
    wss = WebSocketServer(port=0, host='127.0.0.1', closeTimeout=200)
    out = []

    def connection(ws, req):
        begun = time.monotonic()
        ws.on('close', lambda code, reason: (out.append((code, time.monotonic() - begun)),
                                             wss.close()))
        ws.close()
    wss.on('connection', connection)
    # A client that never answers a close: a raw socket past its handshake.
    from ws_support import raw_client
    sock = raw_client(wss.address()['port'], lambda sock, received: None)
    run_loop(10)
    sock.destroy()
    code, waited = out[0]
    assert code == 1006 and 0.15 < waited < 5


def test_a_failed_bind_is_an_error_event(run_loop):
    first = WebSocketServer(port=0, host='127.0.0.1')
    second = WebSocketServer(port=first.address()['port'], host='127.0.0.1')
    out = []
    second.on('error', lambda err: (out.append(err.code), first.close()))
    run_loop()
    assert out == ['EADDRINUSE']


def test_a_precreated_server_on_a_unix_socket(run_loop):
    path = os.path.join(tempfile.mkdtemp(prefix='pyuvnet-ws-'), 'ws.sock')
    server = http.createServer()
    urls = []

    def listening():
        wss = WebSocketServer(server=server)

        def connection(ws, req):
            urls.append(req.url)
            if len(wss.clients) == 2:
                for client in list(wss.clients):
                    client.close()
                server.close()
        wss.on('connection', connection)
        first = WebSocket('ws+unix:%s:/foo?bar=bar' % path)
        first.on('open', lambda: WebSocket('ws+unix:' + path))
    server.listen(path, listening)
    run_loop()
    os.rmdir(os.path.dirname(path)) if not os.path.exists(path) else None
    assert urls == ['/foo?bar=bar', '/']


def test_address_is_none_after_close(run_loop):
    wss = WebSocketServer(port=0, host='127.0.0.1')
    address = wss.address()
    out = []
    wss.close(lambda *err: out.append(wss.address()))
    run_loop()
    assert address['port'] > 0 and out == [None]


def test_close_in_no_server_mode_calls_back_and_emits_close(run_loop):
    out = []
    wss = WebSocketServer(noServer=True, clientTracking=False)
    wss.on('close', lambda: out.append('close'))
    wss.close(lambda *err: out.append(('cb', err)))
    run_loop()
    assert sorted(map(str, out)) == sorted(map(str, ['close', ('cb', ())]))


def test_close_of_a_closed_server_calls_back_with_an_error_and_emits_close(run_loop):
    wss = WebSocketServer(port=0, host='127.0.0.1')
    out = []

    def closed(*err):
        wss.on('close', lambda: out.append('close again'))
        wss.close(lambda err=None: out.append(str(err)))
    wss.close(closed)
    run_loop()
    assert sorted(out) == ['The server is not running', 'close again']


def test_close_event_waits_for_the_http_server(run_loop):
    wss = WebSocketServer(port=0, host='127.0.0.1')
    out = []

    def connection(socket):
        wss.close()
        wss.close()
        net.nextTick(socket.end)
    wss._server.on('connection', connection)
    wss._server.on('close', lambda: out.append('http close'))
    wss.on('close', lambda: out.append('close'))
    net.createConnection(wss.address()['port'], '127.0.0.1').on('error', lambda err: None)
    run_loop()
    assert out == ['http close', 'close']


def test_close_leaves_a_precreated_server_as_it_was(run_loop):
    server = http.createServer()
    before = server.listenerCount('listening')
    wss = WebSocketServer(server=server)
    out = []

    def listening():
        wss.close(lambda *err: (out.append((server.listenerCount('listening'),
                                            server.listenerCount('upgrade'),
                                            server.listenerCount('error'))), server.close()))
    server.listen(0, '127.0.0.1', listening)
    run_loop()
    assert out == [(before, 0, 0)]


def test_clients_can_be_disabled(run_loop):
    wss = WebSocketServer(port=0, host='127.0.0.1', clientTracking=False)
    out = [wss.clients]
    wss.on('connection', lambda ws, req: (out.append(wss.clients),
                                          ws.on('close', lambda *a: wss.close())))
    client = WebSocket(url_of(wss))
    client.on('open', client.close)
    run_loop()
    assert out == [None, None]


def test_clients_drops_a_connection_before_its_close_listeners(run_loop):
    for how in ('terminate', 'close'):
        wss = WebSocketServer(port=0, host='127.0.0.1')
        out = []
        wss.on('connection', lambda ws, req: (out.append(len(wss.clients)), ws.on(
            'close', lambda *a: (out.append(len(wss.clients)), wss.close()))))
        client = WebSocket(url_of(wss))
        client.on('open', getattr(client, how))
        run_loop()
        assert out == [1, 0], how


def test_no_connection_for_a_socket_that_ended_during_verify_client(run_loop):
    server = http.createServer()
    out = []

    def verify(info, cb):
        socket = info['req'].socket
        out.append((socket.readable, socket.writable))
        socket.on('end', lambda: (out.append((socket.readable, socket.writable)), cb(True)))
    wss = WebSocketServer(server=server, verifyClient=verify)
    wss.on('connection', lambda ws, req: out.append('connection'))

    def listening():
        sock = net.createConnection({'port': server.address()['port'], 'host': '127.0.0.1',
                                     'allowHalfOpen': True})
        sock.on('connect', lambda: sock.end(
            b'GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
            b'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'))
        sock.on('data', lambda data: out.append(data))
        sock.on('end', lambda: (wss.close(), server.close()))
        sock.resume()
    server.listen(0, '127.0.0.1', listening)
    run_loop()
    assert out[:2] == [(True, True), (False, True)] and 'connection' not in out


def test_handle_upgrade_twice_with_one_socket_is_an_error(run_loop):
    server = http.createServer()
    wss = WebSocketServer(noServer=True)
    out = []

    def upgrade(req, socket, head):
        wss.handleUpgrade(req, socket, head, lambda ws, req: ws.close())
        try:
            wss.handleUpgrade(req, socket, head, lambda ws, req: None)
        except WebSocketError as err:
            out.append(str(err))
    server.on('upgrade', upgrade)
    server.listen(0, '127.0.0.1')
    client = WebSocket('ws://127.0.0.1:%d' % server.address()['port'])
    client.on('close', lambda *a: server.close())
    run_loop()
    assert out == ['server.handleUpgrade() was called more than once with the same socket, '
                   'possibly due to a misconfiguration']


def test_handle_upgrade_over_any_duplex_stream(run_loop):
    from pyuvnet.stream import Duplex

    class Side(Duplex):
        """One end of an in-memory duplex pair: what it writes, the other reads."""
        def _read(self, size):
            pass

        def _write(self, chunk, encoding, cb):
            self.peer.push(chunk)
            cb()

        def _final(self, cb):
            self.peer.push(None)
            cb()

    server = http.createServer()
    wss = WebSocketServer(noServer=True)

    def upgrade(req, socket, head):
        client_side, server_side = Side(), Side()
        client_side.peer, server_side.peer = server_side, client_side
        socket.pipe(client_side)
        client_side.pipe(socket)
        wss.handleUpgrade(req, server_side, head, lambda ws, req: (ws.send('hello'), ws.close()))
    server.on('upgrade', upgrade)
    server.listen(0, '127.0.0.1')
    out = []
    client = WebSocket('ws://127.0.0.1:%d' % server.address()['port'])
    client.on('message', lambda data, is_binary: out.append((data, is_binary)))
    client.on('close', lambda code, reason: (out.append((code, reason)), server.close()))
    run_loop()
    assert out == [(b'hello', False), (1005, b'')]


def test_a_server_without_host_binds_any_ipv6_address(run_loop):
    wss = WebSocketServer(port=0)
    out = []
    wss.on('listening', lambda: (out.append(wss.address()['address']), wss.close()))
    run_loop()
    assert out == ['::']


def test_receiver_limits_reach_each_connection(run_loop):
    from ws_support import raw_client, frame
    wss = WebSocketServer(port=0, host='127.0.0.1', perMessageDeflate=True, maxFragments=2,
                          maxPayload=20480, maxBufferedChunks=1024)
    out = []

    def connection(ws, req):
        out.append((ws._receiver.max_payload, ws._deflate.max_payload))
        ws.on('error', lambda err: out.append(err.code))
        ws.on('close', lambda *a: wss.close())
    wss.on('connection', connection)
    offer = b'Sec-WebSocket-Extensions: permessage-deflate\r\n'
    sock = raw_client(wss.address()['port'], lambda sock, received: sock.write(
        frame(2, b'a', fin=False) + frame(0, b'b', fin=False) + frame(0, b'c')), offer)
    run_loop()
    sock.destroy()
    assert out == [(20480, 20480), 'WS_ERR_TOO_MANY_BUFFERED_PARTS']
