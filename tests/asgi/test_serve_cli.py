"""`pyuvnet serve MODULE:ATTR` and `python -m pyuvnet serve`: the app
served, its interface told, signals, workers, and a target that cannot be
imported."""
import os
import signal
import socket
import sys
import time

import pytest

from pyuvnet.serve import _target
from serve_support import address_of, get, serve_command, stop

pytestmark = pytest.mark.timeout(60)
HERE = os.path.dirname(os.path.abspath(__file__))


def start(*args):
    return serve_command(HERE, *args)



@pytest.mark.parametrize('signum', [signal.SIGINT, signal.SIGTERM])
def test_asgi_app_served_and_stopped_gracefully(signum):
    # (Without the access log, uvicorn's default, stdout is the app's alone.)
    proc = start('serve_apps:asgi_app', '--root-path', '/api', '--no-access-log')
    try:
        port, = address_of(proc)
        assert get(port) == b'asgi %d /api' % proc.pid
    finally:
        code, out, err = stop(proc, signum)
    assert code == 0, err
    assert out.split() == ['lifespan.startup', str(proc.pid), 'lifespan.shutdown', str(proc.pid)]


def test_wsgi_app_told_by_auto():
    # --timeout 0: one process, no primary (a WSGI app's timeout needs one).
    proc = start('serve_apps:wsgi_app', '--threads', '2', '--timeout', '0')
    try:
        port, = address_of(proc)
        assert get(port) == b'wsgi %d' % proc.pid
    finally:
        code, out, err = stop(proc)
    assert code == 0
    assert 'WSGI app serve_apps:wsgi_app' in proc.announced


@pytest.mark.parametrize('umask, mode', [(None, 0o666), ('0o027', 0o750), ('007', 0o770)])
def test_factory_and_unix_socket_with_uvicorns_mode_or_gunicorns_umask(tmp_path, umask, mode):
    # uvicorn 0.54 chmods its --uds socket 0o666 (nginx's workers, another
    # user, may connect); gunicorn 27 binds it under --umask: srwxr-x---
    # for 0o027, srwxrwx--- for 007 (pinned under both).
    path = str(tmp_path / 'serve.sock')
    proc = start('serve_apps:make_app', '--factory', '--uds', path,
                 *(['--umask', umask] if umask else []))
    try:
        where, = address_of(proc)
        assert where == path
        assert get(path).startswith(b'asgi ')
        assert os.stat(path).st_mode & 0o7777 == mode
    finally:
        code, out, err = stop(proc)
    assert code == 0
    assert 'on unix:%s (pid %d) (Press CTRL+C to quit)' % (path, proc.pid) in proc.announced


def test_forced_interface_and_lifespan_off():
    proc = start('serve_apps:handler', '--interface', 'asgi', '--lifespan', 'off',
                 '--no-access-log')
    try:
        port, = address_of(proc)
        assert get(port).startswith(b'asgi ')
    finally:
        code, out, err = stop(proc)
    assert code == 0
    assert out == ''        # no lifespan events


@pytest.mark.parametrize('target, words', [
    ('no_such_module:app', 'could not import module "no_such_module"'),
    ('serve_apps:missing', 'attribute "missing" not found in module "serve_apps"'),
    ('serve_apps', 'import string "serve_apps" must be in format "<module>:<attribute>"'),
    ('broken_app:app', 'could not import module "broken_app": ModuleNotFoundError'),
    ('serve_apps:broken_import', '"serve_apps:broken_import" is not callable'),
])
def test_a_target_that_cannot_be_loaded(target, words):
    proc = start(target)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert words in lines[0]


def test_graceful_shutdown_timeout():
    proc = start('serve_apps:asgi_app', '--timeout-graceful-shutdown', '0.5')
    try:
        port, = address_of(proc)
        sock = socket.create_connection(('127.0.0.1', port))
        sock.sendall(b'GET /slow HTTP/1.1\r\nHost: x\r\n\r\n')
        time.sleep(0.3)
        started = time.monotonic()
    finally:
        code, out, err = stop(proc)
    sock.close()
    assert code == 0
    assert time.monotonic() - started < 10
    assert 'graceful shutdown timed out' in err
    assert 'lifespan.shutdown' in out


@pytest.mark.timeout(150)
def test_workers_share_the_port_each_with_its_lifespan():
    # The primary and two workers each import pyuvnet and the app: on a
    # loaded 2-core CI machine, their announcements took over 60 s once.
    proc = start('serve_apps:asgi_app', '--workers', '2', '--port', '0')
    try:
        first, second = address_of(proc, 2, seconds=120)
        assert first == second
        pids = {get(first).split()[1] for _ in range(20)}
        assert len(pids) == 2
    finally:
        code, out, err = stop(proc)
    assert code == 0, err
    assert out.count('lifespan.startup') == 2
    assert out.count('lifespan.shutdown') == 2


@pytest.mark.parametrize('argv, said', [
    (['bogus'], "pyuvnet: error: unknown command 'bogus' (choose from 'serve')"),
    ([], 'pyuvnet: error: a command is required (serve)'),
])
def test_an_unknown_command_says_so_after_the_usage(argv, said):
    # argparse's subcommand error (uvicorn's click says "Error: ..." too).
    import subprocess
    out = subprocess.run([sys.executable, '-m', 'pyuvnet'] + argv, capture_output=True,
                         text=True, timeout=30)
    assert out.returncode == 2
    assert out.stderr.startswith('usage: pyuvnet ')
    assert out.stderr.splitlines()[-1] == said


def test_console_script_is_declared():
    with open(os.path.join(HERE, '..', '..', 'pyproject.toml')) as f:
        assert 'pyuvnet = "pyuvnet.__main__:main"' in f.read()


def test_interface_detection():
    async def asgi(scope, receive, send):
        pass

    def wsgi(environ, start_response):
        pass

    class AsyncCallable:
        async def __call__(self, scope, receive, send):
            pass

    class SyncCallable:
        def __call__(self, environ, start_response):
            pass

    def three(scope, receive, send):
        pass
    assert _target.interface_of(asgi) == 'asgi'
    assert _target.interface_of(AsyncCallable()) == 'asgi'
    assert _target.interface_of(three) == 'asgi'
    assert _target.interface_of(wsgi) == 'wsgi'
    assert _target.interface_of(SyncCallable()) == 'wsgi'


def test_an_announcement_is_one_write_so_workers_lines_never_interleave(monkeypatch):
    """Every worker of one server writes its line to the same stderr pipe:
    the text and its newline go in one write, or two workers' lines can
    land as one line and a second, empty one."""
    import io

    from pyuvnet.serve import _run

    class Recorder(io.RawIOBase):
        def __init__(self):
            self.writes = []

        def writable(self):
            return True

        def write(self, data):
            self.writes.append(bytes(data))
            return len(data)

    raw = Recorder()
    monkeypatch.setattr(sys, 'stderr', io.TextIOWrapper(raw, write_through=True,
                                                        line_buffering=True))
    _run.say('ASGI app m:app on http://127.0.0.1:1 (pid 7)')
    assert raw.writes == [b'pyuvnet serve: ASGI app m:app on http://127.0.0.1:1 (pid 7)\n']
