"""createWebSocketStream over pyuvnet.stream, ported from ws v8's
test/create-websocket-stream.test.js (the cases that apply): a Duplex
whose writes are messages and whose reads are messages; writes before
'open' wait for it; end() closes, destroy() terminates; a WebSocket error
destroys the stream with it; backpressure pauses the WebSocket."""
import pyuvnet as net
from pyuvnet.stream import Duplex
from pyuvnet.ws import WebSocket, WebSocketServer, createWebSocketStream, create_web_socket_stream


def serve(on_connection, **options):
    wss = WebSocketServer(port=0, host='127.0.0.1', **options)
    wss.on('connection', on_connection)
    return wss


def url(wss):
    return 'ws://127.0.0.1:%d' % wss.address()['port']


def test_is_a_duplex_and_echoes_both_ways_with_end_and_close():
    out = []

    def connection(ws, req):
        d = createWebSocketStream(ws)
        d.on('data', lambda chunk: (out.append(('server', chunk)), d.write(chunk.upper())))
        d.on('end', lambda: (out.append('server end'), d.end()))
        d.on('close', lambda: (out.append('server close'), wss.close()))
    wss = serve(connection)

    def listening():
        d = create_web_socket_stream(WebSocket(url(wss)))
        assert isinstance(d, Duplex)
        d.write(b'hello')          # before 'open': sent once open
        d.on('data', lambda chunk: (out.append(('client', chunk)), d.end()))
        d.on('close', lambda: out.append('client close'))
    wss.on('listening', listening)
    net.run()
    assert out[:3] == [('server', b'hello'), ('client', b'HELLO'), 'server end']
    assert sorted(out[3:]) == ['client close', 'server close']


def test_destroy_terminates_the_websocket():
    out = []

    def connection(ws, req):
        ws.on('close', lambda code, reason: (out.append(('server', code)), wss.close()))
    wss = serve(connection)

    def listening():
        ws = WebSocket(url(wss))
        d = createWebSocketStream(ws)
        ws.on('open', d.destroy)
        ws.on('close', lambda code, reason: out.append(('client', code)))
        d.on('close', lambda: out.append('duplex close'))
    wss.on('listening', listening)
    net.run()
    assert sorted(map(str, out)) == ["('client', 1006)", "('server', 1006)", 'duplex close']


def test_a_websocket_error_destroys_the_stream_with_it():
    out = []

    def connection(ws, req):
        ws._socket.write(b'\x83\x00')      # opcode 3: the client's receiver fails
        ws.on('close', lambda *a: wss.close())
    wss = serve(connection)

    def listening():
        d = createWebSocketStream(WebSocket(url(wss)))
        d.on('error', lambda err: out.append(('error', err.code)))
        d.on('close', lambda: out.append(('close', d.destroyed)))
    wss.on('listening', listening)
    net.run()
    assert out == [('error', 'WS_ERR_INVALID_OPCODE'), ('close', True)]


def test_text_as_str_in_readable_object_mode():
    out = []

    def connection(ws, req):
        ws.send('text é')
        ws.send(b'bin')
        ws.close()
        ws.on('close', lambda *a: wss.close())
    wss = serve(connection)

    def listening():
        d = createWebSocketStream(WebSocket(url(wss)), readableObjectMode=True)
        d.on('data', out.append)
        d.on('end', lambda: out.append('end'))
        d.resume()
    wss.on('listening', listening)
    net.run()
    assert out == ['text é', b'bin', 'end']


def test_backpressure_pauses_the_websocket_until_read():
    state = {}

    def connection(ws, req):
        for _ in range(20):
            ws.send(b'x' * 1000)
        ws.on('close', lambda *a: wss.close())
    wss = serve(connection)

    def listening():
        ws = WebSocket(url(wss))
        d = createWebSocketStream(ws, readableHighWaterMark=2000)
        got = []

        def later():
            state['paused'] = ws.isPaused
            d.on('data', got.append)        # flowing: the rest comes

        def check():
            state['total'] = sum(map(len, got))
            ws.close()
        net.setTimeout(later, 200)
        net.setTimeout(check, 500)
    wss.on('listening', listening)
    net.run()
    assert state == {'paused': True, 'total': 20000}
