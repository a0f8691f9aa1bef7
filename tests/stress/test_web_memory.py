"""The web layer's memory under hostile peers (issue 59), each against a
server in a child process whose RSS is read from /proc: an ASGI
WebSocket app that never receives, sent deflated messages that inflate
to 90 MiB (audit t34); WebSocket connections closed by errors one after
another, fragments past maxPayload and deflate bombs (t33, t31b); and a
broadcast to clients that do not read (t21).  Each keeps the server under
RSS_BOUND.  Short mode: a few rounds; long: many."""
import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import zlib

import pytest

from stress_support import scaled
from support import RSS_IS_OURS
from ws_support import HANDSHAKE, frame, parse_frames, read_head

MIB = 1 << 20
RSS_BOUND = 96 * MIB

SERVER = textwrap.dedent(r"""
    import asyncio, json, sys
    import pyuvnet as net
    from pyuvnet import aio, asgi
    from pyuvnet.ws import WebSocketServer, broadcast

    def memory():
        fields = dict(line.split(':', 1) for line in open('/proc/self/status'))
        return {key: int(fields[key].split()[0]) * 1024 for key in ('VmRSS', 'VmHWM')}

    def commands(on_line):
        # Each line of stdin is a command, run on the loop ('memory' and
        # 'broadcast SIZE' answer with the figures); EOF ends the process.
        import os, threading
        lines = []
        def read():
            for line in sys.stdin:
                lines.append(line.strip())
            os._exit(0)
        threading.Thread(target=read, daemon=True).start()
        def poll():
            while lines:
                on_line(lines.pop(0))
        net.setInterval(poll, 10)

    def answer(figures):
        print(json.dumps(figures), flush=True)

    kind = sys.argv[1]
    if kind == 'asgi':
        async def app(scope, receive, send):
            if scope['type'] != 'websocket':
                return
            await receive()
            await send({'type': 'websocket.accept'})
            await asyncio.sleep(3600)

        async def main():
            async with aio.attach():
                server = asgi.createServer(app, lifespan='off')
                server.listen(0, '127.0.0.1')
                await aio.listening(server)
                answer({'port': server.address().port})
                commands(lambda line: answer(memory()))
                await asyncio.sleep(3600)
        asyncio.run(main())
    else:
        wss = WebSocketServer(port=0, host='127.0.0.1', perMessageDeflate=True)
        wss.on('connection', lambda ws, req: ws.on('error', lambda err: None))

        def command(line):
            if line.startswith('broadcast'):
                size = int(line.split()[1])
                broadcast(wss.clients, bytes(size))
            answer(memory())
        wss.on('listening', lambda: (answer({'port': wss.address()['port']}), commands(command)))
        net.run()
""")


class Server:
    def __init__(self, kind):
        self.proc = subprocess.Popen([sys.executable, '-c', SERVER, kind], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self.port = json.loads(self.proc.stdout.readline())['port']

    def ask(self, command='memory'):
        self.proc.stdin.write(command + '\n')
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def connect(port, extra=b'Sec-WebSocket-Extensions: permessage-deflate\r\n', rcvbuf=None):
    sock = socket.socket()
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(30)
    sock.connect(('127.0.0.1', port))
    sock.sendall(HANDSHAKE % extra)
    head, rest = read_head(sock)
    assert head.startswith(b'HTTP/1.1 101'), head
    return sock, rest


def close_code(sock, rest):
    """The close code the server sends (None: the connection just ended)."""
    while True:
        frames, _ = parse_frames(rest)
        for opcode, payload in frames:
            if opcode == 8:
                return int.from_bytes(payload[:2], 'big')
        try:
            chunk = sock.recv(65536)
        except OSError:
            return None
        if not chunk:
            return None
        rest += chunk


def deflated(size):
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = b''.join(deflate.compress(bytes(MIB)) for _ in range(size // MIB))
    return (data + deflate.flush(zlib.Z_SYNC_FLUSH))[:-4]


def send_quietly(sock, data):
    try:
        sock.sendall(data)
    except OSError:
        pass        # the server closed first: what it refused stays unsent


@pytest.fixture
def server():
    started = []

    def start(kind):
        started.append(Server(kind))
        return started[-1]
    yield start
    for proc in started:
        proc.stop()


pytestmark = pytest.mark.skipif(not RSS_IS_OURS, reason='ASan quarantine: RSS is not ours')


def test_an_asgi_websocket_app_that_never_receives(server, figures):
    srv = server('asgi')
    bomb = frame(2, deflated(90 * MIB), rsv=4, mask=b'\0\0\0\0')
    connections = scaled(3, 20)
    codes = []
    for _ in range(connections):
        sock, rest = connect(srv.port)
        for _ in range(3):
            send_quietly(sock, bomb)
        codes.append(close_code(sock, rest))
        sock.close()
    memory = srv.ask()
    figures(connections=connections, peak_rss=memory['VmHWM'], rss=memory['VmRSS'])
    assert codes == [1009] * connections
    assert memory['VmHWM'] < RSS_BOUND, memory


def test_repeated_error_closes(server, figures):
    srv = server('ws')
    piece = frame(2, b'\xab' * MIB, fin=False, mask=b'\0\0\0\0')
    cont = bytes([piece[0] & 0xF0]) + piece[1:]
    bomb = frame(2, deflated(128 * MIB), rsv=4, mask=b'\0\0\0\0')      # past 100 MiB
    rounds = scaled(6, 40)
    idle = []
    codes = []
    for i in range(rounds):
        sock, rest = connect(srv.port)
        if i % 2:
            send_quietly(sock, bomb)
        else:
            send_quietly(sock, piece + cont * 109)      # past ws's 100 MiB maxPayload
        codes.append(close_code(sock, rest))
        sock.close()
        time.sleep(0.2)
        idle.append(srv.ask()['VmRSS'])
    figures(rounds=rounds, idle_rss_max=max(idle))
    assert codes == [1009] * rounds
    # Held until a collection, each error close kept up to 100 MiB.
    assert max(idle) < RSS_BOUND, [rss // MIB for rss in idle]


def test_a_broadcast_to_clients_that_do_not_read(server, figures):
    srv = server('broadcast')
    count = scaled(50, 200)
    messages = scaled(10, 40)
    clients = [connect(srv.port, b'', rcvbuf=4096)[0] for _ in range(count)]
    try:
        for _ in range(messages):
            memory = srv.ask('broadcast %d' % MIB)
    finally:
        for sock in clients:
            sock.close()
    figures(clients=count, messages=messages, peak_rss=memory['VmHWM'])
    # A copy per client would be count x messages MiB; one per message
    # is what ws's own send() loop costs.
    assert memory['VmHWM'] < RSS_BOUND, memory
