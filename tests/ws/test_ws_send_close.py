"""send, close and terminate, and the events around them, ported from ws
v8's test/websocket.test.js (#send, #close, #terminate, 'Events',
'Connection establishing'): what arrives, the frames on the wire, and the
error and close a side gets, each case as ws's test states it."""
import array
import threading

import pytest

from pyuvnet import http
from pyuvnet.ws import WebSocket, WebSocketError, WebSocketRangeError, WebSocketServer
from pyuvnet.ws._constants import accept_key

from ws_support import HANDSHAKE, raw_ws_server, read_head

CLOSED_EARLY = 'WebSocket was closed before the connection was established'


def echo_server(**options):
    """A server echoing every message as it came (text as text)."""
    wss = WebSocketServer(port=0, host='127.0.0.1', **options)
    wss.on('connection', lambda ws, req: ws.on('message', lambda data, is_binary: ws.send(
        data, {'binary': is_binary})))
    return wss, 'ws://127.0.0.1:%d' % wss.address()['port']


def echoed(run_loop, send):
    """What comes back when a client calls ``send(ws)`` once open."""
    wss, url = echo_server()
    got = []
    ws = WebSocket(url)
    ws.on('open', lambda: send(ws))
    ws.on('message', lambda data, is_binary: (got.append((data, is_binary)), ws.close(),
                                              wss.close()))
    run_loop()
    return got


def test_a_typed_array_view_sends_its_own_bytes(run_loop):
    floats = array.array('f', [i / 2 for i in range(6)])
    part = memoryview(floats)[2:5]
    assert echoed(run_loop, lambda ws: ws.send(part)) == [(part.tobytes(), True)]


def test_text_and_numbers_are_text(run_loop):
    assert echoed(run_loop, lambda ws: ws.send('hi')) == [(b'hi', False)]
    assert echoed(run_loop, lambda ws: ws.send(0.5)) == [(b'0.5', False)]


def test_send_without_data_is_an_empty_binary_message(run_loop):
    assert echoed(run_loop, lambda ws: ws.send()) == [(b'', True)]
    assert echoed(run_loop, lambda ws: ws.send(None)) == [(b'', True)]


def test_fin_false_is_kept_until_the_last_fragment(run_loop):
    def send(ws):
        ws.send('fragment', {'fin': False})
        ws.send('fragment', {'fin': True})
    assert echoed(run_loop, send) == [(b'fragmentfragment', False)]


def test_an_unmasked_client_frame_is_refused_with_1002(run_loop):
    wss = WebSocketServer(port=0, host='127.0.0.1')
    out = []

    def connection(ws, req):
        ws.on('error', lambda err: out.append(('server error', type(err), str(err))))
        ws.on('close', lambda code, reason: (out.append(('server close', code, reason)),
                                             wss.close()))
    wss.on('connection', connection)
    ws = WebSocket('ws://127.0.0.1:%d' % wss.address()['port'])
    ws.on('open', lambda: ws.send('hi', {'mask': False}))
    ws.on('close', lambda code, reason: out.append(('client close', code, reason)))
    run_loop()
    assert sorted(out, key=str) == sorted([
        ('server error', WebSocketRangeError, 'Invalid WebSocket frame: MASK must be set'),
        ('server close', 1006, b''), ('client close', 1002, b'')], key=str)


def test_an_invalid_opcode_from_the_server_is_an_error_then_close(run_loop):
    wss = WebSocketServer(port=0, host='127.0.0.1')
    out = []

    def connection(ws, req):
        ws.on('close', lambda code, reason: (out.append(('server', code, reason)), wss.close()))
        ws._socket.write(b'\x85\x00')
    wss.on('connection', connection)
    ws = WebSocket('ws://127.0.0.1:%d' % wss.address()['port'])
    ws.on('error', lambda err: out.append((type(err), err.code, str(err))))
    ws.on('close', lambda code, reason: out.append(('client', code, reason)))
    run_loop()
    assert (WebSocketRangeError, 'WS_ERR_INVALID_OPCODE',
            'Invalid WebSocket frame: invalid opcode 5') in out
    assert ('client', 1006, b'') in out and ('server', 1002, b'') in out


@pytest.mark.parametrize('code, reason', [(1000, None), (1000, 'some reason'), (1013, None),
                                          (1014, 'try again')])
def test_close_code_and_reason_arrive(run_loop, code, reason):
    wss = WebSocketServer(port=0, host='127.0.0.1')
    out = []
    wss.on('connection', lambda ws, req: ws.on('close', lambda c, r: (out.append((c, r)),
                                                                      wss.close())))
    ws = WebSocket('ws://127.0.0.1:%d' % wss.address()['port'])
    ws.on('open', lambda: ws.close(code, reason))
    ws.on('close', lambda c, r: out.append(('client', c, r)))
    run_loop()
    expected = (reason or '').encode()
    assert (code, expected) in out and ('client', code, expected) in out


def test_close_when_closed_does_nothing(run_loop):
    wss, url = echo_server()
    out = []
    ws = WebSocket(url)
    ws.on('open', ws.terminate)
    ws.on('close', lambda code, reason: (out.append(code), ws.close(), ws.terminate(),
                                         out.append(ws.readyState), wss.close()))
    run_loop()
    assert out == [1006, WebSocket.CLOSED]


def test_a_close_without_a_code_sends_no_status_code(run_loop):
    # The client's frame: FIN+close, masked, length 0, then its key.
    port, received, thread = raw_ws_server()
    ws = WebSocket('ws://127.0.0.1:%d' % port)
    out = []
    ws.on('open', ws.close)
    ws.on('close', lambda code, reason: out.append((code, reason)))
    run_loop(10)
    thread.join(10)
    assert received[0][:2] == b'\x88\x80' and len(received[0]) == 6
    assert out == [(1005, b'')]


def test_a_server_close_without_a_code_is_two_bytes(run_loop):
    import socket
    wss = WebSocketServer(port=0, host='127.0.0.1')
    wss.on('connection', lambda ws, req: (ws.close(), ws.on('close', lambda *a: wss.close())))
    port = wss.address()['port']
    got = []

    def client():
        with socket.create_connection(('127.0.0.1', port), timeout=10) as sock:
            sock.sendall(HANDSHAKE % b'')
            head, rest = read_head(sock)
            while len(rest) < 2:
                rest += sock.recv(1024)
            got.append(rest)
            sock.sendall(b'\x88\x80\x00\x00\x00\x00')
    thread = threading.Thread(target=client)
    thread.start()
    run_loop(10)
    thread.join(10)
    assert got == [b'\x88\x00']


@pytest.mark.parametrize('method', ['close', 'terminate'])
def test_close_or_terminate_while_the_server_verifies(run_loop, method):
    from pyuvnet import setTimeout
    wss = WebSocketServer(port=0, host='127.0.0.1',
                          verifyClient=lambda info, cb: setTimeout(cb, 300, True))
    ws = WebSocket('ws://127.0.0.1:%d' % wss.address()['port'])
    out = []
    ws.on('open', lambda: out.append('open'))
    ws.on('error', lambda err: out.append(str(err)))
    ws.on('close', lambda code, reason: (out.append(code), wss.close()))
    setTimeout(lambda: getattr(ws, method)(), 150)
    run_loop()
    assert out == [CLOSED_EARLY, 1006]


@pytest.mark.parametrize('method', ['close', 'terminate'])
def test_close_or_terminate_from_an_upgrade_listener(run_loop, method):
    wss, url = echo_server()
    ws = WebSocket(url)
    out = []
    ws.on('upgrade', lambda res: (out.append(isinstance(res, http.IncomingMessage)),
                                  getattr(ws, method)()))
    ws.on('open', lambda: out.append('open'))
    ws.on('error', lambda err: out.append(str(err)))
    ws.on('close', lambda code, reason: (out.append(code), wss.close()))
    run_loop()
    assert out == [True, CLOSED_EARLY, 1006]


def test_close_after_reading_an_unexpected_response(run_loop):
    server = http.createServer()

    def upgrade(req, socket, head):
        socket.on('end', socket.end)
        socket.write(b'HTTP/1.1 502 Bad Gateway\r\nConnection: keep-alive\r\n'
                     b'Content-type: text/html\r\nContent-Length: 3\r\n\r\nfoo')
    server.on('upgrade', upgrade)
    server.listen(0, '127.0.0.1')
    ws = WebSocket('ws://127.0.0.1:%d' % server.address()['port'])
    out = []

    def unexpected(req, res):
        chunks = []
        res.on('data', chunks.append)
        res.on('end', lambda: (out.append((res.statusCode, b''.join(chunks))), ws.close()))
    ws.on('unexpected-response', unexpected)
    ws.on('error', lambda err: out.append(str(err)))
    ws.on('close', lambda code, reason: (out.append(code), server.close()))
    run_loop()
    assert out == [(502, b'foo'), CLOSED_EARLY, 1006]


@pytest.mark.parametrize('method', ['close', 'terminate'])
def test_close_or_terminate_from_an_error_listener_while_connecting(run_loop, method):
    from pyuvnet import createServer
    server = createServer(lambda socket: (socket.on('end', socket.end), socket.resume(),
                                          socket.write(b'foo\r\n')))
    server.listen(0, '127.0.0.1')
    ws = WebSocket('ws://127.0.0.1:%d' % server.address()['port'])
    out = []
    ws.on('error', lambda err: (out.append(err.code), getattr(ws, method)()))
    ws.on('close', lambda code, reason: (out.append(code), server.close()))
    run_loop()
    assert out == ['HPE_INVALID_CONSTANT', 1006]


def test_the_server_ending_after_its_101_is_close_1006(run_loop):
    server = http.createServer()
    server.on('upgrade', lambda req, socket, head: socket.end((
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
        'Sec-WebSocket-Accept: %s\r\n\r\n' % accept_key(req.headers['sec-websocket-key'])
    ).encode()))
    server.listen(0, '127.0.0.1')
    ws = WebSocket('ws://127.0.0.1:%d' % server.address()['port'])
    out = []
    ws.on('error', lambda err: out.append(err))
    ws.on('close', lambda code, reason: (out.append((code, reason)), server.close()))
    run_loop()
    assert out == [(1006, b'')]


def test_an_unexpected_response_can_be_aborted_and_read_to_its_end(run_loop):
    server = http.createServer()
    server.on('upgrade', lambda req, socket, head: socket.end(
        b'HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-type: text/html\r\n'
        b'Content-Length: 3\r\n\r\nfoo'))
    server.listen(0, '127.0.0.1')
    ws = WebSocket('ws://127.0.0.1:%d' % server.address()['port'])
    out = []
    ws.on('error', lambda err: out.append(('error', str(err))))

    def unexpected(req, res):
        out.append(res.statusCode)
        res.on('end', lambda: (out.append('end'), server.close()))
        req.abort()
    ws.on('unexpected-response', unexpected)
    run_loop()
    assert out[:1] == [401] and ('error', CLOSED_EARLY) not in out
    assert not [e for e in out if isinstance(e, tuple)]


def test_buffered_amount_is_zero_upon_open(run_loop):
    wss, url = echo_server()
    out = []
    ws = WebSocket(url)
    ws.on('open', lambda: (out.append(ws.bufferedAmount), ws.close()))
    ws.on('close', lambda *a: wss.close())
    run_loop()
    assert out == [0]


def test_a_reset_socket_closes_with_1006_and_no_error(run_loop):
    wss, url = echo_server()
    out = []
    ws = WebSocket(url)

    def opened():
        ws._socket.on('error', lambda err: out.append(('socket', err.code)))
        next(iter(wss.clients))._socket.resetAndDestroy()
    ws.on('open', opened)
    ws.on('error', lambda err: out.append(('ws error', err)))
    ws.on('close', lambda code, reason: (out.append((code, reason)), wss.close()))
    run_loop()
    assert out == [('socket', 'ECONNRESET'), (1006, b'')]


def test_ping_and_pong_payloads(run_loop):
    wss = WebSocketServer(port=0, host='127.0.0.1')
    got = []

    def connection(ws, req):
        ws.on('ping', lambda data: got.append(('ping', data)))
        ws.on('pong', lambda data: got.append(('pong', data)) or (
            len(got) == 6 and (ws.close(), wss.close())))
    wss.on('connection', connection)
    ws = WebSocket('ws://127.0.0.1:%d' % wss.address()['port'], autoPong=True)

    def opened():
        for method in (ws.ping, ws.pong):
            method()
            method('hi')
            method(0)
    ws.on('open', opened)
    run_loop()
    assert got == [('ping', b''), ('ping', b'hi'), ('ping', b'0'),
                   ('pong', b''), ('pong', b'hi'), ('pong', b'0')]


def test_sending_while_connecting_raises(run_loop):
    ws = WebSocket('ws://127.0.0.1:1')
    ws.on('error', lambda err: None)
    for call in (ws.send, ws.ping, ws.pong):
        with pytest.raises(WebSocketError, match=r'readyState 0 \(CONNECTING\)'):
            call('x')
    ws.terminate()
    run_loop()
