"""`pyuvnet serve`'s primary (gunicorn's arbiter): a worker that dies is
replaced; SIGHUP reloads gracefully, no request failing meanwhile; SIGTTIN
and SIGTTOU add and remove a worker; --limit-max-requests replaces a
worker with no refused request.

gunicorn 27 pinned: SIGHUP starts the new workers and then gracefully
stops the old; SIGTTIN/SIGTTOU change the worker count by one (never below
one; the oldest goes); a worker killed by a signal is logged and forked
again."""
import os
import signal
import threading
import time

import pytest

from serve_support import ServerLog, request, serve_command

pytestmark = pytest.mark.timeout(180)
HERE = os.path.dirname(os.path.abspath(__file__))


def serve(*args):
    return ServerLog(serve_command(HERE, *args))


def pids_answering(port, tries=40):
    return {request(port)[1] for _ in range(tries)}


class LoadLoop(threading.Thread):
    """Requests one after another, each on its own connection, until
    ``count`` are done or ``seconds`` have passed: every answer kept."""

    def __init__(self, port, count=400, seconds=90, until=lambda answers: False):
        super().__init__(daemon=True)
        self.port, self.count, self.deadline = port, count, time.monotonic() + seconds
        self.until = until
        self.answers, self.failures = [], []

    def run(self):
        while len(self.answers) + len(self.failures) < self.count \
                and time.monotonic() < self.deadline and not self.until(self.answers):
            try:
                self.answers.append(request(self.port))
            except OSError as exc:
                self.failures.append(repr(exc))


def test_a_worker_that_dies_is_replaced():
    log = serve('supervised_apps:asgi_app', '--workers', '2')
    try:
        port = log.ports(2)[0]
        before = pids_answering(port)
        try:
            answer = request(port, '/die')  # its worker exits at once (status 7)
        except ConnectionResetError:
            answer = None
        assert answer in (None, (None, b''))
        log.wait(r'worker \d+ \(pid \d+\) exited \(7\): forking another')
        log.ports(3)
        after = pids_answering(port)
        assert len(after) == 2 and len(after & before) == 1
    finally:
        assert log.stop() == 0, log.text()


@pytest.mark.parametrize('app', ['supervised_apps:asgi_app', 'supervised_apps:wsgi_app'])
def test_sighup_replaces_every_worker_and_no_request_fails(app):
    # (The new workers' boot is not what is tested: under a loaded CI it
    # may take longer than the healthcheck's 5 s default.)
    log = serve(app, '--workers', '2', '--timeout-worker-healthcheck', '60')
    try:
        port = log.ports(2)[0]
        before = pids_answering(port)
        load = LoadLoop(port)
        load.start()
        time.sleep(0.5)
        log.proc.send_signal(signal.SIGHUP)
        log.wait('reloading: 2 new workers')
        log.ports(4)
        log.wait(r'shutting down \(pid', 2)
        load.join()
        assert load.failures == []
        assert all(status == 200 for status, _ in load.answers)
        assert len(load.answers) == load.count
        after = pids_answering(port)
        assert len(after) == 2 and not after & before
    finally:
        assert log.stop() == 0, log.text()


def test_sigttin_adds_a_worker_and_sigttou_retires_the_oldest():
    log = serve('supervised_apps:asgi_app', '--workers', '2')
    try:
        port = log.ports(2)[0]
        first = pids_answering(port)
        log.proc.send_signal(signal.SIGTTIN)
        log.wait('3 workers')
        log.ports(3)
        assert len(pids_answering(port, 60)) == 3
        log.proc.send_signal(signal.SIGTTOU)
        log.wait('2 workers')
        log.wait(r'shutting down \(pid')
        time.sleep(0.5)
        left = pids_answering(port)
        assert len(left) == 2 and len(left & first) == 1
        for _ in range(3):      # never below one
            log.proc.send_signal(signal.SIGTTOU)
            time.sleep(0.3)
        log.wait('1 worker$')
        assert len(pids_answering(port)) == 1
    finally:
        assert log.stop() == 0, log.text()


def test_limit_max_requests_replaces_the_worker_with_no_refused_request():
    log = serve('supervised_apps:wsgi_app', '--limit-max-requests', '10')
    try:
        port = log.ports(1)[0]
        # Each worker serves its ten, and on until its replacement listens:
        # under load a replacement may boot for longer than 2,000 requests
        # take, so the third pid ends the loop (or 120 s), not a count.
        load = LoadLoop(port, count=10 ** 6, seconds=120,
                        until=lambda answers: len({pid for _, pid in answers}) == 3)
        load.run()
        assert load.failures == []
        assert {status for status, _ in load.answers} == {200}
        first, second, third = sorted(set(pid for _, pid in load.answers),
                                      key=[pid for _, pid in load.answers].index)
        assert [pid for _, pid in load.answers[:10]] == [first] * 10
        log.wait(r'shutting down \(pid %s\)' % first.decode())
    finally:
        assert log.stop() == 0, log.text()


@pytest.mark.parametrize('signum', [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT])
def test_the_primary_drains_every_worker_on_a_stop_signal(signum):
    log = serve('supervised_apps:asgi_app', '--workers', '2')
    try:
        port = log.ports(2)[0]
        pids = pids_answering(port)
    finally:
        assert log.stop(signum) == 0, log.text()
    assert len(log.matches(r'shutting down \(pid')) == 2
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(int(pid), 0)
