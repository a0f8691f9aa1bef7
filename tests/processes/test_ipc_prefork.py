"""One port, several processes: SO_REUSEPORT servers and servers listening on
an inherited fd, in this process and through examples/prefork_server.py.
"""
import os
import selectors
import signal
import socket
import subprocess
import sys
import time

import pytest

import pyuvnet as net

pytestmark = pytest.mark.skipif(sys.platform == 'win32', reason='prefork is POSIX-only')

from support import ROOT  # noqa: E402 (the tree the tests sit in)
EXAMPLE = os.path.join(ROOT, 'examples', 'prefork_server.py')

have_reuseport = pytest.mark.skipif(
    not hasattr(socket, 'SO_REUSEPORT') or not sys.platform.startswith('linux'),
    reason='SO_REUSEPORT balances connections on Linux only (macOS hands all to one socket)')


# -- in one process ----------------------------------------------------------

def test_two_servers_share_a_port_with_reuse_port(run_loop):
    first = net.createServer(lambda conn: conn.end('first'))
    first.listen({'port': 0, 'host': '127.0.0.1', 'reusePort': True})
    port = first.address().port
    second = net.createServer(lambda conn: conn.end('second'))
    errors = []
    second.on('error', errors.append)
    second.listen({'port': port, 'host': '127.0.0.1', 'reusePort': True})
    replies = []
    pending = {'n': 40}

    def one_client():
        client = net.connect(port, '127.0.0.1')
        client.setEncoding('utf8')
        client.on('data', replies.append)
        client.on('close', on_close)

    def on_close(had_error):
        pending['n'] -= 1
        if pending['n'] == 0:
            first.close()
            second.close()

    second.on('listening', lambda: [one_client() for _ in range(pending['n'])])
    run_loop(timeout=10)
    assert errors == []
    assert len(replies) == 40
    # The kernel spreads connections by a hash of their addresses: with 40
    # clients both servers get some (all to one: chance 2**-39).
    assert set(replies) == {'first', 'second'}


def test_without_reuse_port_the_second_server_gets_eaddrinuse(run_loop):
    first = net.createServer()
    first.listen({'port': 0, 'host': '127.0.0.1', 'reusePort': True})
    port = first.address().port
    second = net.createServer()
    errors = []
    second.on('error', lambda err: (errors.append(err), first.close()))
    second.on('listening', lambda: (second.close(), first.close()))
    second.listen({'port': port, 'host': '127.0.0.1'})
    run_loop()
    assert [e.code for e in errors] == ['EADDRINUSE']
    assert errors[0].syscall == 'listen'
    assert errors[0].port == port


def test_reuse_port_in_snake_case(run_loop):
    first = net.createServer()
    first.listen(port=0, host='127.0.0.1', reuse_port=True)
    port = first.address().port
    second = net.createServer()
    errors = []
    second.on('error', errors.append)
    second.listen(port=port, host='127.0.0.1', reuse_port=True)
    second.on('listening', lambda: (second.close(), first.close()))
    run_loop()
    assert errors == []


def test_two_servers_on_duplicates_of_one_listening_socket(run_loop):
    py = socket.socket()
    py.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    py.bind(('127.0.0.1', 0))
    py.listen(16)
    port = py.getsockname()[1]
    a = net.createServer(lambda conn: conn.end('a'))
    b = net.createServer(lambda conn: conn.end('b'))
    a.listen({'fd': os.dup(py.fileno())})
    b.listen({'fd': os.dup(py.fileno())})
    py.close()   # the servers hold their own duplicates
    replies = []

    def on_listening():
        assert a.address().port == port and b.address().port == port
        client = net.connect(port, '127.0.0.1')
        client.setEncoding('utf8')
        client.on('data', replies.append)
        client.on('close', lambda had_error: (a.close(), b.close()))

    b.on('listening', on_listening)
    run_loop()
    assert replies in (['a'], ['b'])


# -- examples/prefork_server.py ---------------------------------------------------

def _env():
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(p for p in (ROOT, env.get('PYTHONPATH')) if p)
    return env


def _process_gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        with open('/proc/%d/status' % pid) as f:
            return any(line.startswith('State:') and 'Z' in line for line in f)
    except OSError:
        return True


def _wait_gone(pids, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(_process_gone(pid) for pid in pids):
            return True
        time.sleep(0.05)
    return False


class Prefork:
    """examples/prefork_server.py running; killed for sure in close()."""

    def __init__(self, *args, timeout=15.0):
        self.proc = subprocess.Popen([sys.executable, EXAMPLE, *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=_env())
        self.worker_pids = []
        self.port = None
        self.lines = []
        line = self.readline(timeout)
        if not line.startswith('prefork: serving '):
            return
        # prefork: serving 127.0.0.1:PORT with N workers (MODE): pids P1 P2
        where = line.split()[2]
        self.port = int(where.rsplit(':', 1)[1])
        self.worker_pids = [int(p) for p in line.split('pids', 1)[1].split()]

    def readline(self, timeout):
        """One line of the parent's stdout, '' at EOF or timeout."""
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        try:
            if not sel.select(timeout):
                return ''
        finally:
            sel.close()
        line = self.proc.stdout.readline().decode()
        self.lines.append(line)
        return line

    def ask(self, timeout=5.0):
        """Connect once; the pid of the worker that answered."""
        with socket.create_connection(('127.0.0.1', self.port), timeout=timeout) as s:
            data = b''
            while True:
                chunk = s.recv(64)
                if not chunk:
                    break
                data += chunk
        return int(data)

    def stop(self, signum=signal.SIGTERM, timeout=10.0):
        self.proc.send_signal(signum)
        out, err = self.proc.communicate(timeout=timeout)
        self.lines.extend(out.decode().splitlines())
        self.stderr = err.decode()
        return self.proc.returncode

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.communicate(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        for pid in self.worker_pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream and not stream.closed:
                stream.close()


def _collect_pids(server, want, max_connections=400, max_seconds=15.0):
    """Connects until every pid in ``want`` has answered (or the bounds end).

    With an inherited fd every worker's poll wakes for a new connection and
    the first to run accept() takes it. A worker that has just answered is
    still awake, so back-to-back connections can all go to it while the
    other waits for a core (seen on a loaded 2-core CI machine: 200 of 200).
    A short pause between connections lets both fall asleep and race fairly.
    """
    seen = {}
    deadline = time.monotonic() + max_seconds
    for _ in range(max_connections):
        pid = server.ask()
        seen[pid] = seen.get(pid, 0) + 1
        if set(want) <= set(seen) or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    return seen


MODES = [pytest.param('reuseport', marks=have_reuseport), 'inherit']


@pytest.mark.parametrize('mode', MODES)
def test_two_worker_processes_both_accept_on_one_port(mode):
    server = Prefork('--mode', mode, '--workers', '2', '--port', '0')
    try:
        assert server.port, server.lines
        assert len(server.worker_pids) == 2
        assert server.proc.pid not in server.worker_pids
        seen = _collect_pids(server, server.worker_pids)
        # Only the workers answer, and both of them did.
        assert set(seen) == set(server.worker_pids), seen
        assert server.stop(signal.SIGTERM) == 0
        assert _wait_gone(server.worker_pids)
        # Each worker shut down by itself (status 0), none had to be killed.
        assert 'prefork: stopped; worker exit statuses: 0 0' in [l.strip() for l in server.lines]
    finally:
        server.close()


@pytest.mark.parametrize('mode', MODES)
def test_sigint_stops_parent_and_workers(mode):
    server = Prefork('--mode', mode, '--workers', '2', '--port', '0')
    try:
        assert server.port
        server.ask()
        assert server.stop(signal.SIGINT) == 0
        assert _wait_gone(server.worker_pids)
        # The port is free again.
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(('127.0.0.1', server.port), timeout=2).close()
    finally:
        server.close()


@pytest.mark.parametrize('mode', MODES)
def test_the_other_worker_keeps_serving_when_one_dies(mode):
    server = Prefork('--mode', mode, '--workers', '2', '--port', '0')
    try:
        assert server.port
        victim, survivor = server.worker_pids
        os.kill(victim, signal.SIGKILL)
        assert _wait_gone([victim])
        answers = {server.ask() for _ in range(30)}
        assert answers == {survivor}
        assert server.stop() == 0
        statuses = [l for l in server.lines if l.startswith('prefork: stopped')]
        assert statuses == ['prefork: stopped; worker exit statuses: -9 0']
    finally:
        server.close()


@pytest.mark.parametrize('mode', ['reuseport', 'inherit'])
def test_a_port_that_is_taken_fails_cleanly(mode):
    # A listener without SO_REUSEPORT holds the port.
    holder = socket.socket()
    holder.bind(('127.0.0.1', 0))
    holder.listen(1)
    port = holder.getsockname()[1]
    server = Prefork('--mode', mode, '--workers', '2', '--port', str(port))
    try:
        assert server.port is None
        assert server.proc.wait(10) == 1
        assert 'prefork:' in server.proc.stderr.read().decode()
    finally:
        server.close()
        holder.close()


def test_prefork_help_describes_both_modes():
    result = subprocess.run([sys.executable, EXAMPLE, '--help'], capture_output=True, text=True,
                            timeout=30, env=_env())
    assert result.returncode == 0
    assert 'reuseport' in result.stdout and 'inherit' in result.stdout
    assert '--workers' in result.stdout and '--port' in result.stdout
