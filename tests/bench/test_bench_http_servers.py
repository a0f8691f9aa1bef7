"""The HTTP servers the benchmark loads (with wrk, and with
bench/http_instructions.py) answer as Node's http module does: pipelined and
keep-alive requests in order, HTTP/1.0's close, a POST's length, clusters
that leave no worker behind; and wrk's own reporting of a slow answer."""
import http.server
import socket
import sys
import threading
import time
from pathlib import Path

import pytest

from bench_support import ROOT, exchange, loadgen  # noqa: F401 (loadgen: a fixture)


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
