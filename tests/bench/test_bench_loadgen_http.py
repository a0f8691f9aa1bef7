"""The load generator's http mode (bench/loadgen_http.c) counts what an HTTP
server answered, and refuses what it cannot count.

It is run against a small thread-per-connection server that answers each
request of a pipelined batch with what ``answer`` returns: faithful answers
must give a run with sane figures, however the bytes are split; a wrong
status, framing it does not read, a close mid-batch or bytes nobody asked
for must fail the run and say so.
"""
import json
import socket
import subprocess

import pytest

from bench_support import loadgen, serve_each_connection  # noqa: F401 (a fixture)

HELLO = b'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 14\r\n\r\nHello, world!\n'
REQUEST_END = b'\r\n\r\n'


class HttpServer:
    """Answers every request it reads (a GET ends at its blank line) with
    ``answer(n)``, n counting the connection's requests from 0; ``None``
    closes the connection instead. ``chunk`` > 0 writes answers that many
    bytes per send, so heads and bodies arrive split anywhere."""

    def __init__(self, answer=lambda n: HELLO, chunk=0):
        self.answer, self.chunk = answer, chunk
        self.requests = []
        self.listener = socket.create_server(('127.0.0.1', 0))
        self.target = '127.0.0.1:%d' % self.listener.getsockname()[1]
        serve_each_connection(self.listener, self.serve)

    def serve(self, conn):
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pending, n = b'', 0
        with conn:
            try:
                while data := conn.recv(65536):
                    pending += data
                    replies = b''
                    while REQUEST_END in pending:
                        request, pending = pending.split(REQUEST_END, 1)
                        self.requests.append(request)
                        reply = self.answer(n)
                        n += 1
                        if reply is None:
                            conn.sendall(replies)
                            return
                        replies += reply
                    self.send(conn, replies)
            except OSError:  # the load generator closed first
                pass

    def send(self, conn, data):
        step = self.chunk or len(data) or 1
        for i in range(0, len(data), step):
            conn.sendall(data[i:i + step])

    def close(self):
        self.listener.close()


@pytest.fixture
def serve():
    servers = []

    def start(**kwargs):
        servers.append(HttpServer(**kwargs))
        return servers[-1]
    yield start
    for server in servers:
        server.close()


def run(loadgen, target, *args, duration='0.3'):
    proc = subprocess.run([str(loadgen), '--mode', 'http', '--warmup', '0.1', '--duration',
                           duration, *args, target], capture_output=True, text=True, timeout=60)
    return proc.returncode, json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.load_sensitive
def test_pipelined_batches_are_counted_per_response_with_latencies(loadgen, serve):
    server = serve()
    code, result = run(loadgen, server.target, '--conns', '3', '--pipeline', '16')
    assert code == 0 and result['ok'], result
    assert result['mode'] == 'http' and result['pipeline'] == 16
    assert result['requests'] > 0 and result['rps'] > 0
    assert 0 < result['p50_us'] <= result['p99_us']
    assert result['total_bytes'] >= result['requests'] * len(HELLO)
    assert 0 <= result['client_cpu_s'] < 1.0
    # wrk's request: its line and Host header, nothing else
    assert server.requests[0] == f'GET / HTTP/1.1\r\nHost: {server.target}'.encode()


def test_path_names_the_request_target(loadgen, serve):
    """The FastAPI share's rounds (bench/runner/share.py) ask for /json."""
    server = serve()
    code, result = run(loadgen, server.target, '--conns', '2', '--path', '/json')
    assert code == 0 and result['ok'], result
    assert set(server.requests) == {f'GET /json HTTP/1.1\r\nHost: {server.target}'.encode()}


def test_responses_split_into_single_bytes_are_read_whole(loadgen, serve):
    server = serve(chunk=1)
    code, result = run(loadgen, server.target, '--conns', '2', '--pipeline', '4')
    assert code == 0 and result['ok'], result
    assert result['requests'] > 0


def test_requests_end_the_window_at_exactly_that_many_responses(loadgen, serve):
    server = serve()
    code, result = run(loadgen, server.target, '--conns', '4', '--pipeline', '16',
                       '--requests', '1000', duration='30')
    assert code == 0 and result['ok'], result
    assert result['requests'] == 1000


def test_bodies_of_differing_lengths_are_framed_by_their_content_length(loadgen, serve):
    def answer(n):
        body = b'x' * (n % 5) * 1000
        return b'HTTP/1.1 200 OK\r\nCONTENT-LENGTH:%d\r\n\r\n%s' % (len(body), body)
    server = serve(answer=answer, chunk=700)
    code, result = run(loadgen, server.target, '--conns', '2', '--pipeline', '5')
    assert code == 0 and result['ok'], result


@pytest.mark.parametrize('answer, message', [
    (b'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n',
     'the server answered "HTTP/1.1 404 Not Found", not 200'),
    (b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
     'a response with Transfer-Encoding'),
    (b'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n', 'a response without a Content-Length'),
    (b'HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\nhello', 'a bad Content-Length'),
    (b'HTTP/1.1 200 OK\r\nX-Big: ' + b'a' * 9000 + b'\r\nContent-Length: 0\r\n\r\n',
     'a response head over 8192 bytes'),
    (HELLO + b'surplus', 'bytes came after the responses to its requests'),
], ids=['status', 'chunked', 'no-length', 'bad-length', 'big-head', 'surplus'])
def test_an_answer_it_cannot_count_fails_the_run(loadgen, serve, answer, message):
    server = serve(answer=lambda n: answer)
    code, result = run(loadgen, server.target, '--conns', '1', '--pipeline', '1')
    assert code == 1 and not result['ok']
    assert message in result['error']


def test_a_close_in_the_middle_of_a_batch_fails_the_run(loadgen, serve):
    server = serve(answer=lambda n: HELLO if n < 20 else None)
    code, result = run(loadgen, server.target, '--conns', '1', '--pipeline', '16')
    assert code == 1
    assert 'closed by the server with 12 responses of its batch due' in result['error']


@pytest.mark.parametrize('args, message', [
    (['--mode', 'pingpong', '--pipeline', '4'], '--pipeline applies to http only'),
    (['--mode', 'http', '--pipeline', '0'], '--pipeline must be a number from 1 to 1024'),
    (['--mode', 'stream', '--requests', '5'], '--requests applies to pingpong, connrate and http'),
    (['--mode', 'pingpong', '--path', '/json'], '--path applies to http only'),
    (['--mode', 'http', '--path', 'json'], '--path must start with /'),
    (['--mode', 'http', '--path', '/a b'], 'hold no space or line break'),
])
def test_options_that_do_not_apply_are_refused(loadgen, args, message):
    proc = subprocess.run([str(loadgen), *args, '127.0.0.1:9'], capture_output=True, text=True,
                          timeout=10)
    assert proc.returncode == 1
    assert message in json.loads(proc.stdout)['error']
