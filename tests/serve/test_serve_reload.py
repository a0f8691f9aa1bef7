"""`pyuvnet serve --reload`: a change to the app's files is served within
seconds, by watchfiles where it is installed and by polling otherwise,
with uvicorn's include and exclude patterns (uvicorn 0.54's FileFilter:
'*.py' watched; '.*', '.py[cod]', '.sw.*', '~*' not; a default named on
the other side dropped; an excluded directory leaves out what is below)."""
import re
import subprocess
import sys
import time

import pytest

from pyuvnet.serve._reload import FileFilter
from serve_support import ServerLog, request

pytestmark = pytest.mark.timeout(180)

APP = '''
import os


def app(environ, start_response):
    body = b'%s %d' % (VERSION, os.getpid())
    start_response('200 OK', [('Content-Length', str(len(body)))])
    return [body]


VERSION = b'{version}'
'''
# The primary with watchfiles hidden: the polling watcher.
WITHOUT_WATCHFILES = ("import sys; sys.modules['watchfiles'] = None; "
                      "from pyuvnet.__main__ import main; sys.exit(main())")


def write_app(folder, version):
    (folder / 'reloaded.py').write_text(APP.format(version=version))


def serve(folder, watcher, *args):
    command = [sys.executable, '-c', WITHOUT_WATCHFILES] if watcher == 'polling' else \
        [sys.executable, '-m', 'pyuvnet']
    return ServerLog(subprocess.Popen(
        command + ['serve', 'reloaded:app', '--app-dir', str(folder), '--port', '0',
                   '--reload', '--reload-dir', str(folder)] + list(args),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=str(folder)))


def version_served(port):
    return request(port)[1].split()[0]


def served_within(port, version, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if version_served(port) == version:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize('watcher', ['watchfiles', 'polling'])
def test_a_change_to_the_app_is_served_within_seconds(tmp_path, watcher):
    write_app(tmp_path, 'one')
    log = serve(tmp_path, watcher)
    try:
        port = log.ports(1)[0]
        assert version_served(port) == b'one'
        time.sleep(0.5)     # a change the watcher sees as one (mtime's granularity)
        # Another size: a .pyc is trusted by its source's mtime in whole
        # seconds and its size, and the edit may fall in the same second.
        write_app(tmp_path, 'second')
        assert served_within(port, b'second', 20), log.text()
        log.wait('reloading: 1 new worker')
        how = 'watchfiles' if watcher == 'watchfiles' else 'polling every 0.25s'
        assert log.matches(re.escape('watching %s for changes (%s)' % (tmp_path, how)))
    finally:
        assert log.stop() == 0, log.text()


@pytest.mark.parametrize('watcher', ['watchfiles', 'polling'])
def test_include_and_exclude_patterns(tmp_path, watcher):
    write_app(tmp_path, 'one')
    (tmp_path / 'skip').mkdir()
    log = serve(tmp_path, watcher, '--reload-include', '*.txt', '--reload-exclude', 'skip')
    try:
        port = log.ports(1)[0]
        time.sleep(0.5)
        (tmp_path / 'skip' / 'ignored.py').write_text('# not watched\n')
        (tmp_path / 'notes.md').write_text('not watched\n')
        time.sleep(2)
        assert not log.matches('reloading')
        (tmp_path / 'settings.txt').write_text('watched\n')
        log.wait('reloading: 1 new worker', seconds=20)
        log.ports(2)
    finally:
        assert log.stop() == 0, log.text()


def test_a_change_that_breaks_the_app_keeps_the_running_worker(tmp_path):
    write_app(tmp_path, 'one')
    log = serve(tmp_path, 'watchfiles')
    try:
        port = log.ports(1)[0]
        time.sleep(0.5)
        (tmp_path / 'reloaded.py').write_text('raise RuntimeError("half-saved")\n')
        log.wait('reload failed, the running workers go on: could not import module '
                 '"reloaded": RuntimeError: half-saved', seconds=30)
        assert version_served(port) == b'one'
        write_app(tmp_path, 'three')
        assert served_within(port, b'three', 20), log.text()
    finally:
        assert log.stop() == 0, log.text()


def test_file_filter_takes_uvicorns_patterns(tmp_path):
    (tmp_path / 'static').mkdir()
    default = FileFilter([], [])
    assert default(tmp_path / 'main.py')
    assert not default(tmp_path / 'main.pyc')
    assert not default(tmp_path / '.hidden.py')
    assert not default(tmp_path / 'notes.txt')
    assert not default(tmp_path / '~backup.py')
    given = FileFilter(['*.txt', '.env'], [str(tmp_path / 'static'), '*_test.py'])
    assert given(tmp_path / 'notes.txt')
    assert given(tmp_path / '.env')       # named as an include: the '.*' default dropped
    assert not given(tmp_path / 'static' / 'x.py')
    assert not given(tmp_path / 'app_test.py')
    no_python = FileFilter([], ['*.py'])
    assert not no_python(tmp_path / 'main.py')
