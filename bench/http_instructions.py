"""``python bench/http_instructions.py``: the HTTP hello servers' user-space
instructions per request, counted with callgrind, and pyuvnet.http's Python
calls per request, counted with cProfile.

Each server (bench/servers/*.py as the benchmark runs them; Node's http
module with ``--systems node-http-module`` if valgrind copes with it) starts
under ``valgrind --tool=callgrind``. The client is this process, outside
valgrind: ``--conns`` keep-alive connections (default 50), each sending
``GET /`` and waiting for its whole answer before the next (with
``--pipeline K``: K requests per write, answered before the next K; with
``--post BYTES``: each request a POST of a BYTES-long body with
Content-Length, as bench/wrk_post.lua sends it, answered with its length;
with ``--vary``: each GET with an ``X-Request-Id`` header of its own, so
that no two requests are the same bytes, where wrk sends one request over
and over; with ``--path /json``: ``GET /json``, the ASGI servers' FastAPI JSON
endpoint, bench/servers/hello_apps.py's). A
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
    python bench/http_instructions.py --systems pyuvnet-asgi,uvicorn-asgi --path /json

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
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH / 'servers'))

from runner import http as wrk, load, systems  # noqa: E402
from runner.instructions import (  # noqa: E402
    VALGRIND_READY, callgrind_argv, callgrind_control, callgrind_total, dump_folder,
    require_callgrind,
)
from runner.procs import Server, ServerFailed  # noqa: E402

REQUEST = b'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n'
CLOSE_REQUEST = REQUEST[:-2] + b'Connection: close\r\n\r\n'
BODY_END = b'Hello, world!\n'
# The GET paths --path takes and how their answers end: the hello, and the
# ASGI servers' FastAPI JSON endpoint (hello_apps.py's JSON_PATH).
PATH_ENDS = {'/': BODY_END, '/json': b'{"message":"Hello, world!"}'}
POST_HEAD = (b'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n'
             b'Content-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n')
ROUND_LIMIT = 300.0     # seconds one round may take under valgrind
SERVERS = {
    'pyuvnet-http-module': ['servers/pyuvnet_http_module.py'],
    'uvloop-httptools': ['servers/httptools_hello.py', '--loop', 'uvloop'],
    'pyuvnet-httptools': ['servers/httptools_hello.py'],
    'uvicorn-asgi': ['servers/uvicorn_hello.py'],
    'pyuvnet-asgi': ['servers/pyuvnet_asgi_hello.py'],
    'pyuvnet-wsgi': ['servers/pyuvnet_wsgi_hello.py'],
    'fastpysgi-wsgi': ['servers/fastpysgi_wsgi_hello.py'],     # in this process, as callgrind needs
    'node-http-module': None,       # node, not python
}


def exchange(post, path='/'):
    """(a request, the bytes that end its answer): ``GET path`` (the hello
    at ``/``), or with ``post`` a POST of that many bytes, answered with
    their count."""
    if not post:
        return REQUEST.replace(b' / ', b' %s ' % path.encode(), 1), PATH_ENDS[path]
    return POST_HEAD % post + b'x' * post, b'\r\n\r\n%d\n' % post


def connect(address, conns):
    """``conns`` connections to the server, kept for every round."""
    socks = []
    for _ in range(conns):
        sock = socket.create_connection(address)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # Non-blocking for the selector; sendall() of a large POST waits.
        sock.settimeout(ROUND_LIMIT)
        socks.append(sock)
    return socks


def varied(request, n):
    """``request`` with a header of its own (``X-Request-Id: n``): no two
    requests are the same bytes, as a real client's mostly are not (a
    server that knows a repeated request again gets no help from it)."""
    head, _, body = request.partition(b'\r\n\r\n')
    return b'%s\r\nX-Request-Id: %d\r\n\r\n%s' % (head, n, body)


def drive(socks, requests, pipeline, limit=ROUND_LIMIT, post=0, path='/', vary=False):
    """Make ``requests`` requests (``exchange(post, path)``, each ``varied``
    with ``vary``) over the keep-alive connections ``socks`` (each waits for
    its answers before sending more); returns how many were answered."""
    sel = selectors.DefaultSelector()
    sent = done = 0
    waiting = {}
    request, answer_end = exchange(post, path)
    batch = request * pipeline

    def send(sock):
        nonlocal sent
        sock.sendall(b''.join(varied(request, sent + i) for i in range(pipeline))
                     if vary else batch)
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
                answered = text.count(answer_end)
                state[0] -= answered
                done += answered
                state[1] = text[text.rfind(answer_end) + len(answer_end):] if answered else text
                if state[0] == 0 and sent < requests:
                    send(sock)
    finally:
        sel.close()
    return done


def drive_closing(address, requests, conns, limit=ROUND_LIMIT):
    """Make ``requests`` hello requests, each on a connection of its own
    that says ``Connection: close`` (wrk's ``Connection: close`` cell),
    ``conns`` of them at a time; returns how many were answered (the
    server closed the connection after a whole answer)."""
    sel = selectors.DefaultSelector()
    opened = done = 0
    answers = {}

    def open_one():
        nonlocal opened
        sock = socket.create_connection(address)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(CLOSE_REQUEST)
        sock.setblocking(False)
        opened += 1
        answers[sock] = b''
        sel.register(sock, selectors.EVENT_READ)
    try:
        for _ in range(min(conns, requests)):
            open_one()
        deadline = time.monotonic() + limit
        while answers:
            if time.monotonic() > deadline:
                raise RuntimeError(f'{done} of {requests} requests answered in {limit:.0f} s')
            for key, _ in sel.select(1.0):
                sock = key.fileobj
                data = sock.recv(65536)
                if data:
                    answers[sock] += data
                    continue
                if not answers.pop(sock).endswith(BODY_END):
                    raise RuntimeError('the server closed a connection before its answer')
                sel.unregister(sock)
                sock.close()
                done += 1
                if opened < requests:
                    open_one()
    finally:
        for sock in answers:
            sock.close()
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
    argv = callgrind_argv(out, server_argv(name))
    with Server(argv, None, server_env(args), VALGRIND_READY) as server:
        address = ('127.0.0.1', int(server.ready_line))
        if args.close:
            socks = []

            def run(requests):
                return drive_closing(address, requests, args.conns)
        else:
            socks = connect(address, args.conns)

            def run(requests):
                return drive(socks, requests, args.pipeline, post=args.post, path=args.path,
                             vary=args.vary)
        run(args.warmup)
        rounds = []
        for dump in range(1, args.rounds + 1):
            callgrind_control('-z', server.pid)
            done = run(args.requests)
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
    variant = 'post' if args.post else 'close' if args.close else ''
    for _ in range(args.wrk):
        for name in names:
            with Server(server_argv(name), None, server_env(args)) as server:
                port = int(server.ready_line)
                wrk.run(port, args.conns, 1, None, variant)      # warm-up
                results[name].append(wrk.run(port, args.conns, args.wrk_seconds, None,
                                             variant, server_pid=server.pid))
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


def python_calls(requests, conns, post, close):
    """(all Python calls, pyuvnet's own, the top of pyuvnet's) per request of
    the hello app served in this process under cProfile (``post``: as
    ``drive``'s; ``close``: each request on a connection of its own)."""
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
            socks = [] if close else connect(address, conns)

            def run(count, limit):
                if close:
                    return drive_closing(address, count, conns, limit)
                return drive(socks, count, 1, limit, post)
            run(200, 30)        # warm-up, not counted
            warm.set()
            go.wait(10)
            result['done'] = run(requests, 60)
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
    parser.add_argument('--post', type=int, default=0, metavar='BYTES',
                        help='each request a POST of BYTES body bytes (default: GET /)')
    parser.add_argument('--path', default='/', choices=sorted(PATH_ENDS),
                        help="GET this path: the hello (/) or the ASGI servers' FastAPI "
                             'JSON endpoint (/json); not with --post or --close')
    parser.add_argument('--vary', action='store_true',
                        help='each GET with an X-Request-Id header of its own, so that no two '
                             'requests are the same bytes (wrk repeats one request)')
    parser.add_argument('--close', action='store_true',
                        help='each request a GET on a new connection with Connection: close '
                             '(--conns of them at a time; not with --pipeline or --post)')
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
    if args.close and (args.post or args.pipeline != 1):
        sys.exit('--close makes GET requests, one per connection: not with --post or --pipeline')
    if args.vary and (args.post or args.close or args.wrk):
        sys.exit('--vary is for the callgrind rounds of keep-alive GETs: not with --post, '
                 '--close or --wrk')
    if args.path != '/' and (args.post or args.close or args.wrk):
        sys.exit('--path is for the callgrind rounds of keep-alive GETs: not with --post, '
                 '--close or --wrk')
    if args.wrk and args.post and args.post != wrk.POST_SIZE:
        sys.exit(f'--wrk with --post: wrk_post.lua sends {wrk.POST_SIZE} bytes, as the benchmark')
    if args.rounds:
        require_callgrind()
    workdir = dump_folder(args.keep, 'pyuvnet-http-instr-')
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
                  f'{"Connection: close" if args.close else f"pipeline {args.pipeline}"}'
                  f'{f", POST {args.post} bytes" if args.post else ""}'
                  f'{f", GET {args.path}" if args.path != "/" else ""}'
                  f'{", each request varied" if args.vary else ""})',
                  flush=True)
        if args.json:
            Path(args.json).write_text(json.dumps({'pipeline': args.pipeline, 'conns': args.conns,
                                                   'post': args.post, 'close': args.close,
                                                   'path': args.path, 'vary': args.vary,
                                                   'requests': args.requests,
                                                   'systems': counts}) + '\n')
        if args.wrk:
            print(f'load average: {os.getloadavg()[0]:.1f}', flush=True)
            print_wrk(wrk_runs(args.systems.split(','), args))
        if args.calls:
            if args.checkout:
                sys.path.insert(0, args.checkout)
            total, own, top = python_calls(2000, 10, args.post, args.close)
            print(f'pyuvnet-http-module: {total:.1f} Python calls per request, '
                  f'{own:.1f} of them in pyuvnet', flush=True)
            for name, calls in top:
                print(f'  {calls:5.2f}  {name}')
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
    main()
