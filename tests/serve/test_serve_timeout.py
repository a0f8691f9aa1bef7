"""gunicorn's --timeout for WSGI apps: a worker whose every app thread has
been busy for longer is replaced, in every mode (one process, several,
app threads or the loop's own), and the requests that came after the
stuck one are answered by its replacement.

gunicorn 27 pinned (issue 58): with --timeout 30 and one sync worker, an
app that blocks forever gets `[CRITICAL] WORKER TIMEOUT (pid:N)`, then
`[ERROR] Worker (pid:N) was sent SIGKILL!` and `Booting worker with pid`;
the blocked client gets the connection closed with no answer, the 3
requests sent after it are all answered at ~31 s, and the arbiter exits 0
on a later SIGTERM.  Here with a 2 s timeout, counted from the moment the
last app thread became busy (as gunicorn counts from the worker's last
notify before the stuck request).

An ASGI app's loop blocked by a sync call: uvicorn 0.54's
--timeout-worker-healthcheck does not see it (its ping is answered by a
thread of the worker, which the blocked loop leaves free: with --workers 2
and both loops in time.sleep(), 0 of 4 later requests were answered in
15 s, no worker replaced); gunicorn's arbiter over uvicorn's worker
class does, through the loop's notify and --timeout.  pyuvnet's workers
beat from the loop, so the primary replaces a frozen one after
--timeout."""
import os
import signal
import threading
import time

import pytest

from serve_support import ServerLog, request, serve_command

pytestmark = pytest.mark.timeout(180)
HERE = os.path.dirname(os.path.abspath(__file__))


def in_thread(function, *args):
    """Run ``function(*args)`` in a thread; a list that gets its result
    (or the exception it raised)."""
    result = _Result()

    def run():
        try:
            result.append(function(*args))
        except Exception as exc:
            result.append(exc)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    result.thread = thread
    return result



class _Result(list):
    thread = None


@pytest.mark.parametrize('app, workers, threads', [
    ('wsgi_app', '1', '1'), ('wsgi_app', '1', '0'), ('wsgi_app', '1', '2'), ('wsgi_app', '2', '1'),
    ('asgi_app', '2', '1')])
def test_a_stuck_worker_is_replaced_and_the_requests_after_it_answered(app, workers, threads):
    log = ServerLog(serve_command(HERE, 'supervised_apps:' + app, '--timeout', '2',
                                  '--workers', workers, '--threads', threads))
    try:
        port = log.ports(int(workers))[0]
        stuck = {request(port)[1] for _ in range(10)}
        # Enough requests that never end to take every app thread of every
        # worker (round robin: one after the other).
        blockers = int(workers) * (max(int(threads), 1) if app == 'wsgi_app' else 1)
        blocked = [in_thread(request, port, '/block', 60) for _ in range(blockers)]
        time.sleep(1)       # every blocker on its thread
        later = [in_thread(request, port, '/', 60) for _ in range(3)]
        log.wait(r'WORKER TIMEOUT \(pid \d+\)', int(workers))
        for answer in later:
            answer.thread.join(60)
        answers = [answer[0] for answer in later]
        assert all(status == 200 for status, _ in answers), (answers, log.text())
        assert not {pid for _, pid in answers} & stuck
        for answer in blocked:
            answer.thread.join(60)
            # The stuck request itself is lost with its worker (as gunicorn's).
            assert answer[0] == (None, b'') or isinstance(answer[0], ConnectionError)
    finally:
        assert log.stop() == 0, log.text()


def test_a_slow_request_within_the_timeout_keeps_its_worker():
    log = ServerLog(serve_command(HERE, 'supervised_apps:wsgi_app', '--timeout', '3'))
    try:
        port = log.ports(1)[0]
        worker = request(port)[1]
        assert request(port, '/slow?1.5') == (200, worker)
        assert request(port) == (200, worker)
    finally:
        assert log.stop() == 0, log.text()
    assert 'WORKER TIMEOUT' not in log.text()


def test_an_asgi_app_has_no_primary_for_the_timeout():
    # --timeout is WSGI's: an ASGI app runs alone, the process answering.
    log = ServerLog(serve_command(HERE, 'supervised_apps:asgi_app', '--timeout', '2'))
    try:
        port = log.ports(1)[0]
        assert request(port) == (200, b'%d' % log.proc.pid)
    finally:
        assert log.stop() == 0, log.text()


def test_an_asgi_app_s_lone_worker_is_not_watched():
    # A primary (for --limit-max-requests) with one ASGI worker: as
    # uvicorn's --reload worker, its frozen loop is left alone (a
    # breakpoint stops it there); the primary's SIGKILL ends it still.
    log = ServerLog(serve_command(HERE, 'supervised_apps:asgi_app', '--timeout', '1',
                                  '--limit-max-requests', '1000'))
    try:
        port = log.ports(1)[0]
        worker = int(request(port)[1])
        assert worker != log.proc.pid
        frozen = in_thread(request, port, '/block', 60)
        time.sleep(4)
        assert 'WORKER TIMEOUT' not in log.text()
        assert not frozen
    finally:
        assert log.stop(signal.SIGKILL) == -signal.SIGKILL, log.text()
    frozen.thread.join(60)
    assert frozen[0] == (None, b'') or isinstance(frozen[0], ConnectionError)
