"""What the benchmark's tests share: the bench/ folder on sys.path (its
runner is not part of the package; its sources sit in the checkout, or
beside a wheel's copied tests), the built load generator, and the accept
loop of their small thread-per-connection servers."""
import importlib.util
import socket
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
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
