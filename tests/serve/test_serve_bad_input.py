"""`pyuvnet serve` on bad input and failed starts, pinned first under the
references (uvicorn 0.54, gunicorn 27) with the same apps:

- a bad option: one line on stderr naming the cause, exit status 1, at
  once, with any --workers count, ASGI or WSGI (where uvicorn prints a
  traceback: --port 70000, a missing --ssl-certfile, a certificate without
  its key);
- an address that cannot be bound (a port in use, a host not this
  machine's): uvicorn's single process logs asyncio's line, `ERROR:
  [Errno 98] error while attempting to bind on address ('127.0.0.1',
  8000): address already in use`, runs the lifespan shutdown and exits 3;
  its multi-process parent (pyuvnet's primary: --workers 2, or WSGI's
  --timeout) logs `ERROR:    [Errno 98] Address already in use` and exits 3;
- a failed lifespan startup: uvicorn's lines and exit 3; pyuvnet's last
  line names the exception in one line;
- a worker that cannot boot, or exits with 3 at any time, stops the
  primary, exit 3 (gunicorn 27 halts on WORKER_BOOT_ERROR, "to avoid
  infinite start/stop cycles", with status 3).
Ctrl-C while the workers import the app is a quiet exit 0."""
import os
import signal
import socket
import time

import pytest

from serve_support import ServerLog, request, serve_command

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


def assert_one_line(code, lines, words, status=1):
    """``status`` and one line naming the cause (after uvicorn's 'INFO:
    Started server process' where one process got that far)."""
    assert code == status, lines
    said = [line for line in lines if not line.startswith('INFO:')]
    assert len(said) == 1, lines
    assert said[0].startswith('pyuvnet serve: error: '), lines
    assert words in said[0]


@pytest.fixture
def certificate_only(tmp_path, tls_certs):
    path = tmp_path / 'cert-only.pem'
    path.write_bytes(open(tls_certs.path('leaf.pem'), 'rb').read())
    return str(path)


@pytest.mark.parametrize('workers', ['1', '2'])
@pytest.mark.parametrize('args, words', [
    (['--port', '70000'], '--port 70000: a port should be >= 0 and < 65536'),
    (['--ssl-certfile', '/no/such/cert.pem'], '--ssl-certfile /no/such/cert.pem: No such file'),
    (['--ssl-certfile', __file__], '--ssl-certfile %s: no PEM certificate in it' % __file__),
    (['--ssl-certfile', 'CERT', '--ssl-keyfile', '/no/key.pem'],
     '--ssl-keyfile /no/key.pem: No such file'),
    (['--ssl-certfile', 'CERT', '--ssl-keyfile', 'CERT'],
     '--ssl-keyfile CERT: no PEM private key in it'),
    (['--ssl-certfile', 'CERT'],
     '--ssl-certfile CERT holds no private key: give the key with --ssl-keyfile'),
    (['--ssl-keyfile', 'CERT'], '--ssl-keyfile needs --ssl-certfile'),
    (['--no-such-flag'], 'unrecognized arguments: --no-such-flag'),
    (['--uds', '/no/such/dir/s.sock'], '--uds /no/such/dir/s.sock: no such directory'),
    (['--timeout', '-1'], '--timeout must be 0 (none) or more'),
    (['--limit-max-requests', '0'], '--limit-max-requests must be 1 or more'),
    (['--umask', '0o1777'], '--umask must be between 0 and 0o777'),
], ids=lambda value: ' '.join(value) if isinstance(value, list) else None)
def test_a_bad_option_is_one_line_and_status_1(workers, args, words, certificate_only):
    # CERT: a certificate without its key.
    args = [certificate_only if arg == 'CERT' else arg for arg in args]
    code, lines = run_to_end('supervised_apps:asgi_app', '--workers', workers, *args)
    assert_one_line(code, lines, words.replace('CERT', certificate_only))


def bind_failure(cause, port_in_use):
    """(the arguments, uvicorn's single-process line, its parent's line)."""
    if cause == 'port in use':
        return (['--port', str(port_in_use)],
                "[Errno 98] error while attempting to bind on address ('127.0.0.1', %d): "
                'address already in use' % port_in_use, '[Errno 98] Address already in use')
    return (['--host', '192.0.2.1'],
            "[Errno 99] error while attempting to bind on address ('192.0.2.1', 0): "
            'cannot assign requested address', '[Errno 99] Cannot assign requested address')


@pytest.mark.parametrize('cause', ['port in use', 'host not here'])
@pytest.mark.parametrize('app, workers', [
    ('supervised_apps:asgi_app', '1'), ('supervised_apps:asgi_app', '2'),
    ('supervised_apps:wsgi_app', '1'), ('supervised_apps:wsgi_app', '2')])
def test_an_address_that_cannot_be_bound_is_uvicorns_lines_and_status_3(
        port_in_use, cause, app, workers):
    args, single_line, parent_line = bind_failure(cause, port_in_use)
    code, lines = run_to_end(app, '--workers', workers, *args)
    assert code == 3, lines
    if app.endswith('asgi_app') and workers == '1':
        # One process: the lifespan ran, and its shutdown runs.
        assert lines[1:] == [
            'INFO:     Waiting for application startup.',
            'INFO:     Application startup complete.',
            'ERROR:    ' + single_line,
            'INFO:     Waiting for application shutdown.',
            'INFO:     Application shutdown complete.'], lines
        assert lines[0].startswith('INFO:     Started server process [')
    else:
        # The primary probes the address before it forks (a WSGI app's
        # --timeout makes one), as uvicorn's parent binds it.
        assert lines == ['ERROR:    ' + parent_line]


@pytest.mark.parametrize('workers', ['1', '2'])
def test_an_app_that_cannot_be_imported_is_one_line(workers):
    code, lines = run_to_end('no_such_module:app', '--workers', workers)
    assert_one_line(code, lines, 'could not import module "no_such_module"')


def test_workers_that_cannot_boot_stop_the_primary_which_says_why_once():
    # The app imports in the primary and fails in each worker: the primary
    # does not fork them again and again (gunicorn's WORKER_BOOT_ERROR).
    code, lines = run_to_end('boot_fails:app', '--workers', '2')
    assert_one_line(code, lines, 'could not import module "boot_fails": '
                                 'RuntimeError: the database is down', status=3)


def test_a_worker_whose_lifespan_fails_stops_the_primary():
    code, lines = run_to_end('supervised_apps:failing_lifespan', '--workers', '2',
                             '--lifespan', 'on')
    # Each worker logs the app's message as uvicorn does ('ERROR:    no
    # database'); the primary says why it stops, once.
    assert code == 3, lines
    said = [line for line in lines if line.startswith('pyuvnet serve: ')]
    assert said == ['pyuvnet serve: error: ASGI application startup failed: no database']
    assert not [line for line in lines if 'Traceback' in line]


@pytest.mark.parametrize('app, lifespan, logged', [
    # Starlette's lifespan sends the traceback as the failure's message;
    # uvicorn logs it whole.
    ('supervised_apps:starlette_like_failure', 'auto',
     ['ERROR:    Traceback (most recent call last):',
      '  File "app.py", line 1, in lifespan',
      'RuntimeError: the database is down']),
    ('supervised_apps:raising_lifespan', 'on',
     ["ERROR:    Exception in 'lifespan' protocol", 'Traceback (most recent call last):']),
], ids=['failed message', 'raised'])
def test_a_failed_startup_is_uvicorns_lines_then_the_exception_in_one_line(
        app, lifespan, logged):
    code, lines = run_to_end(app, '--lifespan', lifespan)
    assert code == 3, lines
    assert lines[1] == 'INFO:     Waiting for application startup.'
    assert lines[2:2 + len(logged)] == logged, lines
    assert lines[-2:] == [
        'ERROR:    Application startup failed. Exiting.',
        'pyuvnet serve: error: ASGI application startup failed: '
        'RuntimeError: the database is down'], lines


@pytest.mark.parametrize('app', ['supervised_apps:asgi_app', 'supervised_apps:wsgi_app'])
def test_a_worker_exiting_with_3_after_it_listened_stops_the_server(app):
    # gunicorn 27: "Worker (pid:N) exited with code 3." then "Reason: Worker
    # failed to boot.", exit 3; the other worker drains.
    log = ServerLog(serve_command(HERE, app, '--workers', '2'))
    try:
        port = log.ports(2)[0]
        log.wait(r'primary \d+: 2 workers \(Press CTRL\+C to quit\)')
        request(port, '/exit3')
        assert log.proc.wait(60) == 3, log.text()
    finally:
        log.stop()
    assert log.wait(r'error: worker \d \(pid \d+\) exited with code 3: it failed to boot')
    assert 'forking another' not in log.text()


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
