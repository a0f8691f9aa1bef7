"""No worker of `pyuvnet serve --workers N` outlives its primary, however
the primary ends: a stop signal (TERM, INT, QUIT) with a worker stuck in
its app (every WSGI app thread blocked, or an ASGI app's loop frozen by a
sync call), or the primary killed outright (SIGKILL).

gunicorn 27 pinned (2 sync workers, both in an app that sleeps, --timeout
3, --graceful-timeout 2): SIGTERM kills them at the graceful deadline,
the blocked clients get EOF with no answer, the arbiter exits 0 (2.2 s);
SIGINT (its quick stop) raises SystemExit in the app (the clients get
500) and exits 0 (0.8 s); after a SIGKILL of the arbiter both workers
were still running 6 s later, with PPID 1 (a sync worker looks at its
parent only between requests).  Here a stop signal drains, and a worker
stuck in its app is killed at --timeout (the clients get EOF); a worker
asks the kernel for SIGKILL at its primary's death, which reaches it even
with its loop frozen: none is left (better than the reference there)."""
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
