"""Running `pyuvnet serve` as a child in the tests (tests/asgi/test_serve_cli.py,
tests/serve/): started, its announced address read against a deadline, a
request, and stopped with a signal."""
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time

from support import recv_all

__all__ = ['ServerLog', 'address_of', 'get', 'request', 'serve_command', 'stop']


def serve_command(app_dir, *args, **popen):
    """``python -m pyuvnet serve --app-dir APP_DIR --port 0 ARGS...``
    started in APP_DIR, its output piped."""
    return subprocess.Popen(
        [sys.executable, '-m', 'pyuvnet', 'serve', '--app-dir', app_dir, '--port', '0']
        + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=app_dir,
        **popen)


def address_of(proc, count=1, seconds=45):
    """The port each of ``count`` servers announced (stderr lines), read
    against a deadline: a server that does not announce fails the test
    with what it did say, rather than the test's timeout.  What was read
    past the announcements is kept for stop()."""
    ports, lines, pending = [], [], b''
    fd = proc.stderr.fileno()
    deadline = time.monotonic() + seconds
    while len(ports) < count:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            break
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        *whole, pending = (pending + chunk).split(b'\n')
        for line in whole:
            if len(ports) == count:
                pending = line + b'\n' + pending
                continue
            lines.append(line.decode() + '\n')
            found = re.search(r'on (?:https?://[\d.]+:(\d+)|unix:(\S+))', lines[-1])
            if found:
                ports.append(int(found.group(1)) if found.group(1) else found.group(2))
    assert len(ports) == count, (lines, pending, proc.poll())
    proc.announced = ''.join(lines)
    proc.unread = pending.decode()
    return ports


def get(port, path='/'):
    """The body of one GET on its own connection."""
    return request(port, path)[1]


def stop(proc, signum=signal.SIGTERM):
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=30)
    return proc.returncode, out, getattr(proc, 'unread', '') + err


class ServerLog:
    """What a served child says on stderr, read by a thread (so that a long
    test never fills the pipe), and waited for line by line.  Its stdout
    (the access log, as uvicorn's) is read too, into ``access``: a pipe
    left unread fills after some thousand requests, and every worker then
    blocks in its next access line."""

    def __init__(self, proc):
        self.proc = proc
        self.lines = []
        self.access = []
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        self.access_thread = None
        if proc.stdout is not None:
            self.access_thread = threading.Thread(
                target=lambda: self.access.extend(proc.stdout), daemon=True)
            self.access_thread.start()

    def _read(self):
        for line in self.proc.stderr:
            with self.changed:
                self.lines.append(line)
                self.changed.notify_all()
        with self.changed:
            self.lines.append(None)         # the end
            self.changed.notify_all()

    def matches(self, pattern):
        return [found for found in (re.search(pattern, line) for line in self.lines
                                    if line is not None) if found]

    def wait(self, pattern, count=1, seconds=60):
        """The first ``count`` matches of ``pattern``; fails with what was
        said if they do not come within ``seconds`` (or the child ends)."""
        deadline = time.monotonic() + seconds
        with self.changed:
            while len(self.matches(pattern)) < count:
                left = deadline - time.monotonic()
                assert left > 0 and (not self.lines or self.lines[-1] is not None), \
                    (pattern, count, self.text(), self.proc.poll())
                self.changed.wait(left)
            return self.matches(pattern)[:count]

    def ports(self, count=1, seconds=60):
        """The ports of the first ``count`` announcements."""
        return [int(m.group(1)) for m in self.wait(r'on https?://[\d.]+:(\d+)', count, seconds)]

    def text(self):
        return ''.join(line for line in self.lines if line is not None)

    def stop(self, signum=signal.SIGTERM, seconds=30):
        """Signal the child and wait for it; its exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signum)
        try:
            self.proc.wait(seconds)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        self.thread.join(10)
        if self.access_thread is not None:
            self.access_thread.join(10)
            self.proc.stdout.close()
        return self.proc.returncode


def request(port, path='/', seconds=10):
    """(status code, body) of one GET on its own connection."""
    family = socket.AF_UNIX if isinstance(port, str) else socket.AF_INET
    with socket.socket(family) as sock:
        sock.settimeout(seconds)
        sock.connect(port if isinstance(port, str) else ('127.0.0.1', port))
        sock.sendall(b'GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' % path.encode())
        data = recv_all(sock)
    head, _, body = data.partition(b'\r\n\r\n')
    return int(head.split(b' ', 2)[1]) if head else None, body
