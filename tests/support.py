"""Helpers the test modules share."""
import hashlib
import json
import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import threading
import time

import pytest

import pyuvnet

# The test tree and the checkout around it (the tests sit one folder down,
# in their families; the wheels' lane copies tests/ and examples/ side by side).
TESTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TESTS)
EXAMPLES = os.path.join(ROOT, 'examples')


# A copy of tests/ run against an installed pyuvnet (the wheels' suites)
# has none of the checkout's other files.
SOURCE_ROOT = ROOT


def needs_source_tree(*paths):
    """Skip the calling test module, with the reason, unless the tests run
    from the source tree (``paths``, relative to it, exist)."""
    missing = [path for path in paths if not os.path.exists(os.path.join(SOURCE_ROOT, path))]
    if missing:
        pytest.skip('needs the source tree (%s); these tests run from a copy of tests/'
                    % ', '.join(missing), allow_module_level=True)


def ipv6_loopback_available():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        try:
            s.bind(('::1', 0))
        finally:
            s.close()
        return True
    except OSError:
        return False


needs_ipv6 = pytest.mark.skipif(not ipv6_loopback_available(), reason='no IPv6 loopback')
linux_only = pytest.mark.skipif(not sys.platform.startswith('linux'), reason='reads /proc/self/fd')
# Only Linux answers on all of 127/8 out of the box (macOS has 127.0.0.1 alone).
whole_loopback_net = pytest.mark.skipif(not sys.platform.startswith('linux'),
                                        reason='uses 127.0.0.2 and up, loopback on Linux only')


def _family(host):
    return socket.AF_INET6 if ':' in host else socket.AF_INET


def free_port(host='127.0.0.1'):
    """A port on ``host`` nothing uses right now (released by a Python
    socket), for a connection's local port: anyone may take it again, so
    never one to connect to (refused_port)."""
    with socket.socket(_family(host), socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


# Sockets refused_port() holds: open until the test process exits.
_HELD_PORTS = []


def refused_port(host='127.0.0.1'):
    """A port on ``host`` whose connections are refused for as long as the
    test process runs: a socket bound to it, never listening, holds it.

    A port merely released by a closed socket can be taken again before the
    test connects to it: by a listener of another suite running beside this
    one (CI runs two at once), or by the connecting socket itself, whose own
    ephemeral port may be that very one (a TCP self-connect, which succeeds
    and never fails). A held port can be neither.
    """
    s = socket.socket(_family(host), socket.SOCK_STREAM)
    try:
        s.bind((host, 0))
    except OSError:
        s.close()
        raise
    _HELD_PORTS.append(s)
    return s.getsockname()[1]


def os_socket(local_port, remote_port):
    """A duplicate (Python socket) of this process's TCP socket bound to
    ``local_port`` and connected to ``remote_port``: lets a test read the
    socket options libuv set."""
    for name in os.listdir('/proc/self/fd'):
        try:
            fd = os.dup(int(name))
        except OSError:
            continue
        try:
            s = socket.socket(fileno=fd)
        except OSError:
            os.close(fd)
            continue
        try:
            if (s.type == socket.SOCK_STREAM and s.family in (socket.AF_INET, socket.AF_INET6)
                    and s.getsockname()[1] == local_port and s.getpeername()[1] == remote_port):
                return s
        except OSError:
            pass
        s.close()
    raise AssertionError('no socket %d -> %d in this process' % (local_port, remote_port))


def fd_is_open(fd):
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def record_events(sock, log, events):
    """Append ``(event, *args)`` to ``log`` for each of ``events`` that
    ``sock`` emits; returns ``log``."""
    def listener(name):
        return lambda *args: log.append((name,) + args)
    for name in events:
        sock.on(name, listener(name))
    return log


def event_names(log):
    return [entry[0] for entry in log]


def assert_code(code, call, *bases):
    """Call ``call()``; it must raise a NodeError with ``code`` (and each class
    of ``bases``). Returns the error."""
    from pyuvnet.errors import NodeError
    with pytest.raises(NodeError) as info:
        call()
    assert info.value.code == code
    for base in bases:
        assert isinstance(info.value, base)
    return info.value


def open_fd_count():
    """How many file descriptors this process has open (Linux)."""
    return len(os.listdir('/proc/self/fd'))


# Under AddressSanitizer (`make asan` preloads libasan) freed memory waits in
# ASan's quarantine (256 MB by default) before it is reused, so RSS grows
# with everything freed: an RSS bound there measures the quarantine, not
# pyuvnet.  The bounds hold in the plain build's runs.
RSS_IS_OURS = 'libasan' not in os.environ.get('LD_PRELOAD', '')


def external_env(**extra):
    """The environment for a program that is not under test (curl, nghttp,
    nginx, haproxy): ours without the sanitizers' LD_PRELOAD, which `make
    asan` sets for the test process and which hangs or kills such a child."""
    env = {k: v for k, v in os.environ.items() if k != 'LD_PRELOAD'}
    env.update(extra)
    return env


def rss_bytes():
    """This process's resident set size now (Linux)."""
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


def recv_all(sock):
    """Everything a blocking socket receives until the peer's FIN."""
    data = b''
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


def read_line_until(proc, pattern, timeout=20):
    """A child's stdout lines (text mode) up to the first that matches
    ``pattern``; AssertionError when it ends or ``timeout`` passes first.

    A thread reads the lines (once per child): select() on the pipe would
    miss a second line that readline() already took into its buffer."""
    lines_read = getattr(proc, 'pyuvnet_stdout_lines', None)
    if lines_read is None:
        lines_read = proc.pyuvnet_stdout_lines = queue.Queue()

        def read_lines():
            try:
                for line in iter(proc.stdout.readline, ''):
                    lines_read.put(line)
            except (ValueError, OSError):
                pass        # communicate() closed the pipe meanwhile
            lines_read.put('')
        threading.Thread(target=read_lines, daemon=True).start()
    lines = []
    deadline = time.monotonic() + timeout
    while True:
        try:
            line = lines_read.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError('no %r within %s s: %r' % (pattern, timeout, lines)) from None
        assert line, 'the program ended: %r' % lines
        lines.append(line)
        if re.search(pattern, line):
            return lines


class NodeProcess:
    """``node -e script args...`` with stdout captured (``env``: the
    child's environment, if not ours)."""

    def __init__(self, script, *args, env=None):
        node = shutil.which('node') or '/usr/bin/node'
        self.proc = subprocess.Popen([node, '-e', script] + [str(a) for a in args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env=env)

    def readline(self):
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError('node said nothing: %s' % self.proc.stderr.read())
        return line.strip()

    def result(self, timeout=30):
        out, err = self.proc.communicate(timeout=timeout)
        lines = [l for l in out.splitlines() if l.strip()]
        assert self.proc.returncode == 0, 'node failed: %s\n%s' % (out, err)
        assert lines, 'node printed nothing; stderr: %s' % err
        return json.loads(lines[-1])

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


# pyuvnet's own files, whose Python frames the frame-counting tests count.
PACKAGE_DIR = os.path.dirname(pyuvnet.__file__) + os.sep


def pyuvnet_frames():
    """A profile hook counting the Python frames entered from pyuvnet's own
    files, by function name (for the failure message). The Date line's
    formatter counts only from its second call within one second: the C
    head makes the line once a second, so a run that crosses a second's
    edge calls it once there, which is not a call per request."""
    counts = {}
    date_seconds = set()

    def profile(frame, event, arg):
        if event != 'call' or not frame.f_code.co_filename.startswith(PACKAGE_DIR):
            return
        second = int(time.time())
        if frame.f_code.co_name == 'date_line' and second not in date_seconds:
            date_seconds.add(second)
            return
        name = os.path.basename(frame.f_code.co_filename) + ':' + frame.f_code.co_name
        counts[name] = counts.get(name, 0) + 1
    return counts, profile


# How many times slower than a plain build this one runs: the sanitizer
# lane sets PYUVNET_TEST_SLOWDOWN (run_loop's bound, and the waits that
# stand for "the peer's next bytes have come").
SLOWDOWN = float(os.environ.get('PYUVNET_TEST_SLOWDOWN', '1'))

NODE = shutil.which('node') or ('/usr/bin/node' if os.path.exists('/usr/bin/node') else None)


@pytest.fixture
def node():
    started = []

    def start(script, *args):
        p = NodeProcess(script, *args)
        started.append(p)
        return p
    yield start
    for p in started:
        p.kill()


def sha(data):
    return hashlib.sha256(data).hexdigest()
