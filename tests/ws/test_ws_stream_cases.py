"""More of ws v8's test/create-websocket-stream.test.js: the options reach
the Duplex, writes while connecting wait, a write once closing or
closed is an error that destroys the stream, end() while connecting,
the order of 'end' and 'finish' before the stream is destroyed, and
destroy() with and without an error."""
import os

from pyuvnet.ws import WebSocket, WebSocketServer, createWebSocketStream


def server(on_connection):
    wss = WebSocketServer(port=0, host='127.0.0.1')
    wss.on('connection', on_connection)
    return wss, 'ws://127.0.0.1:%d' % wss.address()['port']


def test_options_reach_the_duplex(run_loop):
    wss, url = server(lambda ws, req: (ws.send(b'hi'), ws.close()))
    duplex = createWebSocketStream(WebSocket(url), {'allowHalfOpen': False, 'encoding': 'utf8'})
    out = []
    duplex.on('data', out.append)
    duplex.on('close', lambda: (out.append('close'), wss.close()))
    run_loop()
    assert out == ['hi', 'close']


def test_a_write_while_connecting_is_sent_once_open(run_loop):
    chunk = os.urandom(1024)
    out = []

    def connection(ws, req):
        ws.on('message', lambda data, is_binary: out.append((data, is_binary)))
        ws.on('close', lambda code, reason: (out.append((code, reason)), wss.close()))
        ws.close()
    wss, url = server(connection)
    ws = WebSocket(url)
    assert ws.readyState == WebSocket.CONNECTING
    createWebSocketStream(ws).write(chunk)
    run_loop()
    assert out == [(chunk, True), (1005, b'')]


def test_a_write_once_closed_errors_and_destroys(run_loop):
    wss, url = server(lambda ws, req: ws.close())
    ws = WebSocket(url)
    duplex = createWebSocketStream(ws)
    out = []
    duplex.on('error', lambda err: (out.append((duplex.destroyed, str(err))),
                                    duplex.on('close', lambda: (out.append('close'),
                                                                wss.close()))))
    ws.on('close', lambda *a: duplex.write('hi'))
    run_loop()
    assert out == [(True, 'WebSocket is not open: readyState 3 (CLOSED)'), 'close']


def test_end_while_connecting_is_no_error(run_loop):
    wss, url = server(lambda ws, req: None)
    ws = WebSocket(url)
    duplex = createWebSocketStream(ws)
    out = []
    duplex.on('error', lambda err: out.append(str(err)))
    duplex.on('close', lambda: (out.append('close'), wss.close()))
    duplex.resume()
    duplex.end()
    run_loop()
    assert out == ['close']


def test_finish_then_end_then_destroyed(run_loop):
    wss, url = server(lambda ws, req: (ws.send('foo'), ws.close()))
    ws = WebSocket(url)
    duplex = createWebSocketStream(ws)
    events = []
    duplex.on('end', lambda: events.append(('end', duplex.destroyed)))
    duplex.on('finish', lambda: (events.append(('finish', duplex.destroyed, duplex.readable)),
                                 duplex.resume()))
    duplex.on('close', lambda: (events.append('close'), wss.close()))
    ws.on('close', lambda *a: duplex.end())
    run_loop()
    assert events == [('finish', False, True), ('end', True), 'close']


def test_end_then_finish_then_destroyed(run_loop):
    wss, url = server(lambda ws, req: ws.close())
    duplex = createWebSocketStream(WebSocket(url))
    events = []
    duplex.on('end', lambda: (events.append(('end', duplex.destroyed, duplex.writable)),
                              duplex.end()))
    duplex.on('finish', lambda: events.append('finish'))
    duplex.on('close', lambda: (events.append('close'), wss.close()))
    duplex.resume()
    run_loop()
    assert events == [('end', False, True), 'finish', 'close']


def test_destroy_with_and_without_an_error(run_loop):
    for error in (RuntimeError('Oops'), None):
        wss, url = server(lambda ws, req: None)
        ws = WebSocket(url)
        duplex = createWebSocketStream(ws)
        out = []
        duplex.on('error', lambda err: out.append(err))
        duplex.on('close', lambda wss=wss: (out.append('close'), wss.close()))
        ws.on('open', lambda duplex=duplex, error=error: duplex.destroy(error))
        run_loop()
        assert out == ([error] if error else []) + ['close']


def test_a_websocket_error_is_the_streams_error(run_loop):
    out = []

    def connection(ws, req):
        ws._socket.write(b'\x85\x00')       # opcode 5
        ws.on('close', lambda code, reason: out.append(('server', code, reason)))
    wss, url = server(connection)
    duplex = createWebSocketStream(WebSocket(url))
    duplex.on('error', lambda err: (out.append((type(err).__name__, err.code, str(err))),
                                    duplex.on('close', lambda: (out.append('close'),
                                                                wss.close()))))
    run_loop()
    assert ('WebSocketRangeError', 'WS_ERR_INVALID_OPCODE',
            'Invalid WebSocket frame: invalid opcode 5') in out
    assert 'close' in out and ('server', 1002, b'') in out


def test_an_error_without_a_listener_still_raises(run_loop):
    import pytest
    from pyuvnet.ws import WebSocketRangeError
    wss, url = server(lambda ws, req: ws._socket.write(b'\x85\x00'))
    createWebSocketStream(WebSocket(url))
    with pytest.raises(WebSocketRangeError, match='^Invalid WebSocket frame: invalid opcode 5$'):
        run_loop()
    wss.close()
    for client in list(wss.clients or ()):
        client.terminate()
    run_loop()


def test_end_after_a_failed_handshake_is_the_handshakes_error_only(run_loop):
    from pyuvnet import http, nextTick
    srv = http.createServer()

    def upgrade(req, socket, head):
        socket.on('end', socket.end)
        socket.write(b'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n'
                     b'Connection: Upgrade\r\nSec-WebSocket-Accept: foo\r\n\r\n')
    srv.on('upgrade', upgrade)
    srv.listen(0, '127.0.0.1')
    ws = WebSocket('ws://127.0.0.1:%d' % srv.address()['port'])
    duplex = createWebSocketStream(ws)
    called = []
    duplex.on('error', lambda err: called.append(('error', str(err))))
    duplex.on('finish', lambda: called.append('finish'))
    duplex.on('close', lambda: (called.append('close'), srv.close()))
    ws.on('upgrade', lambda res: nextTick(duplex.end))
    run_loop()
    assert called == [('error', 'Invalid Sec-WebSocket-Accept header'), 'close']


def test_writes_past_the_high_water_mark_then_drain(run_loop):
    """ws's 'handles backpressure (1/3)': a server-side duplex written to
    until write() returns False gets 'drain', then end() closes it."""
    called = []

    def connection(ws, req):
        duplex = createWebSocketStream(ws)
        duplex.resume()
        writes = 1
        while duplex.write(os.urandom(1024)) is not False:
            writes += 1
        called.append(('writes', writes > 1, duplex.writableNeedDrain))

        def drained():
            called.append('drain')
            duplex.on('close', lambda: (called.append('close'), wss.close()))
            duplex.end()
        duplex.on('drain', drained)
    wss, url = server(connection)
    WebSocket(url).on('close', lambda code, reason: called.append(('client', code)))
    run_loop()
    assert called[:2] == [('writes', True, True), 'drain']
    assert sorted(map(str, called[2:])) == ["('client', 1005)", 'close']


def test_resume_while_closing_resumes_the_socket(run_loop):
    """ws's 'resumes the socket if readyState is CLOSING': a message that
    fills the readable buffer pauses the socket; end() then resume() (the
    WebSocket CLOSING) lets the close handshake be read, and the duplex
    closes."""
    from pyuvnet import nextTick
    wss, url = server(lambda ws, req: ws.send(os.urandom(16 * 1024)))
    ws = WebSocket(url)
    duplex = createWebSocketStream(ws)
    called = []

    def message(data, is_binary):
        called.append(('paused', ws._socket.isPaused()))
        duplex.on('close', lambda: (called.append('close'), wss.close()))
        duplex.end()

        def later():
            called.append(('state', ws.readyState))
            duplex.resume()
        nextTick(later)
    ws.on('message', message)
    run_loop()
    assert called == [('paused', True), ('state', WebSocket.CLOSING), 'close']
