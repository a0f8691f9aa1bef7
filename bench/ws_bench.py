"""WebSocket rows of bench/RESULTS.md: an echo of 1 KiB and 64 KiB binary
messages over 50 connections, pyuvnet.ws against ws v8 on Node 20,
Python's websockets (asyncio) and uvicorn's websocket support (its
websockets implementation, an ASGI echo app).

Each server is an echo server in its own process, started once; the
project's load generator in its ws mode (bench/loadgen_ws.c: 50
connections, each sending its next message, one masked binary frame, once
the last came back) drives it for --seconds per run after a 0.5 s warm-up.
Runs are interleaved (every repeat visits every server; the others are
stopped while one is measured, bench/runner/isolate.py) and each row
gives the median with min-max of messages/s and of the server's user CPU
per message (loadgen reads /proc/<pid>/stat around its window).

    python bench/ws_bench.py [--repeats 3] [--seconds 3] [--conns 50] [--json FILE]
    python bench/ws_bench.py --instructions [--rounds 3] [--json FILE]

--instructions counts instead the callgrind instructions per 1 KiB
message of pyuvnet.ws's and ws v8's echo servers, each under valgrind:
10 connections with one message in flight each (the runner's
instructions scenario), a warm-up (Node's JIT settles after some
thousands of messages), then --rounds counted rounds of 200 messages per
connection; handshakes are not in the count.  The bench runner runs both
forms with --full (and --instructions): bench/runner/scripts.py.

ws v8 comes from $PYUVNET_WS_NODE or ~/.cache/pyuvnet/ws8 (npm installs it
there when missing, as the tests do).  A server that cannot start (no
Node, no websockets, no uvicorn) is left out, with its reason.
"""
import argparse
import base64
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
NODE = shutil.which('node')
WS_DIR = os.environ.get('PYUVNET_WS_NODE') or os.path.join(
    os.path.expanduser('~'), '.cache', 'pyuvnet', 'ws8')

PYUVNET_SERVER = """
import pyuvnet as net
from pyuvnet.ws import WebSocketServer
wss = WebSocketServer(port=0, host='127.0.0.1')
wss.on('listening', lambda: print(wss.address()['port'], flush=True))
def connection(ws, req):
    ws.on('message', lambda data, is_binary: ws.send(data))
wss.on('connection', connection)
net.run()
"""

NODE_SERVER = """
const { WebSocketServer } = require('ws');
const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
wss.on('listening', () => console.log(wss.address().port));
wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
"""

WEBSOCKETS_SERVER = """
import asyncio
from websockets.asyncio.server import serve
async def echo(ws):
    async for message in ws:
        await ws.send(message)
async def main():
    async with serve(echo, '127.0.0.1', 0, max_size=None, compression=None) as server:
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.Future()
asyncio.run(main())
"""

UVICORN_SERVER = """
import socket
import uvicorn
async def app(scope, receive, send):
    if scope['type'] != 'websocket':
        return
    while True:
        event = await receive()
        if event['type'] == 'websocket.connect':
            await send({'type': 'websocket.accept'})
        elif event['type'] == 'websocket.receive':
            await send({'type': 'websocket.send', 'bytes': event.get('bytes'), 'text': event.get('text')})
        else:
            return
sock = socket.socket()
sock.bind(('127.0.0.1', 0))
print(sock.getsockname()[1], flush=True)
config = uvicorn.Config(app, ws='websockets-sansio', log_level='error', lifespan='off',
                        ws_max_size=1 << 24, ws_per_message_deflate=False)
uvicorn.Server(config).run(sockets=[sock])
"""



def ws_modules():
    modules = os.path.join(WS_DIR, 'node_modules')
    if not os.path.isfile(os.path.join(modules, 'ws', 'package.json')):
        npm = shutil.which('npm')
        if npm is None:
            return None
        subprocess.run([npm, 'install', '--prefix', WS_DIR, '--no-audit', '--no-fund',
                        '--loglevel=error', 'ws@8'], check=True, stdout=subprocess.DEVNULL)
    return modules


def ws_commands():
    """The pyuvnet.ws and ws v8 servers' argv by name, the reasons of
    those left out, and the environment to start them in."""
    modules = ws_modules() if NODE else None
    env = dict(os.environ, NODE_PATH=modules or '', PYTHONPATH=ROOT)
    commands = {'pyuvnet.ws': [sys.executable, '-c', PYUVNET_SERVER]}
    missing = {}
    if modules:
        commands['ws v8 (Node)'] = [NODE, '-e', NODE_SERVER]
    else:
        missing['ws v8 (Node)'] = 'node or npm is not installed'
    return commands, missing, env


def start_servers():
    """name -> (process, port); name -> reason for those left out."""
    commands, missing, env = ws_commands()
    for name, module, script in (('websockets', 'websockets', WEBSOCKETS_SERVER),
                                 ('uvicorn', 'uvicorn', UVICORN_SERVER)):
        try:
            __import__(module)
            commands[name] = [sys.executable, '-c', script]
        except ImportError:
            missing[name] = '%s is not installed' % module
    servers = {}
    for name, cmd in commands.items():
        # stderr: a server may log the clients cut off at the end of a run.
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                text=True, env=env)
        servers[name] = (proc, int(proc.stdout.readline()))
    return servers, missing, env


def run(loadgen, port, pid, conns, size, seconds):
    out = subprocess.run([loadgen, '--mode', 'ws', '--conns', str(conns), '--size', str(size),
                          '--warmup', '0.5', '--duration', str(seconds), '--server-pid', str(pid),
                          '127.0.0.1:%d' % port], capture_output=True, text=True, timeout=120)
    report = json.loads(out.stdout.splitlines()[-1])
    if not report.get('ok'):
        raise RuntimeError('loadgen: %s %s' % (out.stdout, out.stderr))
    return report['rps'], report['server_user_s'] * 1e6 / max(report['requests'], 1)


# --instructions: what is counted.
COUNT_CONNS = 10
COUNT_SIZE = 1024
COUNT_MESSAGES = 200          # per connection and round
WARMUP_MESSAGES = {'pyuvnet.ws': 100, 'ws v8 (Node)': 1000}
COUNT_LIMIT = 300.0           # seconds a socket may wait, even under valgrind


def masked_frame(size):
    """One binary frame of ``size`` bytes as a client sends it (masked)."""
    key = b'\x01\x02\x03\x04'
    payload = bytes(b ^ key[i & 3] for i, b in enumerate(b'x' * size))
    length = bytes([0x80 | 126]) + size.to_bytes(2, 'big') if size > 125 else bytes([0x80 | size])
    return b'\x82' + length + key + payload


def read_head(sock, peer):
    """A handshake's head, read from ``sock`` up to its blank line."""
    head = b''
    while b'\r\n\r\n' not in head:
        chunk = sock.recv(4096)
        if not chunk:
            raise RuntimeError('the %s closed during the handshake' % peer)
        head += chunk
    return head


def open_client(port):
    """A blocking socket past its handshake with the server at ``port``."""
    sock = socket.create_connection(('127.0.0.1', port), timeout=COUNT_LIMIT)
    key = base64.b64encode(os.urandom(16))
    sock.sendall(b'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n'
                 b'Connection: Upgrade\r\nSec-WebSocket-Key: ' + key +
                 b'\r\nSec-WebSocket-Version: 13\r\n\r\n')
    head = read_head(sock, 'server')
    if not head.startswith(b'HTTP/1.1 101'):
        raise RuntimeError('handshake refused: %r' % head[:80])
    return sock


def echo_rounds(socks, frame, echo_size, messages):
    """``messages`` echoes on every socket, one in flight on each."""
    for _ in range(messages):
        for sock in socks:
            sock.sendall(frame)
        for sock in socks:
            left = echo_size
            while left:
                chunk = sock.recv(left)
                if not chunk:
                    raise RuntimeError('the server closed mid-run')
                left -= len(chunk)


def count_instructions(name, argv, env, rounds):
    """Callgrind instructions per message of the server ``argv``: the
    counted rounds and their median."""
    from runner import instructions
    with tempfile.TemporaryDirectory(prefix='pyuvnet-ws-instr-') as folder:
        out = Path(folder) / 'callgrind.out'
        proc = subprocess.Popen(instructions.callgrind_argv(out, argv), stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True, env=env)
        socks = []
        try:
            port = int(proc.stdout.readline())
            socks = [open_client(port) for _ in range(COUNT_CONNS)]
            frame = masked_frame(COUNT_SIZE)
            echo_size = COUNT_SIZE + 4                 # the server's frame: unmasked, 16-bit length
            echo_rounds(socks, frame, echo_size, WARMUP_MESSAGES[name])
            counts = []
            for dump in range(1, rounds + 1):
                instructions.callgrind_control('-z', proc.pid)
                echo_rounds(socks, frame, echo_size, COUNT_MESSAGES)
                instructions.callgrind_control('-d', proc.pid)
                total = instructions.callgrind_total(Path('%s.%d' % (out, dump)))
                counts.append(total / (COUNT_MESSAGES * COUNT_CONNS))
        finally:
            for sock in socks:
                sock.close()
            proc.kill()
            proc.wait()
    return {'rounds': counts, 'instr_per_msg': statistics.median(counts),
            'messages_per_round': COUNT_MESSAGES * COUNT_CONNS, 'conns': COUNT_CONNS,
            'size': COUNT_SIZE}


def main_instructions(args):
    from runner import instructions
    instructions.require_callgrind()
    systems, missing, env = ws_commands()
    counts = {name: count_instructions(name, argv, env, args.rounds)
              for name, argv in systems.items()}
    print('| server | callgrind instructions per 1 KiB message |')
    print('|---|---|')
    for name, c in counts.items():
        print('| %s | %s |' % (name, spread(c['rounds'], '%.0f')))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump({'instructions': counts, 'missing': missing}, f, indent=1)


def spread(values, fmt):
    return (fmt + ' (' + fmt + '-' + fmt + ')') % (statistics.median(values), min(values), max(values))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--seconds', type=float, default=3)
    parser.add_argument('--conns', type=int, default=50)
    parser.add_argument('--json', help='also write every run there')
    parser.add_argument('--instructions', action='store_true',
                        help='count callgrind instructions per message instead')
    parser.add_argument('--rounds', type=int, default=3, help='counted rounds (--instructions)')
    args = parser.parse_args()
    sys.path.insert(0, HERE)
    if args.instructions:
        return main_instructions(args)
    from runner import build
    from runner.isolate import frozen
    loadgen = build.loadgen()
    servers, missing, env = start_servers()
    sizes = (1024, 65536)
    results = {(name, size): {'rate': [], 'cpu': []} for name in servers for size in sizes}
    try:
        for _ in range(args.repeats):
            for size in sizes:
                for name, (proc, port) in servers.items():
                    # the others stopped: an idle server's CPU is not the measured one's
                    with frozen(other.pid for other, _ in servers.values() if other is not proc):
                        rate, cpu = run(loadgen, port, proc.pid, args.conns, size, args.seconds)
                    results[name, size]['rate'].append(rate)
                    results[name, size]['cpu'].append(cpu)
    finally:
        for proc, _ in servers.values():
            proc.kill()
            proc.wait()
    print('| message | server | messages/s | server user CPU per message (us) |')
    print('|---|---|---|---|')
    for (name, size), r in results.items():
        print('| %d KiB | %s | %s | %s |' % (size // 1024, name, spread(r['rate'], '%.0f'),
                                            spread(r['cpu'], '%.1f')))
    for name, reason in missing.items():
        print('| - | %s | not run: %s | |' % (name, reason))
    if args.json:
        with open(args.json, 'w') as f:
            # 'systems': the runner's targets read it (bench/runner/targets.py).
            systems = {}
            for (name, size), r in results.items():
                systems.setdefault(name, {})[str(size)] = r
            json.dump({'conns': args.conns, 'seconds': args.seconds, 'missing': missing,
                       'systems': systems,
                       'runs': [{'server': n, 'size': s, **r} for (n, s), r in results.items()]},
                      f, indent=1)


if __name__ == '__main__':
    main()
