"""examples/cluster_server.py: a steady client sees no refused connection
through a rolling restart (SIGHUP), a killed worker is forked again, and
SIGTERM drains every worker and exits 0 (issue 15, part 3)."""
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from support import read_line_until

from support import ROOT  # noqa: E402 (the tree the tests sit in)
EXAMPLE = os.path.join(ROOT, 'examples', 'cluster_server.py')

pytestmark = pytest.mark.skipif(sys.platform == 'win32', reason='POSIX signals')


class SteadyClient(threading.Thread):
    """One connection after another (at most 30 s): the pid each reply
    names, or the error it met."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.replies = []
        self.failures = []
        self.stopping = threading.Event()

    def run(self):
        deadline = time.monotonic() + 30
        while not self.stopping.is_set() and time.monotonic() < deadline:
            try:
                with socket.create_connection(('127.0.0.1', self.port), timeout=5) as sock:
                    reply = b''
                    while not reply.endswith(b'\n'):
                        chunk = sock.recv(64)
                        if not chunk:
                            break
                        reply += chunk
                self.replies.append(int(reply)) if reply.endswith(b'\n') else \
                    self.failures.append('closed without a reply')
            except OSError as exc:
                self.failures.append(repr(exc))

    def stop(self):
        self.stopping.set()
        self.join(10)


@pytest.mark.parametrize('policy', ['rr', 'none'])
def test_rolling_restart_refuses_nothing_a_crash_is_reforked_and_sigterm_drains(policy):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get('PYTHONPATH')])))
    proc = subprocess.Popen([sys.executable, EXAMPLE, '--port', '0', '--workers', '2',
                             '--policy', policy], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    client = None
    try:
        first = read_line_until(proc, r'serving')[-1]
        port = int(re.search(r'127\.0\.0\.1:(\d+)', first).group(1))
        client = SteadyClient(port)
        client.start()
        while len(client.replies) < 20 and client.is_alive():
            time.sleep(0.05)
        before = set(client.replies)
        proc.send_signal(signal.SIGHUP)
        read_line_until(proc, r'rolling restart done')
        count = len(client.replies)
        while len(client.replies) < count + 20 and client.is_alive():
            time.sleep(0.05)
        after = set(client.replies[-10:])
        assert not before & after, (before, after)

        # Through the restart: not one connection refused or unanswered.
        assert client.failures == []

        os.kill(client.replies[-1], signal.SIGKILL)
        read_line_until(proc, r'died \(SIGKILL\), forking another')
        count = len(client.replies)
        while len(client.replies) < count + 10 and client.is_alive():
            time.sleep(0.05)
        client.stop()
        # The connection the killed worker held when it died, if any, is the
        # one the client may lose (reset or closed without a reply).
        assert len(client.failures) <= 1, (client.failures[:3], proc.poll(),
                                           proc.poll() is not None and proc.stderr.read())
        proc.send_signal(signal.SIGTERM)
        read_line_until(proc, r'every worker has exited')
        assert proc.wait(10) == 0
    finally:
        if client is not None:
            client.stop()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
