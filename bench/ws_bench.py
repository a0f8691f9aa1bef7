"""WebSocket rows of bench/RESULTS.md: an echo of 1 KiB and 64 KiB binary
messages over 50 connections, pyuvnet.ws against ws v8 on Node 20,
Python's websockets (asyncio) and uvicorn's websocket support (its
websockets implementation, an ASGI echo app).

Each server is an echo server in its own process, started once; the
project's load generator in its ws mode (bench/loadgen_ws.c: 50
connections, each sending its next message, one masked binary frame, once
the last came back) drives it for --seconds per run after a 0.5 s warm-up.
Runs are interleaved (every repeat visits every server) and each row
gives the median with min-max of messages/s and of the server's user CPU
per message (loadgen reads /proc/<pid>/stat around its window).

    python bench/ws_bench.py [--repeats 3] [--seconds 3] [--conns 50] [--json FILE]

ws v8 comes from $PYUVNET_WS_NODE or ~/.cache/pyuvnet/ws8 (npm installs it
there when missing, as the tests do).  A server that cannot start (no
Node, no websockets, no uvicorn) is left out, with its reason.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys

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


def start_servers():
    """name -> (process, port); name -> reason for those left out."""
    modules = ws_modules() if NODE else None
    env = dict(os.environ, NODE_PATH=modules or '', PYTHONPATH=ROOT)
    commands = {'pyuvnet.ws': [sys.executable, '-c', PYUVNET_SERVER]}
    missing = {}
    if modules:
        commands['ws v8 (Node)'] = [NODE, '-e', NODE_SERVER]
    else:
        missing['ws v8 (Node)'] = 'node or npm is not installed'
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


def spread(values, fmt):
    return (fmt + ' (' + fmt + '-' + fmt + ')') % (statistics.median(values), min(values), max(values))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--seconds', type=float, default=3)
    parser.add_argument('--conns', type=int, default=50)
    parser.add_argument('--json', help='also write every run there')
    args = parser.parse_args()
    sys.path.insert(0, HERE)
    from runner import build
    loadgen = build.loadgen()
    servers, missing, env = start_servers()
    sizes = (1024, 65536)
    results = {(name, size): {'rate': [], 'cpu': []} for name in servers for size in sizes}
    try:
        for _ in range(args.repeats):
            for size in sizes:
                for name, (proc, port) in servers.items():
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
            json.dump({'conns': args.conns, 'seconds': args.seconds, 'missing': missing,
                       'runs': [{'server': n, 'size': s, **r} for (n, s), r in results.items()]},
                      f, indent=1)


if __name__ == '__main__':
    main()
