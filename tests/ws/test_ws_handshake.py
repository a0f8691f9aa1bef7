"""The server's handshake answers, ws v8 as the oracle: the same raw
requests go to a ws WebSocketServer on Node and to pyuvnet.ws's, and the
answers (status line, headers but Date, body) must match: 405 for a
method other than GET, 400 with ws's message for a bad Upgrade,
Sec-WebSocket-Key, -Version, -Protocol or -Extensions header, 400 for a
path not served, 426 for a plain request, 101 with the accept key, the
chosen subprotocol and the negotiated permessage-deflate parameters."""
import json
import socket as pysocket
import subprocess
import sys

import pytest

from ws_support import NODE, read_head, ws_node_modules

NODE_SERVER = r"""
const { WebSocketServer } = require('ws');
const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', path: '/chat',
  perMessageDeflate: { serverMaxWindowBits: 12 },
  handleProtocols: (protocols) => protocols.has('b') ? 'b' : false });
wss.on('listening', () => console.log(JSON.stringify({ port: wss.address().port })));
wss.on('connection', (ws) => ws.close(1000));
"""

PY_SERVER = r"""
import json
import pyuvnet as net
from pyuvnet.ws import WebSocketServer
wss = WebSocketServer({'port': 0, 'host': '127.0.0.1', 'path': '/chat',
                       'perMessageDeflate': {'serverMaxWindowBits': 12}},
                      handle_protocols=lambda protocols, req: 'b' if 'b' in protocols else False)
wss.on('listening', lambda: print(json.dumps({'port': wss.address()['port']}), flush=True))
wss.on('connection', lambda ws, req: ws.close(1000))
net.run()
"""

KEY = 'dGhlIHNhbXBsZSBub25jZQ=='
GOOD = {'Host': 'x', 'Upgrade': 'websocket', 'Connection': 'Upgrade',
        'Sec-WebSocket-Key': KEY, 'Sec-WebSocket-Version': '13'}


def request(method='GET', path='/chat', drop=(), **headers):
    fields = {k: v for k, v in GOOD.items() if k not in drop}
    fields.update({k.replace('_', '-'): v for k, v in headers.items()})
    return ('%s %s HTTP/1.1\r\n' % (method, path) +
            ''.join('%s: %s\r\n' % kv for kv in fields.items()) + '\r\n').encode()


CASES = {
    'good': request(),
    'good, version 8': request(**{'Sec-WebSocket-Version': '8'}),
    'POST': request('POST'),
    'Upgrade: h2c': request(Upgrade='h2c'),
    'Upgrade in capitals': request(Upgrade='WebSocket'),
    'no key': request(drop=('Sec-WebSocket-Key',)),
    'short key': request(**{'Sec-WebSocket-Key': 'abc'}),
    'key of 17 bytes': request(**{'Sec-WebSocket-Key': 'AAAAAAAAAAAAAAAAAAAAAAA='}),
    'version 12': request(**{'Sec-WebSocket-Version': '12'}),
    'no version': request(drop=('Sec-WebSocket-Version',)),
    'other path': request(path='/other'),
    'path with a query': request(path='/chat?room=1'),
    'plain GET': request(drop=('Upgrade', 'Connection')),
    'protocols, b chosen': request(**{'Sec-WebSocket-Protocol': 'a, b'}),
    'protocols, none chosen': request(**{'Sec-WebSocket-Protocol': 'a'}),
    'protocols, duplicated': request(**{'Sec-WebSocket-Protocol': 'a, a'}),
    'protocols, bad character': request(**{'Sec-WebSocket-Protocol': 'a;b'}),
    'deflate offered': request(**{'Sec-WebSocket-Extensions':
                                  'permessage-deflate; client_max_window_bits'}),
    'deflate, two offers': request(**{'Sec-WebSocket-Extensions':
                                      'permessage-deflate; server_max_window_bits=10, '
                                      'permessage-deflate'}),
    'deflate, no context takeover': request(**{'Sec-WebSocket-Extensions':
                                               'permessage-deflate; server_no_context_takeover; '
                                               'client_no_context_takeover'}),
    'deflate, quoted value': request(**{'Sec-WebSocket-Extensions':
                                        'permessage-deflate; client_max_window_bits="10"'}),
    'deflate, bad bits': request(**{'Sec-WebSocket-Extensions':
                                    'permessage-deflate; server_max_window_bits=7'}),
    'deflate, unknown parameter': request(**{'Sec-WebSocket-Extensions':
                                             'permessage-deflate; foo'}),
    'extensions, syntax error': request(**{'Sec-WebSocket-Extensions': 'permessage-deflate;;'}),
    'other extension only': request(**{'Sec-WebSocket-Extensions': 'x-webkit-deflate-frame'}),
}


def answer(port, data):
    sock = pysocket.create_connection(('127.0.0.1', port), timeout=10)
    try:
        sock.sendall(data)
        head, body = read_head(sock)
        lines = head.decode('latin-1').split('\r\n')
        fields = {}
        for line in lines[1:]:
            name, _, value = line.partition(':')
            fields[name.strip().lower()] = value.strip()
        if lines[0].split()[1] != '101':
            length = int(fields.get('content-length', 0))
            while len(body) < length:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                body += chunk
        else:
            body = b''
        fields.pop('date', None)
        fields.pop('keep-alive', None)
        return lines[0], fields, body
    finally:
        sock.close()


@pytest.fixture(scope='module')
def servers():
    import os
    modules = ws_node_modules()
    procs = {
        'node': subprocess.Popen([NODE, '-e', NODE_SERVER], stdout=subprocess.PIPE, text=True,
                                 env=dict(os.environ, NODE_PATH=modules)),
        'pyuvnet': subprocess.Popen([sys.executable, '-c', PY_SERVER], stdout=subprocess.PIPE,
                                    text=True),
    }
    ports = {name: json.loads(proc.stdout.readline())['port'] for name, proc in procs.items()}
    yield ports
    for proc in procs.values():
        proc.kill()
        proc.communicate()


@pytest.mark.parametrize('name', sorted(CASES))
def test_answer_as_ws_v8(servers, name):
    node = answer(servers['node'], CASES[name])
    ours = answer(servers['pyuvnet'], CASES[name])
    assert ours == node


def test_pinned_answers(servers):
    """What the oracle said, kept: ws's statuses and messages."""
    port = servers['pyuvnet']
    assert answer(port, CASES['POST'])[0::2] == ('HTTP/1.1 405 Method Not Allowed',
                                                 b'Invalid HTTP method')
    status, fields, body = answer(port, CASES['version 12'])
    assert (status, body) == ('HTTP/1.1 400 Bad Request',
                              b'Missing or invalid Sec-WebSocket-Version header')
    assert fields['sec-websocket-version'] == '13, 8'
    assert answer(port, CASES['other path'])[0::2] == ('HTTP/1.1 400 Bad Request', b'Bad Request')
    assert answer(port, CASES['plain GET'])[0::2] == ('HTTP/1.1 426 Upgrade Required',
                                                      b'Upgrade Required')
    status, fields, _ = answer(port, CASES['good'])
    assert status == 'HTTP/1.1 101 Switching Protocols'
    assert fields['sec-websocket-accept'] == 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='
    assert answer(port, CASES['deflate offered'])[1]['sec-websocket-extensions'] == \
        'permessage-deflate; server_max_window_bits=12'
