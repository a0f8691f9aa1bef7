"""The sender, ported from ws v8's test/sender.test.js: what goes on the
wire for send/ping/pong/close with and without permessage-deflate (the
threshold, compressed fragments, empty fragments, bytes-likes as
payloads, the order of frames), compared byte for byte with what a ws
server on Node sends for the same calls; and close()'s argument errors."""
import array
import json
import socket
import subprocess
import sys

import pytest

from pyuvnet.ws import WebSocket, WebSocketRangeError

from ws_support import HANDSHAKE, NODE, parse_frames, read_head, ws_node_modules

# A server that makes the calls of argv[2] (JSON: [method, kind, data,
# options]) on its first connection, then closes (1000); argv[1] is its
# perMessageDeflate (JSON).  Kinds: 'str', 'bytes', 'bytearray' (ws: a
# Uint8Array), 'memoryview' (ws: an ArrayBuffer); data is hex but for str.
NODE_SERVER = r"""
const { WebSocketServer } = require('ws');
const deflate = JSON.parse(process.argv[1]), steps = JSON.parse(process.argv[2]);
const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: deflate });
wss.on('listening', () => console.log(wss.address().port));
wss.on('connection', (ws) => {
  for (const [method, kind, data, options] of steps) {
    const buf = Buffer.from(data, 'hex');
    const value = kind === 'str' ? data : kind === 'bytes' ? buf
      : kind === 'bytearray' ? new Uint8Array(buf)
      : buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length);
    if (method === 'send') ws.send(value, options);
    else ws[method](value);
  }
  ws.close(1000);
  wss.close();
});
"""

PY_SERVER = r"""
import json, sys
import pyuvnet as net
from pyuvnet.ws import WebSocketServer
deflate, steps = json.loads(sys.argv[1]), json.loads(sys.argv[2])
wss = WebSocketServer(port=0, host='127.0.0.1', perMessageDeflate=deflate)
wss.on('listening', lambda: print(wss.address()['port'], flush=True))
def connection(ws, req):
    for method, kind, data, options in steps:
        value = data if kind == 'str' else {'bytes': bytes, 'bytearray': bytearray,
                                            'memoryview': memoryview}[kind](bytes.fromhex(data))
        if method == 'send':
            ws.send(value, options)
        else:
            getattr(ws, method)(value)
    ws.close(1000)
    wss.close()
wss.on('connection', connection)
net.run()
"""


def frames_sent(kind, deflate, steps, offer):
    """What a ``kind`` ('node' or 'py') server sends for ``steps`` to a
    client offering ``offer``: [(first byte, payload)] up to its close."""
    args = [json.dumps(deflate), json.dumps(steps)]
    if kind == 'node':
        cmd = [NODE, '-e', NODE_SERVER] + args
        env = {'NODE_PATH': ws_node_modules(), 'PATH': '/usr/bin:/bin'}
    else:
        cmd = [sys.executable, '-c', PY_SERVER] + args
        env = None
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    try:
        port = int(proc.stdout.readline())
        sock = socket.create_connection(('127.0.0.1', port), timeout=10)
        with sock:
            sock.sendall(HANDSHAKE % (b'Sec-WebSocket-Extensions: %s\r\n' % offer.encode()))
            head, data = read_head(sock)
            assert head.startswith(b'HTTP/1.1 101'), head
            # Up to the close frame, left unanswered: the child is stopped below.
            while not any(first & 0x0F == 8 for first, _ in split_frames(data)):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return split_frames(data)


def split_frames(data):
    """[(first byte, payload hex)] of the whole unmasked frames in ``data``."""
    out = []
    while data:
        frames, _ = parse_frames(data)
        if not frames:
            break
        opcode_byte = data[0]
        payload = frames[0][1]
        size = data[1] & 0x7F
        head = 2 + (2 if size == 126 else 8 if size == 127 else 0)
        out.append((opcode_byte, payload.hex()))
        data = data[head + len(payload):]
    return out


def same_as_ws(deflate, steps, offer='permessage-deflate'):
    ours = frames_sent('py', deflate, steps, offer)
    theirs = frames_sent('node', deflate, steps, offer)
    assert ours == theirs
    return ours


def text(data, **options):
    return ['send', 'str', data, options or None]


def test_every_message_is_compressed_with_context_takeover():
    # ws: the threshold counts only without context takeover ('hi' is 2 bytes).
    steps = [['send', 'memoryview', b'hi'.hex(), None], ['send', 'bytearray', b'hi'.hex(), None],
             text('hi')]
    frames = same_as_ws(True, steps)
    assert [first for first, _ in frames[:3]] == [0xC2, 0xC2, 0xC1]


def test_the_threshold_counts_without_context_takeover():
    frames = same_as_ws(True, [text('hi'), text('x' * 1024)],
                        'permessage-deflate; server_no_context_takeover')
    assert frames[0] == (0x81, b'hi'.hex())
    assert frames[1][0] == 0xC1 and len(frames[1][1]) < 100


def test_all_fragments_of_a_message_over_the_threshold_are_compressed():
    frames = same_as_ws({'threshold': 3}, [text('123', fin=False), text('12', fin=True)],
                        'permessage-deflate; server_no_context_takeover')
    # RSV1 on the first fragment only; both payloads deflated.
    assert [first for first, _ in frames[:2]] == [0x41, 0x80]
    assert frames[1][1] != b'12'.hex()


def test_no_fragment_of_a_message_under_the_threshold_is_compressed():
    frames = same_as_ws({'threshold': 3}, [text('12', fin=False), text('123', fin=True)],
                        'permessage-deflate; server_no_context_takeover')
    assert frames[:2] == [(0x01, b'12'.hex()), (0x80, b'123'.hex())]


@pytest.mark.parametrize('steps, sizes', [
    ([['send', 'bytes', '', {'fin': False}], text('data', fin=True)], [5, 6]),
    ([text('data', fin=False), ['send', 'bytes', '', {'fin': True}]], [10, 1]),
], ids=['empty-first', 'empty-last'])
def test_empty_fragments_are_compressed(steps, sizes):
    frames = same_as_ws({'threshold': 0}, steps, 'permessage-deflate; server_no_context_takeover')
    assert frames[0][0] & 0x40 and not frames[1][0] & 0x40
    assert [len(payload) // 2 for _, payload in frames[:2]] == sizes


@pytest.mark.parametrize('method, opcode', [('ping', 0x89), ('pong', 0x8A)])
def test_control_payloads_of_any_kind_keep_their_order_after_compressed_data(method, opcode):
    steps = [text('foo'), [method, 'str', 'hi', None], [method, 'bytearray', b'hi'.hex(), None],
             [method, 'memoryview', b'hi'.hex(), None]]
    frames = same_as_ws(True, steps)
    assert frames[0][0] == 0xC1
    assert frames[1:4] == [(opcode, b'hi'.hex())] * 3


def test_all_data_goes_before_the_close_frame():
    frames = same_as_ws(True, [text('foo'), text('bar'), text('baz')])
    assert [first for first, _ in frames] == [0xC1, 0xC1, 0xC1, 0x88]
    assert frames[3][1] == '03e8'


def test_a_masked_payload_is_left_as_it_was(run_loop):
    # ws's Sender.frame with readOnly data: masking never writes into it.
    from pyuvnet.ws import WebSocketServer
    got = []
    wss = WebSocketServer(port=0, host='127.0.0.1')
    wss.on('connection', lambda ws, req: ws.on('message', lambda data, is_binary: (
        got.append(data), ws.close(), wss.close())))
    ws = WebSocket('ws://127.0.0.1:%d' % wss.address()['port'])
    payload = bytearray(b'\x01\x02\x03\x04\x05')
    ws.on('open', lambda: ws.send(payload))
    run_loop()
    assert payload == bytearray(b'\x01\x02\x03\x04\x05') and got == [bytes(payload)]


def test_close_argument_errors(run_loop):
    from pyuvnet.ws import WebSocketServer
    out = []
    wss = WebSocketServer(port=0, host='127.0.0.1')

    def connection(ws, req):
        for code, reason, kind, message in [
                ('error', None, TypeError, 'First argument must be a valid error code number'),
                (1004, None, TypeError, 'First argument must be a valid error code number'),
                (True, None, TypeError, 'First argument must be a valid error code number'),
                (1000, array.array('f', [0.0] * 20), TypeError,
                 'Second argument must be a string or a Uint8Array'),
                (1000, [1, 2], TypeError, 'Second argument must be a string or a Uint8Array'),
                (1000, 'a' * 124, WebSocketRangeError,
                 'The message must not be greater than 123 bytes')]:
            with pytest.raises(kind) as caught:
                ws.close(code, reason)
            out.append(str(caught.value) == message)
        ws.close(1000, 5)         # ws: a reason without a length is no reason
        wss.close()
    wss.on('connection', connection)
    ws = WebSocket('ws://127.0.0.1:%d' % wss.address()['port'])
    ws.on('close', lambda code, reason: out.append((code, reason)))
    run_loop()
    assert out == [True] * 6 + [(1000, b'')]
