"""permessage-deflate on a connection and how connections end, ported from
ws v8's test/websocket.test.js ('permessage-deflate', 'Connection
close'): the client's offer header, compressed messages of every kind,
the compress option without the extension, everything received before a
close or an end delivered, simultaneous protocol errors, and a receiver
error or a close frame fed in one chunk with data."""
import array

import pytest

from pyuvnet import setImmediate
from pyuvnet.ws import WebSocket, WebSocketRangeError, WebSocketServer

from ws_support import frame


@pytest.mark.parametrize('option, header', [
    (None, 'permessage-deflate; client_max_window_bits'),
    (False, None),
    ({'clientNoContextTakeover': True, 'serverNoContextTakeover': True,
      'clientMaxWindowBits': True, 'serverMaxWindowBits': 10},
     'permessage-deflate; server_no_context_takeover; client_no_context_takeover; '
     'server_max_window_bits=10; client_max_window_bits'),
], ids=['default', 'disabled', 'parameters'])
def test_the_offer_header(run_loop, option, header):
    options = {} if option is None else {'perMessageDeflate': option}
    ws = WebSocket('ws://127.0.0.1:1', **options)
    ws.on('error', lambda err: None)
    assert ws._req.getHeader('sec-websocket-extensions') == header
    ws.terminate()
    run_loop()


def deflate_echo(run_loop, send, client_deflate=None, **server_options):
    """What a client gets back from an echoing server, both with
    permessage-deflate, after ``send(ws)``; and the extensions agreed."""
    wss = WebSocketServer(port=0, host='127.0.0.1', **server_options)
    wss.on('connection', lambda ws, req: ws.on('message', lambda data, is_binary: ws.send(
        data, {'binary': is_binary, 'compress': True})))
    got = []
    ws = WebSocket('ws://127.0.0.1:%d' % wss.address()['port'],
                   perMessageDeflate=client_deflate if client_deflate is not None else
                   {'threshold': 0})
    ws.on('open', lambda: send(ws))
    ws.on('message', lambda data, is_binary: (got.append((data, is_binary)), ws.close()))
    ws.on('close', lambda *a: wss.close())
    run_loop()
    return got, ws.extensions


@pytest.mark.parametrize('data, expected', [
    ('hi', (b'hi', False)),
    (memoryview(array.array('f', [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]))[2:5],
     (array.array('f', [1.0, 1.5, 2.0]).tobytes(), True)),
    (bytearray(b'\x00\x01\x02'), (b'\x00\x01\x02', True)),
], ids=['text', 'typed-array', 'bytearray'])
def test_compressed_messages_of_every_kind(run_loop, data, expected):
    got, extensions = deflate_echo(run_loop, lambda ws: ws.send(data),
                                   perMessageDeflate={'threshold': 0})
    assert got == [expected] and extensions == 'permessage-deflate'


def test_the_compress_option_without_the_extension_is_ignored(run_loop):
    got, extensions = deflate_echo(run_loop, lambda ws: ws.send('hi', {'compress': True}),
                                   client_deflate=False)
    assert got == [(b'hi', False)] and extensions == ''


def test_everything_sent_before_an_end_is_received(run_loop):
    wss = WebSocketServer(port=0, host='127.0.0.1', perMessageDeflate={'threshold': 0})

    def connection(ws, req):
        for word in ('foo', 'bar', 'baz'):
            ws.send(word)
        ws.send('qux', lambda err: ws._socket.end())
    wss.on('connection', connection)
    got = []
    ws = WebSocket('ws://127.0.0.1:%d' % wss.address()['port'])
    ws.on('message', lambda data, is_binary: got.append((data.decode(), is_binary)))
    ws.on('close', lambda code, reason: (got.append(code), wss.close()))
    run_loop()
    assert got == [('foo', False), ('bar', False), ('baz', False), ('qux', False), 1006]


def test_messages_sent_before_the_peers_close_frame_arrive(run_loop):
    wss = WebSocketServer(port=0, host='127.0.0.1', perMessageDeflate=True)
    got = []

    def connection(ws, req):
        ws.on('message', lambda data, is_binary: got.append(data.decode()))
        ws.on('close', lambda code, reason: (got.append((code, reason)), wss.close()))
        ws.close(1000)
    wss.on('connection', connection)
    ws = WebSocket('ws://127.0.0.1:%d' % wss.address()['port'],
                   perMessageDeflate={'threshold': 0})
    ws.on('open', lambda: [ws.send(word) for word in ('foo', 'bar', 'baz', 'qux')])
    run_loop()
    assert got == ['foo', 'bar', 'baz', 'qux', (1000, b'')]


@pytest.mark.parametrize('method, code', [('close', 1000), ('terminate', 1006)])
def test_close_or_terminate_after_the_first_of_messages_read_together(run_loop, method, code):
    # Four compressed empty text messages in one write: all four are read
    # before a close made from the first one's listener takes effect.
    wss = WebSocketServer(port=0, host='127.0.0.1', perMessageDeflate=True)
    wss.on('connection', lambda ws, req: ws._socket.write(bytes.fromhex('c10100' * 4)))
    got = []
    ws = WebSocket('ws://127.0.0.1:%d' % wss.address()['port'])

    def message(data, is_binary):
        got.append(data)
        if len(got) == 1:
            setImmediate(lambda: getattr(ws, method)(1000) if method == 'close'
                         else ws.terminate())
    ws.on('message', message)
    ws.on('close', lambda c, reason: (got.append((c, reason)), wss.close()))
    run_loop()
    assert got == [b'', b'', b'', b'', (code, b'')]


@pytest.mark.parametrize('then_close', [False, True], ids=['error-only', 'error-and-close'])
def test_simultaneous_errors_close_both_sides_with_1006(run_loop, then_close):
    wss = WebSocketServer(port=0, host='127.0.0.1')
    out = []

    def watch(ws, side):
        ws.on('error', lambda err: out.append((side, type(err), err.code, str(err))))
        ws.on('close', lambda code, reason: out.append((side, code, reason)))
    wss.on('connection', lambda ws, req: watch(ws, 'server'))
    ws = WebSocket('ws://127.0.0.1:%d' % wss.address()['port'])
    watch(ws, 'client')

    def opened():
        server_ws = next(iter(wss.clients))
        for side in (server_ws, ws):
            side._socket.write(b'\x85\x00')       # opcode 5: invalid both ways
            if then_close:
                side.close()
        server_ws.on('close', lambda *a: wss.close())
    ws.on('open', opened)
    run_loop()
    error = (WebSocketRangeError, 'WS_ERR_INVALID_OPCODE', 'Invalid WebSocket frame: invalid opcode 5')
    assert sorted(out, key=str) == sorted([('server',) + error, ('client',) + error,
                                           ('server', 1006, b''), ('client', 1006, b'')], key=str)


def test_a_receiver_error_in_a_chunk_ends_with_1006(run_loop):
    wss = WebSocketServer(port=0, host='127.0.0.1', maxPayload=16 * 1024)
    out = []

    def connection(ws, req):
        ws.on('error', lambda err: out.append((err.code, str(err))))
        ws.on('close', lambda code, reason: (out.append((code, reason)), wss.close()))
        ws._receiver.feed(frame(2, bytes(16 * 1024 + 1)))
    wss.on('connection', connection)
    WebSocket('ws://127.0.0.1:%d' % wss.address()['port']).on('error', lambda err: None)
    run_loop()
    assert out == [('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 'Max payload size exceeded'),
                   (1006, b'')]


def test_a_close_frame_after_data_in_one_chunk_closes_with_1005(run_loop):
    wss = WebSocketServer(port=0, host='127.0.0.1')
    out = []

    def connection(ws, req):
        ws.on('message', lambda data, is_binary: out.append(len(data)))
        ws.on('close', lambda code, reason: (out.append((code, reason)), wss.close()))
        ws._receiver.feed(frame(2, bytes(16 * 1024)) + frame(8))
    wss.on('connection', connection)
    WebSocket('ws://127.0.0.1:%d' % wss.address()['port'])
    run_loop()
    assert out == [16 * 1024, (1005, b'')]
