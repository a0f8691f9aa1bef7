"""No worker of `pyuvnet serve --workers N` outlives its primary, however
the primary ends: a stop signal (TERM, INT, QUIT) with a worker stuck in
its app (every WSGI app thread blocked, or an ASGI app's loop frozen by a
sync call), or the primary killed outright (SIGKILL).

gunicorn 27 pinned: TERM, INT and QUIT stop the arbiter, which kills the
workers still running at its deadline (--graceful-timeout) and exits 0;
after a SIGKILL of the arbiter its workers notice their parent is gone
and exit.  Here a stuck worker is killed at --timeout while the server
stops, and a worker asks the kernel for SIGKILL at its primary's death
(which reaches it even with its loop frozen)."""
import os
import signal
import threading
import time

import pytest

from serve_support import ServerLog, request, serve_command

pytestmark = pytest.mark.timeout(120)
HERE = os.path.dirname(os.path.abspath(__file__))


def alive(pid):
    """Whether ``pid`` runs (a zombie left for its new parent to reap
    counts as ended)."""
    try:
        with open('/proc/%d/stat' % pid) as stat:
            return stat.read().rpartition(')')[2].split()[0] != 'Z'
    except FileNotFoundError:
        return False


def stuck_request(port):
    """A request to /block: never answered, its connection lost with its
    worker."""
    try:
        request(port, '/block', 60)
    except OSError:
        pass


@pytest.mark.parametrize('app', ['wsgi_app', 'asgi_app'])
@pytest.mark.parametrize('signum', [signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGKILL])
def test_no_worker_outlives_its_primary(app, signum):
    log = ServerLog(serve_command(HERE, 'supervised_apps:' + app, '--workers', '2',
                                  '--timeout', '2'))
    workers = []
    try:
        port = log.ports(2)[0]
        workers = [int(found.group(1)) for found in log.matches(r' \(pid (\d+)\)$')]
        assert len(workers) == 2, log.text()
        # Both workers stuck (the primary hands connections round robin).
        blocked = [threading.Thread(target=stuck_request, args=(port,), daemon=True)
                   for _ in workers]
        for thread in blocked:
            thread.start()
        time.sleep(1)
        status = log.stop(signum, seconds=60)
        assert status == (-signal.SIGKILL if signum == signal.SIGKILL else 0), log.text()
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in workers if alive(pid)], log.text()
        for thread in blocked:
            thread.join(60)
    finally:
        for pid in workers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
