"""``python bench/http_instructions.py``: the HTTP hello servers' user-space
instructions per request, counted with callgrind, and pyuvnet.http's Python
calls per request, counted with cProfile.

Each server (bench/servers/*.py as the benchmark runs them; Node's http
module with ``--systems node-http-module`` if valgrind copes with it) starts
under ``valgrind --tool=callgrind``. The client is this process, outside
valgrind: ``--conns`` keep-alive connections (default 50), each sending
``GET /`` and waiting for its whole answer before the next (with
``--pipeline K``: K requests per write, answered before the next K). A
warm-up runs uncounted; then each round zeroes the counters, makes
``--requests`` requests, and dumps the counters: the figure is the round's
instructions over its requests. The server's work per request is the same
whatever the timing, so rounds agree within a few percent; the spread is
printed.

    python bench/http_instructions.py                            # pyuvnet.http and uvloop+httptools
    python bench/http_instructions.py --systems pyuvnet-http-module --rounds 1 --keep /tmp/p
    callgrind_annotate --inclusive=yes /tmp/p/pyuvnet-http-module.out.2
    python bench/http_instructions.py --calls                    # + Python calls per request
    python bench/http_instructions.py --checkout /tmp/old        # another (built) pyuvnet

``--wrk N`` adds N short wrk runs per server (``wrk -t1 -c50`` for
``--wrk-seconds`` after a 1 s warm-up, the servers taken in turn, not
pinned), each giving requests/s, p50, p99 and the server's user and
user+system CPU per request from /proc/PID/stat: the unit of the issue's
targets, as noisy as the machine (its load average is printed).

``--json FILE`` also writes each server's rounds there (or why it gave
none: a server that fails is reported and the others still run), for the
benchmark's targets report (bench/runner/targets.py).

``--calls`` serves the same hello app in this process under cProfile (one
client thread, keep-alive) and prints the Python function calls per request,
all of them and pyuvnet's own, with the busiest of pyuvnet's.
"""
import argparse
import cProfile
import json
import os
import pstats
import selectors
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH / 'servers'))

from runner import http as wrk, load, systems  # noqa: E402
from runner.instructions import VALGRIND_READY, callgrind_control, callgrind_total  # noqa: E402
from runner.procs import Server, ServerFailed  # noqa: E402

REQUEST = b'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n'
BODY_END = b'Hello, world!\n'
ROUND_LIMIT = 300.0     # seconds one round may take under valgrind
SERVERS = {
    'pyuvnet-http-module': ['servers/pyuvnet_http_module.py'],
    'uvloop-httptools': ['servers/httptools_hello.py', '--loop', 'uvloop'],
    'pyuvnet-httptools': ['servers/httptools_hello.py'],
    'uvicorn-asgi': ['servers/uvicorn_hello.py'],
    'node-http-module': None,       # node, not python
}


def connect(address, conns):
    """``conns`` connections to the server, kept for every round."""
    socks = []
    for _ in range(conns):
        sock = socket.create_connection(address)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        socks.append(sock)
    return socks


def drive(socks, requests, pipeline, limit=ROUND_LIMIT):
    """Make ``requests`` hello requests over the keep-alive connections
    ``socks`` (each waits for its answers before sending more); returns
    how many were answered."""
    sel = selectors.DefaultSelector()
    sent = done = 0
    waiting = {}
    batch = REQUEST * pipeline

    def send(sock):
        nonlocal sent
        sock.sendall(batch)
        sent += pipeline
        waiting[sock] = [pipeline, b'']
    try:
        for sock in socks:
            if sent < requests:
                send(sock)
            sel.register(sock, selectors.EVENT_READ)
        deadline = time.monotonic() + limit
        while done < sent:
            if time.monotonic() > deadline:
                raise RuntimeError(f'{done} of {requests} requests answered in {limit:.0f} s')
            for key, _ in sel.select(1.0):
                sock = key.fileobj
                data = sock.recv(262144)
                if not data:
                    raise RuntimeError('the server closed a connection')
                state = waiting[sock]
                text = state[1] + data
                answered = text.count(BODY_END)
                state[0] -= answered
                done += answered
                state[1] = text[text.rfind(BODY_END) + len(BODY_END):] if answered else text
                if state[0] == 0 and sent < requests:
                    send(sock)
    finally:
        sel.close()
    return done


def server_argv(name):
    if name == 'node-http-module':
        return ['node', str(BENCH / 'servers' / 'node_http.js')]
    script, *rest = SERVERS[name]
    return [sys.executable, str(BENCH / script), *rest]


def server_env(args):
    env = systems.server_env()
    if args.checkout:
        env['PYTHONPATH'] = os.pathsep.join((args.checkout, env['PYTHONPATH']))
    return env


def measure(name, args, workdir):
    """Instructions per request of each round, for one server."""
    out = Path(workdir) / f'{name}.out'
    argv = ['valgrind', '--tool=callgrind', f'--callgrind-out-file={out}', *server_argv(name)]
    with Server(argv, None, server_env(args), VALGRIND_READY) as server:
        socks = connect(('127.0.0.1', int(server.ready_line)), args.conns)
        drive(socks, args.warmup, args.pipeline)
        rounds = []
        for dump in range(1, args.rounds + 1):
            callgrind_control('-z', server.pid)
            done = drive(socks, args.requests, args.pipeline)
            callgrind_control('-d', server.pid)
            server.check()
            total = callgrind_total(Path(f'{out}.{dump}'))
            rounds.append(total / done)
            print(f'  {name} round {dump}: {total:,} instructions / {done:,} requests = '
                  f'{rounds[-1]:,.0f}', flush=True)
        for sock in socks:
            sock.close()
    return rounds


def wrk_runs(names, args):
    """{name: [wrk result, ...]}: ``args.wrk`` runs of each server, in turn."""
    results = {name: [] for name in names}
    for _ in range(args.wrk):
        for name in names:
            with Server(server_argv(name), None, server_env(args)) as server:
                port = int(server.ready_line)
                wrk.run(port, args.conns, 1, None)      # warm-up
                results[name].append(wrk.run(port, args.conns, args.wrk_seconds, None,
                                             server_pid=server.pid))
    return results


def print_wrk(results):
    """Each server's median (and range) per figure, and its user CPU per
    request as a ratio of each other server's."""
    def median(runs, key):
        return statistics.median(run[key] for run in runs)

    def user_us(run):
        return run['server_user_s'] / run['requests'] * 1e6

    def total_us(run):
        return (run['server_user_s'] + run['server_sys_s']) / run['requests'] * 1e6
    users = {}
    print(f'load average after: {os.getloadavg()[0]:.1f}', flush=True)
    print('| system | req/s | p50 | p99 | user µs/req | user+sys µs/req |')
    print('| --- | ---: | ---: | ---: | ---: | ---: |')
    for name, runs in results.items():
        user = [user_us(run) for run in runs]
        total = [total_us(run) for run in runs]
        users[name] = statistics.median(user)
        print(f'| {name} | {median(runs, "rps"):,.0f} | {median(runs, "p50_us") / 1000:.2f} ms | '
              f'{median(runs, "p99_us") / 1000:.2f} ms | {users[name]:.1f} '
              f'({min(user):.1f}-{max(user):.1f}) | {statistics.median(total):.1f} '
              f'({min(total):.1f}-{max(total):.1f}) |')
    first, *others = users
    for other in others:
        print(f'{first} / {other}, user CPU per request: {users[first] / users[other]:.2f}x')


def python_calls(requests, conns):
    """(all Python calls, pyuvnet's own, the top of pyuvnet's) per request of
    the hello app served in this process under cProfile."""
    import pyuvnet
    from pyuvnet import http
    import pyuvnet_http_module as hello
    package = os.path.dirname(pyuvnet.__file__)
    server = http.createServer({'noDelay': True}, hello.app)
    profile = cProfile.Profile()
    result = {}

    def listening():
        address = ('127.0.0.1', server.address().port)
        warm, go = threading.Event(), threading.Event()

        def client():
            socks = connect(address, conns)
            drive(socks, 200, 1, 30)        # warm-up, not counted
            warm.set()
            go.wait(10)
            result['done'] = drive(socks, requests, 1, 60)
            for sock in socks:
                sock.close()
        thread = threading.Thread(target=client)
        thread.start()

        def check():
            # The loop's thread is the server's: it alone is profiled.
            if warm.is_set() and not go.is_set():
                profile.enable()
                go.set()
            elif not thread.is_alive():
                profile.disable()
                timer.close()
                server.close()
        timer = pyuvnet._uv.setInterval(check, 5)
    server.listen(0, '127.0.0.1', listening)
    pyuvnet.run()
    stats = pstats.Stats(profile).stats
    total = own = 0
    per_function = {}
    for (filename, line, func), (_, calls, *_rest) in stats.items():
        total += calls
        if filename.startswith(package):
            own += calls
            per_function[f'{os.path.basename(filename)}:{func}'] = calls
    done = result['done']
    top = sorted(per_function.items(), key=lambda item: -item[1])[:12]
    return total / done, own / done, [(name, calls / done) for name, calls in top]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--systems', default='pyuvnet-http-module,uvloop-httptools',
                        help=f'comma-separated, of {", ".join(SERVERS)}')
    parser.add_argument('--requests', type=int, default=5000, help='per round (default 5000)')
    parser.add_argument('--warmup', type=int, default=1000, help='uncounted requests first')
    parser.add_argument('--conns', type=int, default=50, help='keep-alive connections (50)')
    parser.add_argument('--pipeline', type=int, default=1, help='requests per write (1)')
    parser.add_argument('--rounds', type=int, default=3, help='callgrind rounds (0: none)')
    parser.add_argument('--keep', help='keep the callgrind dumps in this folder')
    parser.add_argument('--checkout', help='measure the (built) pyuvnet of this source tree')
    parser.add_argument('--wrk', type=int, default=0, metavar='N',
                        help='also N wrk runs per server (CPU per request, req/s, latency)')
    parser.add_argument('--wrk-seconds', type=int, default=3)
    parser.add_argument('--calls', action='store_true',
                        help="also pyuvnet.http's Python calls per request (cProfile)")
    parser.add_argument('--json', metavar='FILE', help='also write the counts to FILE')
    args = parser.parse_args()
    if args.rounds and (not shutil.which('valgrind') or not shutil.which('callgrind_control')):
        sys.exit('valgrind is needed (apt-get install valgrind)')
    workdir = args.keep or tempfile.mkdtemp(prefix='pyuvnet-http-instr-')
    Path(workdir).mkdir(parents=True, exist_ok=True)
    try:
        counts = {}  # what --json writes: {name: {'rounds': [...]} or {'error': why}}
        for name in args.systems.split(',') if args.rounds else ():
            try:
                rounds = measure(name, args, workdir)
            except (ServerFailed, load.RunError, RuntimeError, OSError) as err:
                counts[name] = {'error': str(err)}
                print(f'{name}: no count: {err}', flush=True)
                continue
            counts[name] = {'rounds': rounds}
            low, high = min(rounds), max(rounds)
            print(f'{name}: {statistics.median(rounds):,.0f} instructions per request '
                  f'(median of {len(rounds)}; {low:,.0f}-{high:,.0f}, '
                  f'spread {(high / low - 1) * 100:.1f}%; {args.conns} connections, '
                  f'pipeline {args.pipeline})', flush=True)
        if args.json:
            Path(args.json).write_text(json.dumps({'pipeline': args.pipeline, 'conns': args.conns,
                                                   'requests': args.requests,
                                                   'systems': counts}) + '\n')
        if args.wrk:
            print(f'load average: {os.getloadavg()[0]:.1f}', flush=True)
            print_wrk(wrk_runs(args.systems.split(','), args))
        if args.calls:
            if args.checkout:
                sys.path.insert(0, args.checkout)
            total, own, top = python_calls(2000, 10)
            print(f'pyuvnet-http-module: {total:.1f} Python calls per request, '
                  f'{own:.1f} of them in pyuvnet', flush=True)
            for name, calls in top:
                print(f'  {calls:5.2f}  {name}')
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
    main()
