"""What the benchmark's tests share: the bench/ folder on sys.path (its
runner is not part of the package; its sources sit in the checkout, or
beside a wheel's copied tests), the built load generator, the accept
loop of their small thread-per-connection servers, the echo server
the load generator's tests load, and a latency window's histogram as the
open loop prints it."""
import importlib.util
import socket
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / 'bench'))
from runner import build  # noqa: E402


@pytest.fixture(scope='module')
def loadgen():
    if not sys.platform.startswith('linux'):
        pytest.skip('bench/loadgen.c waits with epoll, which only Linux has')
    try:
        build.compiler()
    except build.BuildError:
        pytest.skip('no C compiler')
    return build.loadgen()


def serve_each_connection(listener, handle):
    """Calls ``handle(conn)`` on a thread of its own for every connection
    ``listener`` accepts, until the listener is closed."""
    def accept():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:  # closed: the test is over
                return
            threading.Thread(target=handle, args=(conn,), daemon=True).start()
    threading.Thread(target=accept, daemon=True).start()


def load_by_path(name, path):
    """Import a script (not part of a package) as a module."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def exchange(port, data):
    """Everything a server on 127.0.0.1:``port`` sends back for ``data``
    until it closes."""
    with socket.create_connection(('127.0.0.1', port), timeout=10) as sock:
        sock.sendall(data)
        received = b''
        while chunk := sock.recv(65536):
            received += chunk
    return received


def server_starter(make):
    """A fixture's body (``yield from``): ``start(**kwargs)`` makes a server
    with ``make(**kwargs)`` and returns its ``target``; every server made
    is closed once the test is over."""
    servers = []

    def start(**kwargs):
        servers.append(make(**kwargs))
        return servers[-1].target
    yield start
    for server in servers:
        server.close()


class EchoServer:
    """Echoes on a thread per connection; ``corrupt`` rewrites each chunk.

    ``corrupt(chunk, offset)`` gets the chunk and its offset in the
    connection's stream and returns what to send back instead; the
    ``stall_at``-th chunk of a connection is held ``stall_s`` seconds first.
    """

    def __init__(self, family=socket.AF_INET, path=None, corrupt=None, stall_at=0, stall_s=0.0):
        self.corrupt = corrupt
        self.stall_at, self.stall_s = stall_at, stall_s
        self.listener = socket.socket(family, socket.SOCK_STREAM)
        self.listener.bind(path or ('127.0.0.1', 0))
        self.listener.listen(128)
        self.target = path or '127.0.0.1:%d' % self.listener.getsockname()[1]
        serve_each_connection(self.listener, self.echo)

    def echo(self, conn):
        offset = chunks = 0
        with conn:
            try:
                while chunk := conn.recv(65536):
                    chunks += 1
                    if chunks == self.stall_at:
                        time.sleep(self.stall_s)
                    reply = self.corrupt(chunk, offset) if self.corrupt else chunk
                    offset += len(chunk)
                    conn.sendall(reply)
                conn.shutdown(socket.SHUT_WR)
            except OSError:  # the load generator gave up on a bad stream
                pass

    def close(self):
        self.listener.close()


def latency_window(p50_us, p99_us, p999_us, scale=1):
    """An open-loop window's histogram (loadgen's hist_ns, [value_ns, count])
    of 1,000 requests x ``scale``: 900 at p50_us, 90 at p99_us and 10 at
    p999_us, so its percentiles, alone or pooled with its like, are those."""
    return [[int(p50_us * 1000), 900 * scale], [int(p99_us * 1000), 90 * scale],
            [int(p999_us * 1000), 10 * scale]]
