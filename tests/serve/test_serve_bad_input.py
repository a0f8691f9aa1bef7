"""`pyuvnet serve` on bad input: one line on stderr naming the cause, exit
status 1, at once, with any --workers count, ASGI or WSGI; a worker that
cannot boot stops the primary (gunicorn's rule); Ctrl-C while the workers
import the app is a quiet exit 0.

Pinned first under the references: uvicorn 0.54 answers a port in use
with `ERROR: [Errno 98] Address already in use` (its own exit status 3)
and, with --workers 2, a child that fails to start with `Child process
[N] failed to start, stopping the parent process.`; gunicorn 27 halts when
a worker exits with its boot error (3) or app-load error (4), "to avoid
infinite start/stop cycles".  Where they print tracebacks (uvicorn's
--port 70000 and missing --ssl-certfile, gunicorn's bad port) or exit 3,
the issue asks one line and status 1."""
import os
import signal
import socket
import subprocess
import time

import pytest

from serve_support import ServerLog, serve_command

pytestmark = pytest.mark.timeout(120)
HERE = os.path.dirname(os.path.abspath(__file__))


def run_to_end(*args):
    """(exit status, stderr lines) of a serve that must end by itself."""
    proc = serve_command(HERE, *args)
    try:
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, err.splitlines()


@pytest.fixture
def port_in_use():
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind(('127.0.0.1', 0))
        holder.listen()
        yield holder.getsockname()[1]


def assert_one_line(code, lines, words):
    """Status 1 and one line naming the cause (after uvicorn's 'INFO:
    Started server process' where one process got that far)."""
    assert code == 1, lines
    said = [line for line in lines if not line.startswith('INFO:')]
    assert len(said) == 1, lines
    assert said[0].startswith('pyuvnet serve: error: '), lines
    assert words in said[0]


@pytest.mark.parametrize('workers', ['1', '2'])
@pytest.mark.parametrize('args, words', [
    (['--port', '70000'], '--port 70000: a port should be >= 0 and < 65536'),
    (['--ssl-certfile', '/no/such/cert.pem'], '--ssl-certfile /no/such/cert.pem: No such file'),
    (['--ssl-certfile', __file__], '--ssl-certfile %s: ' % __file__),
    (['--no-such-flag'], 'unrecognized arguments: --no-such-flag'),
    (['--host', '192.0.2.1'], 'listen EADDRNOTAVAIL'),
    (['--uds', '/no/such/dir/s.sock'], '--uds /no/such/dir/s.sock: no such directory'),
    (['--timeout', '-1'], '--timeout must be 0 (none) or more'),
    (['--limit-max-requests', '0'], '--limit-max-requests must be 1 or more'),
])
def test_a_bad_option_is_one_line_and_status_1(workers, args, words):
    code, lines = run_to_end('supervised_apps:asgi_app', '--workers', workers, *args)
    assert_one_line(code, lines, words)


@pytest.mark.parametrize('workers', ['1', '2'])
@pytest.mark.parametrize('app', ['supervised_apps:asgi_app', 'supervised_apps:wsgi_app'])
def test_a_port_in_use_is_one_line_and_status_1(port_in_use, app, workers):
    code, lines = run_to_end(app, '--workers', workers, '--port', str(port_in_use))
    assert_one_line(code, lines, 'listen EADDRINUSE: address already in use 127.0.0.1:%d'
                    % port_in_use)


@pytest.mark.parametrize('workers', ['1', '2'])
def test_an_app_that_cannot_be_imported_is_one_line(workers):
    code, lines = run_to_end('no_such_module:app', '--workers', workers)
    assert_one_line(code, lines, 'could not import module "no_such_module"')


def test_workers_that_cannot_boot_stop_the_primary_which_says_why_once():
    # The app imports in the primary and fails in each worker: the primary
    # does not fork them again and again (gunicorn's WORKER_BOOT_ERROR).
    code, lines = run_to_end('boot_fails:app', '--workers', '2')
    assert_one_line(code, lines, 'could not import module "boot_fails": '
                                 'RuntimeError: the database is down')


def test_a_worker_whose_lifespan_fails_stops_the_primary():
    code, lines = run_to_end('supervised_apps:failing_lifespan', '--workers', '2',
                             '--lifespan', 'on')
    # Each worker logs the app's message as uvicorn does ('ERROR:    no
    # database'); the primary says why it stops, once.
    assert code == 1, lines
    said = [line for line in lines if line.startswith('pyuvnet serve: ')]
    assert said == ['pyuvnet serve: error: ASGI application startup failed: no database']
    assert not [line for line in lines if 'Traceback' in line]


def test_ctrl_c_while_the_workers_import_exits_quietly():
    # Ctrl-C at a terminal signals the whole process group: the primary
    # and its workers, which are still importing the app.
    proc = serve_command(HERE, 'slow_import:app', '--workers', '2', start_new_session=True)
    log = ServerLog(proc)
    try:
        time.sleep(3)       # the workers are importing (slow_import sleeps 20 s there)
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(30) == 0, log.text()
    finally:
        log.stop(signal.SIGKILL)
    assert 'Traceback' not in log.text()
    assert 'KeyboardInterrupt' not in log.text()
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)      # no worker left behind
