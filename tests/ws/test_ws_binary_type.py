"""binaryType: 'nodebuffer' (bytes), 'arraybuffer' (bytearray) and
'fragments' (a list of the frames' payloads), ported from ws v8's
test/websocket.test.js (the attribute, the WHATWG cases) and checked
against a ws client on Node receiving the same frames."""
import json

import pytest

from pyuvnet.ws import WebSocket, WebSocketServer

from ws_support import node_ws_process

# The frames the server sends: (payload, options) for ws.send; a message
# of several frames, an empty fragment among them, a text one, an empty one.
SENDS = [
    (b'\x01\x02', None), (b'\x01', {'fin': False}), (b'', {'fin': False}), (b'\x02\x03', None),
    ('hi', None), (b'', None), (b'\x04', {'fin': False}), (b'\x05', None), (b'\x06', None),
]
# After the nth message (1-based) the client sets binaryType to this.
SWITCHES = {1: 'fragments', 3: 'arraybuffer', 5: 'foo'}

NODE_CLIENT = r"""
const { WebSocket } = require('ws');
const switches = JSON.parse(process.argv[2]);
const ws = new WebSocket('ws://127.0.0.1:' + process.argv[1]);
const out = [];
ws.on('message', (d, isBinary) => {
  const shown = Array.isArray(d) ? ['fragments', d.map((x) => x.toString('hex'))]
    : d instanceof ArrayBuffer ? ['arraybuffer', Buffer.from(d).toString('hex')]
    : ['nodebuffer', d.toString('hex')];
  out.push([ws.binaryType, shown, isBinary]);
  if (switches[out.length]) ws.binaryType = switches[out.length];
});
ws.on('close', () => console.log(JSON.stringify(out)));
"""


def shown(data):
    if isinstance(data, list):
        return ['fragments', [part.hex() for part in data]]
    if isinstance(data, bytearray):
        return ['arraybuffer', data.hex()]
    assert type(data) is bytes
    return ['nodebuffer', data.hex()]


def sending_server(sends, **options):
    wss = WebSocketServer(port=0, host='127.0.0.1', **options)

    def connection(ws, req):
        for data, opts in sends:
            ws.send(data, opts)
        ws.close()
    wss.on('connection', connection)
    return wss


def py_client(port, switches, **options):
    out = []
    ws = WebSocket('ws://127.0.0.1:%d' % port, **options)

    def message(data, is_binary):
        out.append([ws.binaryType, shown(data), is_binary])
        if len(out) in switches:
            ws.binaryType = switches[len(out)]
    ws.on('message', message)
    return out


@pytest.mark.parametrize('deflate', [False, True], ids=['plain', 'deflate'])
def test_binary_types_as_a_ws_client_gets_them(run_loop, deflate):
    sends = SENDS if not deflate else [(data, opts) for data, opts in SENDS
                                       if opts is None]
    wss = sending_server(sends, perMessageDeflate={'threshold': 0} if deflate else False)
    port = wss.address()['port']
    closed = []
    wss.on('connection', lambda ws, req: ws.on('close', lambda *a: (
        closed.append(1), len(closed) == 2 and wss.close())))
    out = py_client(port, SWITCHES)
    node = node_ws_process(NODE_CLIENT, str(port), json.dumps(SWITCHES))
    try:
        run_loop(20)
        expected = node.result(timeout=20)
    finally:
        node.kill()
    assert out == expected
    if not deflate:
        assert out == [
            ['nodebuffer', ['nodebuffer', '0102'], True],
            ['fragments', ['fragments', ['01', '0203']], True],
            ['fragments', ['nodebuffer', '6869'], False],
            ['arraybuffer', ['arraybuffer', ''], True],
            ['arraybuffer', ['arraybuffer', '0405'], True],
            ['arraybuffer', ['arraybuffer', '06'], True],
        ]


def test_binary_type_defaults_and_ignores_unknown_values(run_loop):
    ws = WebSocket('ws://127.0.0.1:1')
    ws.on('error', lambda err: None)
    assert ws.binaryType == ws.binary_type == 'nodebuffer'
    ws.binaryType = 'arraybuffer'
    assert ws.binaryType == 'arraybuffer'
    ws.binaryType = 'foo'
    assert ws.binaryType == 'arraybuffer'
    ws.binary_type = 'fragments'
    assert ws.binaryType == 'fragments'
    for ignored in ('', 'blob', None, 2):
        ws.binaryType = ignored
        assert ws.binaryType == 'fragments'
    ws.binaryType = 'nodebuffer'
    assert ws.binaryType == 'nodebuffer'
    run_loop()


def test_fragments_of_empty_messages_are_empty_lists(run_loop):
    wss = sending_server([(b'', None), (b'', {'fin': False}), (b'', None), (b'\x07', None)])
    out = []
    ws = WebSocket('ws://127.0.0.1:%d' % wss.address()['port'])
    ws.binaryType = 'fragments'
    ws.on('message', lambda data, is_binary: out.append(data))
    ws.on('close', lambda *a: wss.close())
    run_loop()
    assert out == [[], [], [b'\x07']]


def test_whatwg_message_event_data_follows_binary_type(run_loop):
    wss = WebSocketServer(port=0, host='127.0.0.1')
    wss.on('connection', lambda ws, req: ws.on('message', lambda data, is_binary: ws.send(
        data, {'binary': is_binary})))
    ws = WebSocket('ws://127.0.0.1:%d' % wss.address()['port'])
    got = []
    order = ['nodebuffer', 'arraybuffer', 'fragments']

    def next_type():
        if len(got) == len(order):
            ws.send('foo')
            return
        ws.binaryType = order[len(got)]
        ws.send(ws.binaryType.encode())

    def onmessage(event):
        if isinstance(event.data, str):
            got.append(event.data)
            ws.close()
            wss.close()
            return
        got.append((ws.binaryType, type(event.data).__name__, event.data))
        next_type()
    ws.onmessage = onmessage
    ws.onopen = lambda event: next_type()
    run_loop()
    assert got == [('nodebuffer', 'bytes', b'nodebuffer'),
                   ('arraybuffer', 'bytearray', bytearray(b'arraybuffer')),
                   ('fragments', 'list', [b'fragments']),
                   'foo']          # text: a str whatever binaryType says
