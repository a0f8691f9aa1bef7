"""The benchmark's load generator checks every echoed byte.

It is run against small thread-per-connection echo servers: a faithful one
(the load generator must succeed and report sane figures) and ones that
corrupt the stream (it must fail, and say so). The HTTP servers the runner
loads with wrk must answer as Node's http module does, and the reporting
must give every figure with its spread.
"""
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bench_support import (  # noqa: F401 (loadgen: a fixture)
    ROOT, EchoServer, exchange, load_by_path, loadgen, serve_each_connection, server_starter)
from runner import build  # noqa: E402


def every(n, change):
    """A corruption applying ``change(chunk, i)`` at stream offsets k*n - 1."""
    def corrupt(chunk, offset):
        i = n - 1 - offset % n
        while i < len(chunk):
            chunk = change(chunk, i)
            i += n
        return chunk
    return corrupt


def flip(chunk, i):
    return chunk[:i] + bytes([chunk[i] ^ 0x20]) + chunk[i + 1:]


def drop(chunk, i):
    return chunk[:i] + chunk[i + 1:]


def swallow_after(n):
    """A corruption that echoes a connection's first n bytes only."""
    return lambda chunk, offset: chunk[:max(0, n - offset)]


def run(loadgen, target, *args, duration=0.5):
    proc = subprocess.run([str(loadgen), *args, '--warmup', '0.1', '--duration', str(duration),
                           target], capture_output=True, text=True, timeout=30)
    lines = proc.stdout.splitlines()
    assert len(lines) == 1, proc.stdout  # exactly one JSON line, success or not
    return proc.returncode, json.loads(lines[0]), proc.stderr


@pytest.fixture
def serve():
    yield from server_starter(EchoServer)


@pytest.mark.parametrize('mode, figure', [
    (('--mode', 'pingpong', '--size', '1024', '--conns', '4'), 'rps'),
    (('--mode', 'stream', '--size', '65536', '--conns', '2'), 'mib_s'),
    (('--mode', 'connrate', '--conns', '4'), 'conn_s'),
])
def test_faithful_echo_passes(loadgen, serve, mode, figure):
    code, result, stderr = run(loadgen, serve(), *mode)
    assert code == 0, stderr
    assert result['ok'] is True
    assert result[figure] > 0
    assert result['total_bytes'] > 0
    if 'p50_us' in result:
        assert 0 < result['p50_us'] <= result['p99_us']


def test_connrate_stops_opening_connections_at_requests(loadgen, serve):
    """bench/conn_instructions.py divides by the connections echoed: with
    --requests, connrate measures that many and then only finishes the
    slots in flight (one byte each in total_bytes)."""
    proc = subprocess.run([str(loadgen), '--mode', 'connrate', '--conns', '4', '--warmup', '0',
                           '--duration', '20', '--requests', '200', serve()],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result['connections'] == 200
    assert 200 <= result['total_bytes'] <= 203


def test_unix_socket_target(loadgen, serve, tmp_path):
    path = str(tmp_path / 'echo.sock')
    code, result, stderr = run(loadgen, serve(family=socket.AF_UNIX, path=path),
                               '--mode', 'pingpong', '--size', '64', '--conns', '3')
    assert code == 0, stderr
    assert result['transport'] == 'unix' and result['requests'] > 0


@pytest.mark.parametrize('mode, corrupt, message', [
    (('--mode', 'pingpong', '--size', '1024'), every(100_003, flip), 'mismatch'),
    (('--mode', 'pingpong', '--size', '1024'), every(100_003, drop), 'mismatch'),
    (('--mode', 'stream', '--size', '65536'), every(100_003, flip), 'mismatch'),
    (('--mode', 'stream', '--size', '65536'), every(100_003, drop), 'mismatch'),
    # Lost tail: a request waits for bytes that never come; found at the drain.
    (('--mode', 'pingpong', '--size', '1000'), swallow_after(50_500), 'bytes echoed'),
])
def test_corrupted_echo_fails(loadgen, serve, mode, corrupt, message):
    target = serve(corrupt=corrupt)
    code, result, stderr = run(loadgen, target, *mode, '--conns', '2', duration=1.0)
    assert code != 0
    assert result['ok'] is False
    assert message in result['error']
    assert message in stderr


def test_bad_target_is_an_error(loadgen):
    code, result, _ = run(loadgen, '127.0.0.1:1', '--mode', 'pingpong')
    assert code != 0 and 'connect' in result['error']


def test_http_hello_framing_is_pipelining_safe():
    sys.path.insert(0, str(ROOT / 'bench' / 'servers'))
    try:
        hello = load_by_path('http_hello', ROOT / 'bench' / 'http_hello.py')
    finally:
        sys.path.remove(str(ROOT / 'bench' / 'servers'))
    framer = hello.HelloFramer()
    get = b'GET / HTTP/1.1\r\nHost: x\r\n\r\n'
    post = b'POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello'
    stream = get * 2 + post + get
    replies = b''
    for i in range(0, len(stream), 7):  # arbitrary chunk boundaries
        reply, close = framer.feed(stream[i:i + 7])
        assert not close
        replies += reply
    assert replies == hello.RESPONSE * 2 + hello.posted(5) + hello.RESPONSE
    assert hello.posted(5) == (b'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n'
                               b'Content-Length: 2\r\n\r\n5\n')
    assert hello.HelloFramer().feed(post.replace(b'\r\n\r\n', b'\r\nConnection: close\r\n\r\n')
                                    + get) == (hello.posted(5, closing=True), True)
    assert framer.feed(b'GET / HTTP/1.1\r\nConnection: close\r\n\r\n' + get) == \
        (hello.CLOSING_RESPONSE, True)
    assert hello.HelloFramer().feed(get + b'GET / HTTP/1.0\r\n\r\n') == \
        (hello.RESPONSE + hello.CLOSING_RESPONSE, True)
    assert b'\r\nConnection: close\r\n' in hello.CLOSING_RESPONSE
    bad = hello.HelloFramer().feed(b'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n')
    assert bad == (hello.BAD_REQUEST, True)


def test_compiles_without_warnings(loadgen, tmp_path):
    sources = [str(ROOT / 'bench' / name) for name in build.LOADGEN_SOURCES]
    proc = subprocess.run([*build.compiler(), *build.CFLAGS, '-Werror', *sources,
                           '-o', str(tmp_path / 'loadgen')], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_uv_proxy_compiles_without_warnings(tmp_path):
    try:
        flags = build.libuv_flags()
    except build.BuildError as err:
        pytest.skip(str(err))
    proc = subprocess.run([*build.compiler(), *build.CFLAGS, '-Werror',
                           str(ROOT / 'bench' / 'uv_proxy.c'), *flags,
                           '-o', str(tmp_path / 'uv_proxy')], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize('name', ['pyuvnet-proxy', 'node-proxy', 'uvloop-proxy', 'libuv-proxy'])
def test_each_proxy_carries_the_echo_both_ways(loadgen, serve, name):
    """The proxy rows (--full): each proxy, in front of a faithful echo
    server, passes ping-pong and a stream (every byte checked by the load
    generator, and the drain's half-closes passed through both ways)."""
    from runner import systems
    from runner.procs import Server
    system = next(s for s in systems.PROXY if s.name == name)
    try:
        argv = system.command()
    except systems.Missing as err:
        pytest.skip(str(err))
    upstream = serve()
    with Server([*argv, upstream], None, systems.server_env()) as proxy:
        for mode, size in (('pingpong', '1024'), ('stream', '65536')):
            code, result, err = run(loadgen, f'127.0.0.1:{proxy.ready_line}', '--mode', mode,
                                    '--size', size, '--conns', '4')
            assert code == 0 and result['ok'], (mode, result, err)


@pytest.mark.parametrize('flags', [(), ('--idiom',), ('--pipe',)])
def test_each_pyuvnet_echo_idiom_echoes_every_byte(loadgen, flags):
    """bench/servers/pyuvnet_echo.py's servers (a Python callback, the idiom
    on('data', sock.write), pipe(): conn_instructions.py --server), each
    checked byte for byte by the load generator, 1 KiB and 64 KiB messages."""
    from runner import systems
    from runner.procs import Server
    script = ROOT / 'bench' / 'servers' / 'pyuvnet_echo.py'
    with Server([sys.executable, str(script), *flags], None, systems.server_env()) as server:
        for size in ('1024', '65536'):
            code, result, err = run(loadgen, f'127.0.0.1:{server.ready_line}', '--mode',
                                    'pingpong', '--size', size, '--conns', '4')
            assert code == 0 and result['ok'], (flags, size, result, err)


def test_loadgen_reports_the_servers_cpu_in_the_window(loadgen, serve):
    """--server-pid: the load generator reads the server's CPU time as its
    window opens and closes; the runner turns it into CPU per operation.
    The echo server here is this very process (it runs on threads)."""
    from runner import load
    from runner.scenarios import Scenario
    result = load.run(loadgen, serve(), Scenario('pingpong', size=1024, conns=4), 0.5, 0.1,
                      None, server_pid=os.getpid())
    assert result['server_user_s'] >= 0 and result['server_sys_s'] >= 0
    cpu = result['server_user_s'] + result['server_sys_s']
    assert cpu > 0  # half a second of threads echoing cannot take no tick at all
    if cpu >= load.MIN_CPU_SECONDS:
        assert result['cpu_us'] == pytest.approx(cpu * 1e6 / result['requests'])
    else:  # too few 10 ms ticks to divide
        assert 'cpu_us' not in result


TREE = """
import subprocess, sys, time
busy = 'import time\\nend = time.time() + 10\\nwhile time.time() < end: pass'
child = subprocess.Popen([sys.executable, '-c', busy])
print(child.pid, flush=True)
child.wait()
"""


def test_a_servers_cpu_counts_its_child_processes_as_a_clusters_workers(loadgen, serve):
    """A cluster's primary sleeps while its workers serve: the runner names
    every process of the server's tree to the load generator, which sums
    them. Here the primary waits and its one child spins."""
    from runner import load
    from runner.procs import cpu_seconds
    from runner.scenarios import Scenario
    primary = subprocess.Popen([sys.executable, '-c', TREE], stdout=subprocess.PIPE, text=True)
    worker = int(primary.stdout.readline())
    try:
        argv = load.argv_for(loadgen, 'target', Scenario('pingpong'), 1, server_pid=primary.pid)
        assert argv[argv.index('--server-pid'):][:4] == [
            '--server-pid', str(primary.pid), '--server-pid', str(worker)]
        spun = -cpu_seconds(worker)[0]
        result = load.run(loadgen, serve(), Scenario('pingpong', size=64, conns=2), 0.5, 0.1,
                          None, server_pid=primary.pid)
        spun += cpu_seconds(worker)[0]
        # The primary sleeps, so the figure is the child's: a good part of
        # what the child spun around the run, whatever else loads the machine.
        assert spun > 0 and result['server_user_s'] >= spun / 4
    finally:
        os.kill(worker, signal.SIGKILL)
        primary.wait()


def test_loadgen_fails_on_a_server_pid_that_is_gone(loadgen, serve):
    dead = subprocess.Popen([sys.executable, '-c', 'pass'])
    dead.wait()
    code, result, _ = run(loadgen, serve(), '--mode', 'pingpong', '--server-pid', str(dead.pid))
    assert code != 0 and f'/proc/{dead.pid}/stat' in result['error']


def test_a_pinned_server_runs_on_its_cpu_alone_under_its_own_pid():
    """The runner pins a child at exec (taskset), with no preexec_fn: the
    program, under the pid the runner watches, may run on that CPU alone."""
    from runner.procs import Server, cpu_plan
    plan = cpu_plan()
    if plan.server is None:
        pytest.skip(plan.note)
    report = ('import os, sys; print(os.getpid(), *sorted(os.sched_getaffinity(0)), '
              'flush=True)')
    with Server([sys.executable, '-c', report], plan.server) as server:
        assert server.ready_line.split() == [str(server.pid), str(plan.server)]


# The realistic HTTP servers (bench/servers/httptools_hello.py on pyuvnet and
# uvloop, bench/servers/node_http.js): Node's http module is the oracle.
# Over one connection, `printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' ... |`
# against node_http.js answers, in order: 200 "Hello, world!\n" for "/",
# 404 "Not found\n" for another path, 200 with no body for HEAD, then for a
# "Connection: close" request 200 with "Connection: close" and the end of
# the connection; a request pipelined after that one gets no answer.
REALISTIC_HTTP = ('pyuvnet-httptools', 'uvloop-httptools', 'node-http-module',
                  'pyuvnet-http-module', 'uvicorn-asgi', 'pyuvnet-asgi', 'pyuvnet-wsgi')


def http_system(name):
    from runner import systems
    system = next(s for s in systems.HTTP if s.name == name)
    try:
        return system.command(), systems.server_env()
    except systems.Missing as err:
        pytest.skip(str(err))


def responses(data, heads_only=()):
    """[(status, {header: value}, body)] cut out of a response stream;
    the responses numbered in ``heads_only`` (to HEAD) have no body."""
    out = []
    while data:
        head, _, rest = data.partition(b'\r\n\r\n')
        status_line, *lines = head.decode('latin-1').split('\r\n')
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(':') for line in lines)}
        length = 0 if len(out) in heads_only else int(headers['content-length'])
        out.append((int(status_line.split()[1]), headers, rest[:length]))
        data = rest[length:]
    return out


@pytest.mark.parametrize('name', REALISTIC_HTTP)
def test_realistic_http_server_answers_pipelined_requests_in_order(name):
    from runner.procs import Server
    argv, env = http_system(name)
    get = b'GET / HTTP/1.1\r\nHost: x\r\n\r\n'
    requests = (get + b'GET /missing HTTP/1.1\r\nHost: x\r\n\r\n' +
                b'HEAD / HTTP/1.1\r\nHost: x\r\n\r\n' +
                b'POST /missing HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello' +
                b'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' + get)
    with Server(argv, None, env) as server:
        got = responses(exchange(int(server.ready_line), requests), heads_only=(2,))
    assert [(status, body) for status, _, body in got] == [
        (200, b'Hello, world!\n'), (404, b'Not found\n'), (200, b''), (404, b'Not found\n'),
        (200, b'Hello, world!\n')]
    assert [headers.get('connection') == 'close' for _, headers, _ in got] == \
        [False] * 4 + [True]
    assert all('date' in headers for _, headers, _ in got)


@pytest.mark.load_sensitive
@pytest.mark.parametrize('name', REALISTIC_HTTP)
def test_realistic_http_server_answers_keep_alive_requests_without_a_delayed_ack_stall(name):
    """20 keep-alive round trips on one connection, each sent once the last
    answer is whole, take under 0.4 s (0.8 s with the stall): a server that writes head and
    body as two sends without TCP_NODELAY waits for the client's delayed
    ACK (40 ms) on each, as the uvicorn harness once did (it handed uvicorn
    its socket, and uvicorn's loop then set no TCP_NODELAY).  A stall
    detector with a 20x margin, not a speed figure."""
    from runner.procs import Server
    argv, env = http_system(name)
    get = b'GET / HTTP/1.1\r\nHost: x\r\n\r\n'
    with Server(argv, None, env) as server:
        with socket.create_connection(('127.0.0.1', int(server.ready_line)), timeout=10) as sock:
            started = time.monotonic()
            for _ in range(20):
                sock.sendall(get)
                received = b''
                while not received.endswith(b'Hello, world!\n'):
                    received += sock.recv(65536)
            elapsed = time.monotonic() - started
    assert elapsed < 0.4, '20 keep-alive round trips took %.3f s' % elapsed


@pytest.mark.parametrize('name', ('pyuvnet-http-module', 'uvloop-httptools'))
def test_http_instructions_close_mode_makes_each_request_on_its_own_connection(name):
    """http_instructions.py --close: ``requests`` answers, each read to the
    server's FIN, ``conns`` connections at a time."""
    sys.path.insert(0, str(ROOT / 'bench' / 'servers'))
    try:
        import http_instructions
    finally:
        sys.path.remove(str(ROOT / 'bench' / 'servers'))
    from runner.procs import Server
    argv, env = http_system(name)
    with Server(argv, None, env) as server:
        address = ('127.0.0.1', int(server.ready_line))
        assert http_instructions.drive_closing(address, 30, 4, 30) == 30


def test_http_instructions_close_mode_fails_when_the_connection_stays_open(monkeypatch):
    """A keep-alive answer (no FIN) is not counted: the round fails at its
    time limit rather than hanging."""
    sys.path.insert(0, str(ROOT / 'bench' / 'servers'))
    try:
        import http_instructions
    finally:
        sys.path.remove(str(ROOT / 'bench' / 'servers'))
    from runner.procs import Server
    monkeypatch.setattr(http_instructions, 'CLOSE_REQUEST', http_instructions.REQUEST)
    argv, env = http_system('pyuvnet-http-module')
    with Server(argv, None, env) as server:
        with pytest.raises(RuntimeError, match='0 of 1 requests answered in 2 s'):
            http_instructions.drive_closing(('127.0.0.1', int(server.ready_line)), 1, 1, 2)


@pytest.mark.parametrize('name', ('pyuvnet-http', 'node-http', 'uvloop-http') + REALISTIC_HTTP)
def test_http_server_says_connection_close_and_closes_after_an_http10_request(name):
    """As Node's http: the response to an HTTP/1.0 request without
    keep-alive says "Connection: close", then the connection ends (wrk
    counts an unannounced end as a read error)."""
    from runner.procs import Server
    argv, env = http_system(name)
    with Server(argv, None, env) as server:
        got = responses(exchange(int(server.ready_line), b'GET / HTTP/1.0\r\n\r\n'))
    assert [(status, headers.get('connection'), body) for status, headers, body in got] == \
        [(200, 'close', b'Hello, world!\n')]


@pytest.mark.parametrize('name', ('pyuvnet-http', 'node-http', 'uvloop-http') + REALISTIC_HTTP)
def test_every_http_server_answers_a_post_with_its_bodys_length(name):
    """The upload case's application: a 64 KiB POST, sent in pieces,
    answered with its length; a GET after it on the same connection still
    gets the hello."""
    from runner.procs import Server
    from runner.scenarios import POST_SIZE
    argv, env = http_system(name)
    body = bytes(range(256)) * (POST_SIZE // 256)
    requests = (b'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n' % len(body) + body +
                b'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    with Server(argv, None, env) as server:
        got = responses(exchange(int(server.ready_line), requests))
    assert [(status, body) for status, _, body in got] == [
        (200, b'65536\n'), (200, b'Hello, world!\n')]


@pytest.mark.parametrize('name', ('pyuvnet-http-module-cluster', 'node-http-module-cluster'))
def test_the_http_clusters_answer_and_leave_no_worker_behind(name):
    """--full's cluster rows: 2 workers (the primary's children) serve
    the realistic application; stop() ends every process of the tree."""
    from runner import systems
    from runner.procs import Server, alive, process_tree
    system = next(s for s in systems.HTTP_CLUSTER if s.name == name)
    try:
        argv = system.command()
    except systems.Missing as err:
        pytest.skip(str(err))
    assert not system.pinned
    with Server(argv, None, systems.server_env()) as server:
        tree = process_tree(server.pid)
        got = responses(exchange(int(server.ready_line),
                                 b'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc'
                                 b'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'))
    assert len(tree) == 1 + systems.CLUSTER_WORKERS
    assert [(status, body) for status, _, body in got] == [(200, b'3\n'), (200, b'Hello, world!\n')]
    assert not [pid for pid in tree if alive(pid)]


@pytest.mark.parametrize('variant', ['pipeline', 'close', 'post'])
def test_http_variants_run_against_the_pyuvnet_httptools_server(loadgen, variant):
    """Each variant, under its client (the load generator for the pipelined
    one, wrk for the others), gives a run without errors, its percentiles,
    the server's CPU per request, and the client's own CPU time (which
    tells when it was the bound)."""
    from runner import http, load
    from runner.procs import Server
    from runner.scenarios import Scenario
    scenario = Scenario('http', 'tcp', 1, 8, variant)
    if scenario.client == 'wrk' and http.wrk_missing():
        pytest.skip(http.wrk_missing())
    argv, env = http_system('pyuvnet-httptools')
    with Server(argv, None, env) as server:
        result = http.measure(loadgen, server.ready_line, scenario, 1, None, server.pid)
    assert result['requests'] > 0 and result['rps'] > 0
    assert 0 < result['p50_us'] <= result['p99_us']
    cpu = result['server_user_s'] + result['server_sys_s']
    if cpu >= load.MIN_CPU_SECONDS:
        assert result['cpu_us'] == pytest.approx(cpu * 1e6 / result['requests'])
    else:  # too few 10 ms ticks to divide
        assert 'cpu_us' not in result
    # one client thread over a 1 s run: some CPU, at most a core's worth (with its setup)
    assert 0 < result['client_cpu_s'] < result['duration_s'] + 0.5
    if Path('/proc/sys/kernel/perf_event_paranoid').read_text().strip() != '3':
        # sampled under wrk too (cpu_sampler.c), and never more than /proc's total
        assert 0 < result['server_user_sampled_s'] <= cpu + 0.05


class FirstAnswerLate(http.server.BaseHTTPRequestHandler):
    """Keep-alive "hello", the connection's first answer 2.5 s late."""
    protocol_version = 'HTTP/1.1'
    answered = 0

    def do_GET(self):
        if FirstAnswerLate.answered == 0:
            time.sleep(2.5)
        FirstAnswerLate.answered += 1
        self.send_response(200)
        self.send_header('Content-Length', '2')
        self.end_headers()
        self.wfile.write(b'ok')

    def log_message(self, *args):
        pass


def test_a_wrk_run_records_an_answer_slower_than_wrks_default_timeout_as_latency():
    """wrk counts an answer slower than its 2 s default timeout as a socket
    error, not a latency; the runner's wrk waits longer than its run, so a
    slow server's tail is in its p99 rather than voiding its cell."""
    from runner import http as wrk_http
    if wrk_http.wrk_missing():
        pytest.skip(wrk_http.wrk_missing())
    FirstAnswerLate.answered = 0
    server = http.server.HTTPServer(('127.0.0.1', 0), FirstAnswerLate)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result = wrk_http.run(server.server_address[1], 1, 3, None)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
    assert 1 < result['requests'] <= FirstAnswerLate.answered


def saved_run(date, pyuvnet_runs, instr):
    """A run's record as bench/runner/report.save writes it, with one cell."""
    from runner.results import Results
    from runner.scenarios import Scenario
    results = Results()
    for rps, cpu in pyuvnet_runs:
        results.add(Scenario('pingpong', size=1024, conns=10), 'pyuvnet',
                    {'rps': rps, 'p99_us': 90.0, 'cpu_us': cpu})
    results.instructions = {'pyuvnet': {'instr_per_msg': instr, 'settled': True}}
    return {'date': date, 'host': 'h', 'cpu': 'c', 'cpus': 2, 'kernel': 'k',
            'python': '3.11', 'pinning': 'pinned', 'elapsed_s': 1.0, 'pyuvnet_echo': 'callback',
            'settings': {'repeats': len(pyuvnet_runs), 'seconds': 0.4, 'warmup': 0.1},
            **results.to_json()}


def test_markdown_tables_give_median_spread_and_change_between_the_markers(tmp_path):
    from runner import markdown
    after = saved_run('after', [(300.0, 2.0), (100.0, 3.0), (200.0, 2.5)], 2_400)
    before = saved_run('before', [(150.0, 5.0)], 3_600)
    text = markdown.render(after, before)
    assert '| pyuvnet | 200 (100–300) | 1.00× | 90.0 | 2.5 (2.0–3.0) | 1.00× | 150 | 5.0 | ' \
        '-50% |' in text
    assert '| pyuvnet | 2,400 | 3,600 | -33% |' in text
    page = tmp_path / 'RESULTS.md'
    page.write_text(f'prose before\n{markdown.BEGIN}\nold tables\n{markdown.END}\nprose after\n')
    markdown.write_into(page, text)
    written = page.read_text()
    assert written.startswith('prose before\n') and written.endswith('\nprose after\n')
    assert 'old tables' not in written and '2.5 (2.0–3.0)' in written


def test_a_terminated_run_stops_every_server_it_started():
    """SIGTERM (a time limit, a killed make) stops the runner as Ctrl-C
    would: the servers it started are stopped, not left serving."""
    from runner.procs import alive, process_tree
    run_py = ROOT / 'bench' / 'run.py'
    proc = subprocess.Popen([sys.executable, str(run_py), '--only', 'pyuvnet', '--seconds', '5',
                             '--repeats', '1'], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while 'pinning:' not in proc.stderr.readline():  # the servers come up next
            assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(2)
        servers = process_tree(proc.pid)[1:]
        assert servers, 'the runner started no server'
        proc.terminate()
        assert proc.wait(30) == 128 + signal.SIGTERM
    finally:
        proc.kill()
    time.sleep(0.5)
    left = [pid for pid in servers if alive(pid)]
    for pid in left:  # a failure leaves no server behind either
        os.kill(pid, signal.SIGKILL)
    assert left == []


SPIN = 'import time\nend = time.time() + 10\nprint(1, flush=True)\nwhile time.time() < end: pass'


@pytest.mark.load_sensitive
def test_loadgen_samples_the_servers_user_time_finely(loadgen, serve):
    """server_user_sampled_s (loadgen_usercpu.c): a process that only spins
    in user space is sampled as user time, as much as /proc counts it
    in all (within the ticks' coarseness and the machine's other load)."""
    from runner import load
    from runner.scenarios import Scenario
    if Path('/proc/sys/kernel/perf_event_paranoid').read_text().strip() == '3':
        pytest.skip('perf events are off on this kernel (perf_event_paranoid 3)')
    spinner = subprocess.Popen([sys.executable, '-c', SPIN], stdout=subprocess.PIPE, text=True)
    try:
        spinner.stdout.readline()
        result = load.run(loadgen, serve(), Scenario('pingpong', size=64, conns=2), 1.0, 0.1,
                          None, server_pid=spinner.pid)
    finally:
        spinner.kill()
        spinner.wait()
    counted = result['server_user_s'] + result['server_sys_s']
    assert counted > 0.1
    assert result['server_user_sampled_s'] == pytest.approx(counted, rel=0.25, abs=0.03)


def test_http_instructions_vary_sends_no_request_twice():
    """http_instructions.py --vary: every request has a header of its own
    (a server that knows a repeated request again gets no help), and the
    hello server still answers each."""
    sys.path.insert(0, str(ROOT / 'bench' / 'servers'))
    try:
        import http_instructions
    finally:
        sys.path.remove(str(ROOT / 'bench' / 'servers'))
    from runner.procs import Server
    request = http_instructions.REQUEST
    made = {http_instructions.varied(request, n) for n in range(100)}
    assert len(made) == 100
    assert http_instructions.varied(request, 7).startswith(b'GET / HTTP/1.1\r\n')
    assert http_instructions.varied(request, 7).endswith(b'\r\nX-Request-Id: 7\r\n\r\n')
    argv, env = http_system('pyuvnet-http-module')
    with Server(argv, None, env) as server:
        address = ('127.0.0.1', int(server.ready_line))
        socks = http_instructions.connect(address, 3)
        try:
            assert http_instructions.drive(socks, 30, 2, vary=True) == 30
        finally:
            for sock in socks:
                sock.close()
