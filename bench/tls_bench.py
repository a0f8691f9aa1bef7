"""TLS rows of bench/RESULTS.md: echo throughput (a 64 KiB-block stream)
and handshakes per second (TLS 1.3, ECDSA P-256), pyuvnet.tls against
Node 20's tls and asyncio+uvloop's SSL, on one certificate made at run
time with openssl.

Each server is an echo server in its own process, started once; one
Python client (blocking ssl sockets, the same for all three) drives it.
Runs are interleaved (every repeat visits every server; the others are
stopped while one is measured, bench/runner/isolate.py) and each row
gives the median with min-max.  Server CPU comes from /proc/<pid>/stat
(user + system ticks) around each run.

    python bench/tls_bench.py [--repeats 5] [--mib 64] [--seconds 3] [--threads 4]
    python bench/tls_bench.py --profile     # perf: where the pyuvnet server's time goes
    python bench/tls_bench.py --instructions [--handshakes 300 --rounds 3]

--profile records the pyuvnet server with ``perf record`` during one echo
run and one handshake run, each on its own, and prints the share of its
samples per library: libcrypto/libssl are OpenSSL itself; _uv, libpython
and libc are the glue (pyuvnet's C, the interpreter, allocation).

--instructions counts the user-space instructions per full handshake and
per MiB echoed of the pyuvnet and uvloop servers with valgrind's callgrind
(Node's JIT is not comparable under valgrind): a warm-up, then each round
zeroes the counters, runs ``--handshakes`` sequential handshakes (one
echoed byte each, then the client's FIN), dumps and divides; then the same
with a 16 MiB echo.  Beside each figure, OpenSSL's own share of the same
run, its floor: the instructions inside libssl and libcrypto (with the C
library's malloc and memcpy they call, without what they call back of the
server's own: a BIO, a callback), from the dump's call costs.  Deterministic up to a
fraction of a percent, so it tells a change of a few thousand instructions
from noise where CPU time (10 ms ticks) cannot.  ``--keep DIR`` keeps the
dumps for ``callgrind_annotate``.

``--json FILE`` also writes every repeat's figures (or every round's
counts) there, with the reason for each server that could not start (Node
or uvloop absent): the benchmark's targets report (bench/runner/targets.py)
reads it.  A server that is missing is left out of the runs, not fatal.
"""
import argparse
import importlib.util
import json
import os
import pathlib
import select
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from runner.isolate import frozen

BLOCK = 64 * 1024
TICKS = os.sysconf('SC_CLK_TCK')

PYUVNET_SERVER = """
import sys
import pyuvnet as net, pyuvnet.tls as tls
def on_secure(s):
    s.on('error', lambda err: None)
    s.on('data', s.write)      # a C method: the C-only path of SPEC section 10
server = tls.createServer({'key': open(sys.argv[1]).read(), 'cert': open(sys.argv[2]).read(),
                           'minVersion': 'TLSv1.3'}, on_secure)
server.on('tlsClientError', lambda err, s: None)
server.listen(0, '127.0.0.1', lambda: print(server.address().port, flush=True))
net.run()
"""

NODE_SERVER = """
const tls = require('tls'), fs = require('fs');
const server = tls.createServer({key: fs.readFileSync(process.argv[1]),
                                 cert: fs.readFileSync(process.argv[2]), minVersion: 'TLSv1.3'},
  s => { s.on('error', () => {}); s.on('data', d => s.write(d)); });
server.on('tlsClientError', () => {});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
"""

UVLOOP_SERVER = """
import asyncio, ssl, sys, uvloop
class Echo(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
    def data_received(self, data):
        self.transport.write(data)
async def main():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[2], sys.argv[1])
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    server = await asyncio.get_running_loop().create_server(Echo, '127.0.0.1', 0, ssl=ctx)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()
uvloop.run(main())
"""


def make_certificate(folder):
    key, cert = os.path.join(folder, 'key.pem'), os.path.join(folder, 'cert.pem')
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt',
                    'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert,
                    '-subj', '/CN=localhost', '-days', '1'],
                   check=True, capture_output=True)
    return key, cert


def unavailable(name):
    """Why server ``name`` cannot run here, or None."""
    if name == 'Node tls' and not shutil.which('node'):
        return 'node not found (install Node.js)'
    if name == 'uvloop SSL' and importlib.util.find_spec('uvloop') is None:
        return 'uvloop is not installed (pip install uvloop)'
    return None


def start_servers(key, cert, names=('pyuvnet', 'Node tls', 'uvloop SSL'), wrapper=lambda name: []):
    """({name: (process, port)}, {name: why it is missing}); ``wrapper(name)``
    is an argv prefix."""
    commands = {
        'pyuvnet': [sys.executable, '-c', PYUVNET_SERVER, key, cert],
        'Node tls': ['node', '-e', NODE_SERVER, key, cert],
        'uvloop SSL': [sys.executable, '-c', UVLOOP_SERVER, key, cert],
    }
    servers, missing = {}, {}
    for name in names:
        why = unavailable(name)
        if why:
            missing[name] = why
            continue
        proc = subprocess.Popen(wrapper(name) + commands[name], stdout=subprocess.PIPE, text=True)
        line = proc.stdout.readline().strip()
        if not line.isdigit():
            proc.kill()
            proc.wait()
            proc.stdout.close()
            missing[name] = f'did not start (exit status {proc.returncode}, printed {line!r})'
            continue
        servers[name] = (proc, int(line))
    return servers, missing


def cpu_seconds(pid):
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS   # utime + stime


def client_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    return ctx


def echo_throughput(port, mib):
    """Seconds to send ``mib`` MiB in 64 KiB blocks and read them back.

    One thread with a non-blocking socket, writing while it reads: an
    OpenSSL connection must not be used by two threads at once (a reader
    and a writer thread on one ssl socket fail with "internal error")."""
    total = mib * 1024 * 1024
    conn = client_context().wrap_socket(socket.create_connection(('127.0.0.1', port)))
    conn.setblocking(False)
    block = memoryview(os.urandom(BLOCK))
    unsent, blocks_left, received = block[:0], total // BLOCK, 0
    start = time.perf_counter()
    while received < total:
        writing = bool(unsent) or blocks_left > 0
        readable, writable, _ = select.select([conn], [conn] if writing else [], [], 10)
        if not readable and not writable:
            raise RuntimeError('no progress for 10 s after %d bytes' % received)
        if writable:
            if not unsent:
                unsent, blocks_left = block, blocks_left - 1
            try:
                unsent = unsent[conn.send(unsent):]
            except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
                pass
        try:
            while True:     # everything OpenSSL holds, not only what select saw
                data = conn.recv(1 << 20)
                if not data:
                    raise RuntimeError('the server closed after %d bytes' % received)
                received += len(data)
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            pass
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def sequential_handshakes(port, count):
    """``count`` full handshakes one after the other, each proven by one
    echoed byte, then closed by the client (FIN)."""
    ctx = client_context()
    for _ in range(count):
        with ctx.wrap_socket(socket.create_connection(('127.0.0.1', port))) as conn:
            conn.sendall(b'x')
            if conn.recv(1) != b'x':
                raise RuntimeError('no echo')


ECHO_MIB = 16
OPENSSL = ('libssl', 'libcrypto')   # the libraries whose share is the floor


def instructions(key, cert, count, rounds, keep):
    """({server: {'handshake': [...], 'MiB': [...]}}, {server: why missing}):
    instructions per handshake and per MiB echoed, one figure per round,
    under callgrind."""
    from runner.instructions import (callgrind_argv, callgrind_control, callgrind_share,
                                     callgrind_total)
    folder = pathlib.Path(keep or tempfile.mkdtemp())
    folder.mkdir(parents=True, exist_ok=True)
    names = ('pyuvnet', 'uvloop SSL')
    out = {name: folder / ('%s.out' % name.split()[0]) for name in names}
    servers, missing = start_servers(
        key, cert, names, lambda name: callgrind_argv(out[name], [], '-q'))
    results = {name: {'handshake': [], 'MiB': [], 'handshake_openssl': [], 'MiB_openssl': []}
               for name in servers}
    try:
        for name, (proc, port) in servers.items():
            sequential_handshakes(port, 50)     # warm-up: imports, caches, the first GC passes
            echo_throughput(port, 2)
            dumps = 0
            for what, run, per in (('handshake', lambda: sequential_handshakes(port, count), count),
                                   ('MiB', lambda: echo_throughput(port, ECHO_MIB), ECHO_MIB)):
                for _ in range(rounds):
                    callgrind_control('-z', proc.pid)
                    run()
                    time.sleep(1)               # the last close runs on the server
                    callgrind_control('-d', proc.pid)
                    dumps += 1
                    dump = pathlib.Path('%s.%d' % (out[name], dumps))
                    results[name][what].append(callgrind_total(dump) / per)
                    results[name][what + '_openssl'].append(callgrind_share(dump, OPENSSL) / per)
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait()
    return results, missing


def handshakes(port, seconds, threads):
    """Full TLS 1.3 handshakes (no resumption), each proven by one echoed
    byte, from ``threads`` client threads for ``seconds``; the count."""
    ctx = client_context()
    deadline = time.perf_counter() + seconds
    counts = [0] * threads

    def run(i):
        while time.perf_counter() < deadline:
            with ctx.wrap_socket(socket.create_connection(('127.0.0.1', port))) as conn:
                conn.sendall(b'x')
                if conn.recv(1) != b'x':
                    raise RuntimeError('no echo')
            counts[i] += 1
    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(counts)


def profile(port, pid, what, run):
    data = tempfile.mktemp(suffix='.perf')
    recorder = subprocess.Popen(['perf', 'record', '-q', '-F', '999', '-p', str(pid), '-o', data],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)                 # perf attaches
    run()
    recorder.send_signal(2)         # SIGINT: perf writes its file and exits
    recorder.wait()
    report = subprocess.run(['perf', 'report', '-i', data, '--sort', 'dso', '--stdio', '-q'],
                            capture_output=True, text=True).stdout
    os.unlink(data)
    print('%s: share of the pyuvnet server\'s samples per library' % what)
    for line in report.splitlines()[:10]:
        if line.strip():
            print('   ', line.strip())


def spread(values, fmt):
    return '%s (%s–%s)' % (fmt % statistics.median(values), fmt % min(values), fmt % max(values))


def save_json(path, figures):
    if path:
        pathlib.Path(path).write_text(json.dumps(figures) + '\n')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--mib', type=int, default=64)
    parser.add_argument('--seconds', type=float, default=3.0)
    parser.add_argument('--threads', type=int, default=4)
    parser.add_argument('--profile', action='store_true')
    parser.add_argument('--instructions', action='store_true')
    parser.add_argument('--handshakes', type=int, default=300)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--keep', help='--instructions: keep the callgrind dumps here')
    parser.add_argument('--json', metavar='FILE', help='also write the figures to FILE')
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        key, cert = make_certificate(folder)
        if args.instructions:
            counts, missing = instructions(key, cert, args.handshakes, args.rounds, args.keep)
            save_json(args.json, {'instructions': counts, 'missing': missing,
                                  'handshakes': args.handshakes, 'echo_mib': ECHO_MIB})
            print('| server | instructions per handshake (%d rounds of %d) | of which '
                  'OpenSSL | × OpenSSL | instructions per MiB echoed (%d rounds of %d MiB) '
                  '| of which OpenSSL | × OpenSSL |'
                  % (args.rounds, args.handshakes, args.rounds, ECHO_MIB))
            print('| --- | --- | --- | --- | --- | --- | --- |')
            for name, values in counts.items():
                print('| %s |' % name + ''.join(
                    ' %s | %s | %.2f× |' % (spread(values[what], '%.0f'),
                                            spread(values[what + '_openssl'], '%.0f'),
                                            statistics.median(values[what])
                                            / statistics.median(values[what + '_openssl']))
                    for what in ('handshake', 'MiB')))
            return
        servers, missing = start_servers(key, cert)
        if args.profile:
            proc, port = servers['pyuvnet']
            try:
                profile(port, proc.pid, 'echo, %d MiB' % args.mib,
                        lambda: echo_throughput(port, args.mib))
                profile(port, proc.pid, 'handshakes, %g s' % args.seconds,
                        lambda: handshakes(port, args.seconds, args.threads))
            finally:
                for proc, _ in servers.values():
                    proc.terminate()
                    proc.wait()
            return
        results = {name: {'mbps': [], 'cpu_mib': [], 'hs': [], 'cpu_hs': []} for name in servers}
        try:
            names = list(servers)
            for repeat in range(args.repeats):
                # Rotate the order so no server always runs first.
                for name in names[repeat % len(names):] + names[:repeat % len(names)]:
                    proc, port = servers[name]
                    # the others stopped: an idle server's CPU is not the measured one's
                    with frozen(other.pid for other, _ in servers.values() if other is not proc):
                        cpu = cpu_seconds(proc.pid)
                        elapsed = echo_throughput(port, args.mib)
                        used = cpu_seconds(proc.pid) - cpu
                        results[name]['mbps'].append(args.mib * 1.048576 / elapsed)
                        results[name]['cpu_mib'].append(used * 1000 / args.mib)
                        cpu = cpu_seconds(proc.pid)
                        count = handshakes(port, args.seconds, args.threads)
                        used = cpu_seconds(proc.pid) - cpu
                    results[name]['hs'].append(count / args.seconds)
                    results[name]['cpu_hs'].append(used * 1e6 / count)
                print('repeat %d done' % (repeat + 1), file=sys.stderr, flush=True)
        finally:
            for proc, _ in servers.values():
                proc.terminate()
                proc.wait()
    save_json(args.json, {'repeats': results, 'missing': missing, 'mib': args.mib,
                          'seconds': args.seconds, 'threads': args.threads})
    for name, why in missing.items():
        print('%s: missing: %s' % (name, why))
    print('| server | echo MB/s (64 KiB blocks) | server CPU ms/MiB | handshakes/s '
          '(%d client threads) | server CPU µs/handshake |' % args.threads)
    print('| --- | --- | --- | --- | --- |')
    for name, r in results.items():
        print('| %s | %s | %s | %s | %s |' % (
            name, spread(r['mbps'], '%.0f'), spread(r['cpu_mib'], '%.2f'),
            spread(r['hs'], '%.0f'), spread(r['cpu_hs'], '%.0f')))


if __name__ == '__main__':
    main()
