"""Interop, 1,000 messages each way with SHA-256 checksums: a pyuvnet.ws
server with a ws v8 client on Node, a pyuvnet.ws client with a ws v8
server, and Python's ``websockets`` client with the pyuvnet.ws server;
each with and without permessage-deflate.  Messages are text (every
third) and binary, 0 to 70,000 bytes (7- 16- and 64-bit lengths), and
echoed; the closing handshake ends each run (1000, 'done')."""
import asyncio
import hashlib
import json
import threading

import pytest

import pyuvnet as net
from pyuvnet.ws import WebSocket, WebSocketServer

from ws_support import node_ws  # noqa: F401 (a fixture)

N = 1000


def message(i):
    """The i-th message: (payload, is_binary); text every third."""
    size = (i * 7919) % 70000 if i % 10 == 0 else (i * 131) % 3000
    data = hashlib.sha256(str(i).encode()).digest() * (size // 32 + 1)
    data = data[:size]
    if i % 3 == 0:
        return data.hex()[:size], False
    return data, True


def expected_digest():
    h = hashlib.sha256()
    for i in range(N):
        data, _ = message(i)
        h.update(data.encode() if isinstance(data, str) else data)
    return h.hexdigest()


NODE_CLIENT = r"""
const WebSocket = require('ws'), crypto = require('crypto');
const [url, n, deflate] = [process.argv[1], +process.argv[2], process.argv[3] === '1'];
function message(i) {
  const size = i % 10 === 0 ? (i * 7919) % 70000 : (i * 131) % 3000;
  const one = crypto.createHash('sha256').update(String(i)).digest();
  const data = Buffer.concat(Array(Math.floor(size / 32) + 1).fill(one)).subarray(0, size);
  return i % 3 === 0 ? data.toString('hex').slice(0, size) : data;
}
const ws = new WebSocket(url, { perMessageDeflate: deflate });
const got = crypto.createHash('sha256');
let count = 0, texts = 0;
ws.on('open', () => { for (let i = 0; i < n; i++) ws.send(message(i)); });
ws.on('message', (data, isBinary) => {
  got.update(data);
  if (!isBinary) texts++;
  if (++count === n) ws.close(1000, 'done');
});
ws.on('close', (code, reason) => console.log(JSON.stringify({
  got: got.digest('hex'), count, texts, code, reason: reason.toString(),
  extensions: ws.extensions })));
"""

NODE_SERVER = r"""
const { WebSocketServer } = require('ws'), crypto = require('crypto');
const [n, deflate] = [+process.argv[1], process.argv[2] === '1'];
function message(i) {
  const size = i % 10 === 0 ? (i * 7919) % 70000 : (i * 131) % 3000;
  const one = crypto.createHash('sha256').update(String(i)).digest();
  const data = Buffer.concat(Array(Math.floor(size / 32) + 1).fill(one)).subarray(0, size);
  return i % 3 === 0 ? data.toString('hex').slice(0, size) : data;
}
const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: deflate });
wss.on('listening', () => console.log(JSON.stringify({ port: wss.address().port })));
wss.on('connection', (ws) => {
  const got = crypto.createHash('sha256');
  let count = 0, texts = 0;
  ws.on('message', (data, isBinary) => {
    got.update(data);
    if (!isBinary) texts++;
    count++;
    ws.send(data, { binary: isBinary });
  });
  for (let i = 0; i < n; i++) ws.send(message(i));
  ws.on('close', (code, reason) => {
    console.log(JSON.stringify({ got: got.digest('hex'), count, texts, code,
                                 reason: reason.toString() }));
    wss.close();
  });
});
"""


def echo_server(report, **options):
    """A pyuvnet.ws echo server that hashes what it gets and closes after
    its one connection."""
    wss = WebSocketServer(port=0, host='127.0.0.1', **options)

    def connection(ws, req):
        got = hashlib.sha256()
        counts = {'count': 0, 'texts': 0}

        def on_message(data, is_binary):
            got.update(data)
            counts['count'] += 1
            counts['texts'] += not is_binary
            ws.send(data if is_binary else data.decode())

        def on_close(code, reason):
            report.update(counts, got=got.hexdigest(), code=code, reason=reason,
                          extensions=ws.extensions)
            wss.close()
        ws.on('message', on_message)
        ws.on('close', on_close)
    wss.on('connection', connection)
    return wss


@pytest.mark.parametrize('deflate', [False, True], ids=['plain', 'deflate'])
def test_pyuvnet_server_ws_node_client(node_ws, deflate):
    report = {}
    wss = echo_server(report, perMessageDeflate=deflate)
    started = {}
    wss.on('listening', lambda: started.update(node=node_ws(
        NODE_CLIENT, 'ws://127.0.0.1:%d/' % wss.address()['port'], N, '1' if deflate else '0')))
    net.run()
    client = started['node'].result()
    digest = expected_digest()
    texts = len([i for i in range(N) if i % 3 == 0])
    assert report['got'] == digest and report['count'] == N and report['texts'] == texts
    assert client['got'] == digest and client['count'] == N and client['texts'] == texts
    assert (report['code'], report['reason']) == (1000, b'done')
    assert (client['code'], client['reason']) == (1000, 'done')
    expected = 'permessage-deflate' if deflate else ''
    assert report['extensions'] == client['extensions'] == expected


@pytest.mark.parametrize('deflate', [False, True], ids=['plain', 'deflate'])
def test_pyuvnet_client_ws_node_server(node_ws, deflate):
    server = node_ws(NODE_SERVER, N, '1' if deflate else '0')
    port = json.loads(server.readline())['port']
    ws = WebSocket('ws://127.0.0.1:%d/' % port, perMessageDeflate=deflate)
    got = hashlib.sha256()
    state = {'count': 0, 'texts': 0}

    def on_open():
        for i in range(N):
            ws.send(message(i)[0])

    def on_message(data, is_binary):
        got.update(data)
        state['count'] += 1
        state['texts'] += not is_binary
        if state['count'] == 2 * N:
            ws.close(1000, 'done')
    ws.on('open', on_open)
    ws.on('message', on_message)
    ws.on('close', lambda code, reason: state.update(code=code, reason=reason))
    net.run()
    node = server.result()
    digest = expected_digest()
    texts = len([i for i in range(N) if i % 3 == 0])
    # The client gets the server's N messages, then the echo of its own N.
    both = hashlib.sha256()
    for _ in range(2):
        for i in range(N):
            data, _ = message(i)
            both.update(data.encode() if isinstance(data, str) else data)
    assert node['got'] == digest and node['count'] == N and node['texts'] == texts
    assert state['count'] == 2 * N and state['texts'] == 2 * texts
    assert got.hexdigest() == both.hexdigest()
    assert (state['code'], state['reason']) == (1000, b'done')
    assert (node['code'], node['reason']) == (1000, 'done')
    assert ws.extensions == ('permessage-deflate' if deflate else '')


@pytest.mark.parametrize('deflate', [False, True], ids=['plain', 'deflate'])
def test_pyuvnet_server_websockets_client(deflate):
    websockets = pytest.importorskip('websockets')
    from websockets.asyncio.client import connect
    report = {}
    wss = echo_server(report, perMessageDeflate=deflate)
    result = {}

    async def client(port):
        got = hashlib.sha256()
        count = texts = 0
        async with connect('ws://127.0.0.1:%d/' % port, max_size=None,
                           compression='deflate' if deflate else None) as ws:
            async def sender():
                for i in range(N):
                    await ws.send(message(i)[0])
            task = asyncio.ensure_future(sender())
            for _ in range(N):
                data = await ws.recv()
                texts += isinstance(data, str)
                got.update(data.encode() if isinstance(data, str) else data)
                count += 1
            await task
            result['extensions'] = ws.response.headers.get('Sec-WebSocket-Extensions')
            await ws.close(1000, 'done')
        result.update(got=got.hexdigest(), count=count, texts=texts)

    def run_client(port):
        try:
            asyncio.run(client(port))
        except BaseException as exc:
            result['error'] = exc

    thread = {}

    def listening():
        thread['t'] = threading.Thread(target=run_client, args=(wss.address()['port'],))
        thread['t'].start()
    wss.on('listening', listening)
    net.run()
    thread['t'].join(30)
    assert 'error' not in result, result.get('error')
    digest = expected_digest()
    texts = len([i for i in range(N) if i % 3 == 0])
    assert result['got'] == report['got'] == digest
    assert result['count'] == report['count'] == N
    assert result['texts'] == report['texts'] == texts
    assert (report['code'], report['reason']) == (1000, b'done')
    assert bool(result['extensions']) == deflate
    assert websockets
