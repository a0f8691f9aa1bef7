"""A worker out of file descriptors (EMFILE) keeps serving, as Node's
cluster workers and uvicorn do: the connections it could not take are
closed (the primary's handle of each is tried again, then dropped, as
Node's SentHandleTransmissionWarning), the ones it holds are answered,
and once fds are free again new connections are served by the same
worker: it is neither killed nor replaced."""
import os
import socket
import time

import pytest

from serve_support import ServerLog, request, serve_command
from fd_limited_apps import FREE_FDS

pytestmark = pytest.mark.timeout(120)
HERE = os.path.dirname(os.path.abspath(__file__))


def hold_connections(port, count):
    """``count`` connections, each with a request sent and its answer
    read when it comes (or its end): the sockets, kept open."""
    held = []
    for _ in range(count):
        sock = socket.create_connection(('127.0.0.1', port), 10)
        try:
            sock.sendall(b'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
        except OSError:
            pass            # dropped already (the worker's fds ran out)
        held.append(sock)
    return held


def served_again(port, seconds=30):
    """The first answer once the worker has closed the connections let go
    (it sees their end, then frees their fds): until then a new one may
    still be dropped."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            answer = request(port, '/')
        except OSError:
            answer = None
        if answer is not None and answer[0] == 200 or time.monotonic() > deadline:
            return answer
        time.sleep(0.1)


@pytest.mark.parametrize('app', ['wsgi_app', 'asgi_app'])
def test_a_worker_out_of_fds_keeps_serving_and_takes_connections_again(app):
    log = ServerLog(serve_command(HERE, 'fd_limited_apps:' + app, '--workers', '1',
                                  '--timeout', '30', '--limit-max-requests', '100000'))
    try:
        port = log.ports(1)[0]
        status, pid = request(port, '/')
        assert status == 200
        held = hold_connections(port, FREE_FDS * 3)
        answered = 0
        for sock in held:
            sock.settimeout(10)
            try:
                answered += sock.recv(4096).startswith(b'HTTP/1.1 200')
            except OSError:
                pass
        # Some were taken and answered, some not (the worker's fds ran out).
        assert 0 < answered < len(held), log.text()
        for sock in held:
            sock.close()
        # fds free again: the same worker serves.
        assert served_again(port) == (200, pid)
        for _ in range(FREE_FDS * 2):
            assert request(port, '/') == (200, pid)
        assert log.proc.poll() is None
    finally:
        code = log.stop()
    assert code == 0, log.text()
    assert 'exited' not in log.text() and 'Traceback' not in log.text(), log.text()
