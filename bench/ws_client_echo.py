"""The WebSocket client's small round trips, Autobahn 9.8.*-like: a ws v8
server on Node sends 1,000 binary messages of one size, each after the
client echoed the last, and times each case; the client is pyuvnet.ws's
WebSocket or ws v8's, each in its own process, echoing every message
back (masked, as a client sends).  The same server and clock for both
clients, so a case's time differs only by the client.

    python bench/ws_client_echo.py [--repeats 5] [--messages 1000] [--cpu 0] [--json FILE]
    python bench/ws_client_echo.py --instructions [--rounds 3] [--json FILE]

The driver and the client share one CPU (--cpu, default 0): a message's
round trip is then two context switches.  Left to the scheduler (--cpu
-1) each lands on either CPU of a small VM, and a round trip across two
CPUs waits for the sleeping one to wake, 100-300 us where the same CPU
takes 15-30: a case's time then tells the placement, not the client
(14, 28 or 150 ms per case for the same pyuvnet client, run to run).

Each repeat runs every client once, in turn; a row gives the median
(min-max) milliseconds per case of 1,000 messages, per payload size
(Autobahn's 9.8.1-6: 0, 16, 64, 256, 1,024 and 4,096 bytes, where 9.8's
larger sizes are left out: their time is the copying, not the round trip).
--instructions counts instead each client's callgrind instructions per
echoed 16-byte message: the client under valgrind, a blocking Python
socket as the server (one message in flight), a warm-up of 3,000
messages (Node's JIT), then --rounds rounds of 1,000.

ws v8 comes from $PYUVNET_WS_NODE or ~/.cache/pyuvnet/ws8, as
bench/ws_bench.py finds it.
"""
import argparse
import base64
import hashlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from ws_bench import COUNT_LIMIT, NODE, ROOT, read_head, spread, ws_modules

SIZES = (0, 16, 64, 256, 1024, 4096)

# The driver: for each size, --messages binary messages, one in flight;
# prints {size: milliseconds} once the last size is done, then closes.
DRIVER = """
const { WebSocketServer } = require('ws');
const [sizes, count] = [JSON.parse(process.argv[1]), Number(process.argv[2])];
const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
wss.on('listening', () => console.log(wss.address().port));
wss.on('connection', (ws) => {
  const times = {};
  let at = 0, sent = 0, start = 0n, payload = null;
  const next = () => {
    if (sent === count) {
      times[sizes[at]] = Number(process.hrtime.bigint() - start) / 1e6;
      at += 1;
      if (at === sizes.length) {
        console.log(JSON.stringify(times));
        ws.close(1000);
        wss.close();
        return;
      }
      sent = 0;
    }
    if (sent === 0) {
      payload = Buffer.alloc(sizes[at], 0x61);
      start = process.hrtime.bigint();
    }
    sent += 1;
    ws.send(payload, { binary: true });
  };
  ws.on('message', (data) => {
    if (data.length !== sizes[at]) throw new Error('echo of ' + data.length + ' bytes');
    next();
  });
  next();
});
"""

PYUVNET_CLIENT = """
import sys
import pyuvnet as net
from pyuvnet.ws import WebSocket
ws = WebSocket('ws://127.0.0.1:%s' % sys.argv[1], None, {'perMessageDeflate': False})
ws.on('message', lambda data, is_binary: ws.send(data))
net.run()
"""

NODE_CLIENT = """
const WebSocket = require('ws');
const ws = new WebSocket('ws://127.0.0.1:' + process.argv[1], { perMessageDeflate: false });
ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
"""


def one_run(client_argv, env, count, cpu):
    """{size: ms} of one client's cases against a fresh driver, both on
    ``cpu`` (None: where the scheduler puts them)."""
    pin = None if cpu is None else (lambda: os.sched_setaffinity(0, {cpu}))
    driver = subprocess.Popen([NODE, '-e', DRIVER, json.dumps(SIZES), str(count)],
                              stdout=subprocess.PIPE, text=True, env=env, preexec_fn=pin)
    try:
        port = driver.stdout.readline().strip()
        client = subprocess.Popen(client_argv + [port], env=env, preexec_fn=pin)
        try:
            times = json.loads(driver.stdout.readline())
            client.wait(timeout=60)
        finally:
            if client.poll() is None:
                client.kill()
            client.wait()
        driver.wait(timeout=60)
    finally:
        if driver.poll() is None:
            driver.kill()
        driver.wait()
    return {int(size): ms for size, ms in times.items()}


# --instructions: what is counted.
COUNT_PAYLOAD = 16
COUNT_MESSAGES = 1000
WARMUP_MESSAGES = 3000


def accept_client(server):
    """The first client of the listening socket ``server``, past the
    handshake (answered with no extension)."""
    sock, _ = server.accept()
    sock.settimeout(COUNT_LIMIT)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    head = read_head(sock, 'client')
    key = next(line.split(b':', 1)[1].strip() for line in head.split(b'\r\n')
               if line.lower().startswith(b'sec-websocket-key:'))
    accept = base64.b64encode(hashlib.sha1(key + b'258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest())
    sock.sendall(b'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n'
                 b'Connection: Upgrade\r\nSec-WebSocket-Accept: ' + accept + b'\r\n\r\n')
    return sock


def echoes(sock, count):
    """``count`` messages sent to the client, each echoed (masked: 4
    bytes more) before the next."""
    frame = bytes((0x82, COUNT_PAYLOAD)) + b'a' * COUNT_PAYLOAD
    for _ in range(count):
        sock.sendall(frame)
        left = len(frame) + 4
        while left:
            chunk = sock.recv(left)
            if not chunk:
                raise RuntimeError('the client closed mid-run')
            left -= len(chunk)


def count_client(argv, env, rounds):
    """Callgrind instructions per echoed message of the client ``argv``."""
    from runner import instructions
    server = socket.create_server(('127.0.0.1', 0))
    with tempfile.TemporaryDirectory(prefix='pyuvnet-ws-client-') as folder:
        out = Path(folder) / 'callgrind.out'
        proc = subprocess.Popen(instructions.callgrind_argv(out, argv + [str(server.getsockname()[1])]),
                                stderr=subprocess.DEVNULL, env=env)
        try:
            server.settimeout(COUNT_LIMIT)
            sock = accept_client(server)
            echoes(sock, WARMUP_MESSAGES)
            counts = []
            for dump in range(1, rounds + 1):
                instructions.callgrind_control('-z', proc.pid)
                echoes(sock, COUNT_MESSAGES)
                instructions.callgrind_control('-d', proc.pid)
                counts.append(instructions.callgrind_total(Path('%s.%d' % (out, dump))) / COUNT_MESSAGES)
            sock.close()
        finally:
            server.close()
            proc.kill()
            proc.wait()
    return counts


def main_instructions(args, clients, env):
    from runner import instructions
    instructions.require_callgrind()
    counts = {name: count_client(argv, env, args.rounds) for name, argv in clients.items()}
    print('| client | callgrind instructions per echoed %d-byte message |' % COUNT_PAYLOAD)
    print('|---|---|')
    for name, c in counts.items():
        print('| %s | %s |' % (name, spread(c, '%.0f')))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump({'instructions': counts, 'payload': COUNT_PAYLOAD}, f, indent=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--messages', type=int, default=1000)
    parser.add_argument('--cpu', type=int, default=0,
                        help='the CPU of the driver and the client; -1: the scheduler chooses')
    parser.add_argument('--json', help='also write every run there')
    parser.add_argument('--instructions', action='store_true',
                        help="count each client's callgrind instructions per message instead")
    parser.add_argument('--rounds', type=int, default=3, help='counted rounds (--instructions)')
    args = parser.parse_args()
    cpu = None if args.cpu < 0 else args.cpu
    modules = ws_modules() if NODE else None
    if modules is None:
        sys.exit('node and npm are needed (ws v8 drives the cases)')
    env = dict(os.environ, NODE_PATH=modules, PYTHONPATH=ROOT)
    clients = {'pyuvnet.ws': [sys.executable, '-c', PYUVNET_CLIENT],
               'ws v8 (Node)': [NODE, '-e', NODE_CLIENT]}
    if args.instructions:
        return main_instructions(args, clients, env)
    runs = {name: {size: [] for size in SIZES} for name in clients}
    for _ in range(args.repeats):
        for name, argv in clients.items():
            for size, ms in one_run(argv, env, args.messages, cpu).items():
                runs[name][size].append(ms)
    print('| payload | %s | pyuvnet.ws / ws |' % ' | '.join('%s, ms per case' % n for n in clients))
    print('|---|---|---|---|')
    for size in SIZES:
        ours, theirs = runs['pyuvnet.ws'][size], runs['ws v8 (Node)'][size]
        print('| %d B | %s | %s | %.2fx |' % (size, spread(ours, '%.1f'), spread(theirs, '%.1f'),
                                             statistics.median(ours) / statistics.median(theirs)))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump({'messages': args.messages, 'cpu': cpu, 'runs': runs}, f, indent=1)


if __name__ == '__main__':
    main()
