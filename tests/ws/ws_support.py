"""Helpers for tests/ws: ws v8 under Node (the oracle), installed by the
tests themselves with npm when missing, and a pyuvnet server/client pair.

ws lives in ``$PYUVNET_WS_NODE`` or ``~/.cache/pyuvnet/ws8`` (its
``node_modules``); CI installs it there first (.ci/run).  The tests that
need it skip only when node or npm is absent."""
import fcntl
import json
import os
import shutil
import subprocess

import pytest

from support import NodeProcess

NODE = shutil.which('node') or ('/usr/bin/node' if os.path.exists('/usr/bin/node') else None)
NPM = shutil.which('npm') or ('/usr/bin/npm' if os.path.exists('/usr/bin/npm') else None)
WS_VERSION = '8'
WS_DIR = os.environ.get('PYUVNET_WS_NODE') or os.path.join(
    os.path.expanduser('~'), '.cache', 'pyuvnet', 'ws8')


def ws_node_modules():
    """The node_modules folder holding ws v8, installed with npm if needed;
    the calling test skips when node or npm is absent."""
    if NODE is None:
        pytest.skip('node is not installed')
    modules = os.path.join(WS_DIR, 'node_modules')
    if os.path.isfile(os.path.join(modules, 'ws', 'package.json')):
        return modules
    if NPM is None:
        pytest.skip('npm is not installed (ws v8 is needed)')
    os.makedirs(WS_DIR, exist_ok=True)
    # One installer at a time (pytest-xdist workers, or two runs).
    with open(os.path.join(WS_DIR, '.lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.isfile(os.path.join(modules, 'ws', 'package.json')):
            subprocess.run([NPM, 'install', '--prefix', WS_DIR, '--no-audit', '--no-fund',
                            '--loglevel=error', 'ws@' + WS_VERSION],
                           check=True, timeout=300, stdout=subprocess.DEVNULL)
    return modules


def node_ws_process(script, *args):
    """``node -e script args...`` with ws requirable (support.NodeProcess)."""
    return NodeProcess(script, *args, env=dict(os.environ, NODE_PATH=ws_node_modules()))


@pytest.fixture
def node_ws():
    started = []

    def start(script, *args):
        proc = node_ws_process(script, *args)
        started.append(proc)
        return proc
    yield start
    for proc in started:
        proc.kill()


# -- the same echo server in ws (Node) and pyuvnet.ws, reporting events ------
#
# Each prints {"port": N} once listening, then per connection one JSON line
# of its events in order: ["message", hex, isBinary], ["ping", hex],
# ["pong", hex], ["error", code, message], ["close", code, reason hex].
# A text or binary message is echoed back.  argv: maxPayload, deflate (0/1).

NODE_EVENTS_SERVER = r"""
const { WebSocketServer } = require('ws');
const maxPayload = +process.argv[1], deflate = process.argv[2] === '1';
const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', maxPayload,
                                  perMessageDeflate: deflate });
wss.on('listening', () => console.log(JSON.stringify({ port: wss.address().port })));
wss.on('connection', (ws) => {
  const events = [];
  ws.on('message', (data, isBinary) => {
    events.push(['message', data.toString('hex'), isBinary]);
    ws.send(data, { binary: isBinary });
  });
  ws.on('ping', (d) => events.push(['ping', d.toString('hex')]));
  ws.on('pong', (d) => events.push(['pong', d.toString('hex')]));
  ws.on('error', (e) => events.push(['error', e.code, e.message]));
  ws.on('close', (code, reason) => {
    events.push(['close', code, reason.toString('hex')]);
    console.log(JSON.stringify(events));
  });
});
"""

PY_EVENTS_SERVER = r"""
import json, sys
import pyuvnet as net
from pyuvnet.ws import WebSocketServer
max_payload, deflate = int(sys.argv[1]), sys.argv[2] == '1'
wss = WebSocketServer(port=0, host='127.0.0.1', maxPayload=max_payload,
                      perMessageDeflate=deflate)
wss.on('listening', lambda: print(json.dumps({'port': wss.address()['port']}), flush=True))
def connection(ws, req):
    events = []
    def message(data, is_binary):
        events.append(['message', data.hex(), is_binary])
        ws.send(data, {'binary': is_binary})
    ws.on('message', message)
    ws.on('ping', lambda d: events.append(['ping', d.hex()]))
    ws.on('pong', lambda d: events.append(['pong', d.hex()]))
    ws.on('error', lambda e: events.append(['error', e.code, str(e)]))
    def close(code, reason):
        events.append(['close', code, reason.hex()])
        print(json.dumps(events), flush=True)
    ws.on('close', close)
wss.on('connection', connection)
net.run()
"""


def frame(opcode, payload=b'', fin=True, rsv=0, mask=b'\x01\x02\x03\x04', length=None):
    """One frame as a hostile or honest client writes it: ``length``
    overrides the header's payload length (the 7-bit code 126/127 chosen
    from it), ``mask`` None sends it unmasked."""
    n = len(payload) if length is None else length
    head = bytes([(0x80 if fin else 0) | rsv << 4 | opcode])
    bit = 0x80 if mask is not None else 0
    if n < 126:
        head += bytes([bit | n])
    elif n < 65536:
        head += bytes([bit | 126]) + n.to_bytes(2, 'big')
    else:
        head += bytes([bit | 127]) + n.to_bytes(8, 'big')
    if mask is None or not payload:
        return head + (mask or b'') + payload
    size = len(payload)
    key = (mask * (size // 4 + 1))[:size]
    masked = int.from_bytes(payload, 'big') ^ int.from_bytes(key, 'big')
    return head + mask + masked.to_bytes(size, 'big')


HANDSHAKE = (b'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n'
             b'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'
             b'Sec-WebSocket-Version: 13\r\n%s\r\n')


def raw_exchange(port, data, extra_headers=b'', timeout=10):
    """Connects, completes a handshake, writes ``data`` and reads what the
    server sends until it closes or sends a close frame (then the client
    closes too, never answering it): (status line, frames received as
    (opcode, payload) pairs)."""
    import socket as pysocket
    sock = pysocket.create_connection(('127.0.0.1', port), timeout=timeout)
    try:
        sock.sendall(HANDSHAKE % extra_headers)
        head, rest = read_head(sock)
        status = head.split(b'\r\n', 1)[0].decode()
        sock.sendall(data)
        frames = []
        while True:
            got = parse_frames(rest)
            frames, used = got
            if any(op == 8 for op, _ in frames):
                break
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            rest += chunk
        return status, frames
    finally:
        sock.close()


def read_head(sock):
    """An HTTP answer's head from a blocking socket: (head, bytes after it)."""
    buf = b''
    while b'\r\n\r\n' not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            break
        buf += chunk
    head, _, rest = buf.partition(b'\r\n\r\n')
    return head, rest


def parse_frames(data):
    """Unmasked frames in ``data``: ([(opcode, payload)], bytes used)."""
    frames = []
    pos = 0
    while len(data) - pos >= 2:
        opcode = data[pos] & 0x0F
        n = data[pos + 1] & 0x7F
        head = 2
        if n == 126:
            if len(data) - pos < 4:
                break
            n = int.from_bytes(data[pos + 2:pos + 4], 'big')
            head = 4
        elif n == 127:
            if len(data) - pos < 10:
                break
            n = int.from_bytes(data[pos + 2:pos + 10], 'big')
            head = 10
        if len(data) - pos - head < n:
            break
        frames.append((opcode, data[pos + head:pos + head + n]))
        pos += head + n
    return frames, pos


class EventsServer:
    """One of the two event servers above, as a child process."""

    def __init__(self, kind, max_payload=1000, deflate=False):
        import sys
        args = [str(max_payload), '1' if deflate else '0']
        if kind == 'node':
            env = dict(os.environ, NODE_PATH=ws_node_modules())
            cmd = [NODE, '-e', NODE_EVENTS_SERVER] + args
        else:
            env = dict(os.environ)
            cmd = [sys.executable, '-c', PY_EVENTS_SERVER] + args
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env)
        line = self.proc.stdout.readline()
        if not line:
            self.proc.kill()
            raise AssertionError('%s server failed: %s' % (kind, self.proc.communicate()[1]))
        self.port = json.loads(line)['port']

    def events(self):
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError('server said nothing: %s' % self.proc.communicate()[1])
        return json.loads(line)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.communicate()


def raw_client(port, on_open, extra_headers=b''):
    """A pyuvnet net.Socket that completes a handshake by hand, then calls
    ``on_open(socket, received)``, where ``received`` (a list) collects
    every byte after the 101's head as it comes."""
    import pyuvnet as net
    sock = net.createConnection(port, '127.0.0.1')
    received = []
    state = {'head': b'', 'open': False}

    def on_data(chunk):
        if state['open']:
            received.append(chunk)
            return
        state['head'] += chunk
        if b'\r\n\r\n' in state['head']:
            head, _, rest = state['head'].partition(b'\r\n\r\n')
            assert head.startswith(b'HTTP/1.1 101'), head
            state['open'] = True
            if rest:
                received.append(rest)
            on_open(sock, received)
    sock.on('connect', lambda: sock.write(HANDSHAKE % extra_headers))
    sock.on('data', on_data)
    sock.on('error', lambda err: None)
    return sock


def raw_ws_server(first_bytes=6):
    """A blocking server thread for one client: answers its handshake with
    a 101, keeps its first ``first_bytes`` bytes (or more, as they came),
    answers a close frame without a code, and reads until the client
    closes: (port, received list, thread)."""
    import socket
    import threading
    from pyuvnet.ws._constants import accept_key
    listener = socket.create_server(('127.0.0.1', 0))
    received = []

    def serve():
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(10)
            head, data = read_head(conn)
            key = [line.split(b':', 1)[1].strip() for line in head.split(b'\r\n')
                   if line.lower().startswith(b'sec-websocket-key:')][0].decode()
            conn.sendall(('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n'
                          'Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n'
                          % accept_key(key)).encode())
            while len(data) < first_bytes:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            received.append(data)
            conn.sendall(b'\x88\x00')
            while conn.recv(65536):
                pass
        listener.close()
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return listener.getsockname()[1], received, thread
