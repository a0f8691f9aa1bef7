"""`pyuvnet serve --reload`: a change to the app's files is served within
seconds, by watchfiles where it is installed and by polling otherwise,
with uvicorn's include and exclude patterns (uvicorn 0.54's FileFilter:
'*.py' watched; '.*', '.py[cod]', '.sw.*', '~*' not; a default named on
the other side dropped; an excluded directory leaves out what is below)."""
import importlib.util
import os
import re
import subprocess
import sys
import time

import pytest

from pyuvnet.serve._reload import FileFilter, drop_bytecode
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


# A second long past: a .pyc records its source's mtime in whole seconds.
SECOND_NS = 1_700_000_000 * 10**9


def write_app_at(folder, version, fraction_ns):
    """The app written whole (a rename: one change for the watcher) with
    its mtime set within SECOND_NS's second."""
    scratch = folder / '.reloaded.tmp'
    scratch.write_text(APP.format(version=version))
    os.utime(scratch, ns=(SECOND_NS + fraction_ns, SECOND_NS + fraction_ns))
    os.replace(scratch, folder / 'reloaded.py')


def serve(folder, watcher, *args, env=None):
    command = [sys.executable, '-c', WITHOUT_WATCHFILES] if watcher == 'polling' else \
        [sys.executable, '-m', 'pyuvnet']
    return ServerLog(subprocess.Popen(
        command + ['serve', 'reloaded:app', '--app-dir', str(folder), '--port', '0',
                   '--reload', '--reload-dir', str(folder)] + list(args),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=str(folder), env=env))


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
        write_app(tmp_path, 'two')
        assert served_within(port, b'two', 20), log.text()
        log.wait('reloading: 1 new worker')
        how = 'watchfiles' if watcher == 'watchfiles' else 'polling every 0.25s'
        assert log.matches(re.escape('watching %s for changes (%s)' % (tmp_path, how)))
    finally:
        assert log.stop() == 0, log.text()


@pytest.mark.parametrize('watcher', ['watchfiles', 'polling'])
def test_an_edit_in_the_same_second_keeping_the_size_is_served(tmp_path, watcher):
    """The primary imports the app and writes its .pyc, which CPython
    trusts while its source's mtime (in whole seconds) and size match:
    the new worker would import the old code.  (uvicorn 0.54's reloader,
    given the same two writes, serves the old code.)"""
    write_app_at(tmp_path, 'one', 100_000_000)
    env = dict(os.environ)
    env.pop('PYTHONDONTWRITEBYTECODE', None)    # as in CI and by default
    log = serve(tmp_path, watcher, env=env)
    try:
        port = log.ports(1)[0]
        assert version_served(port) == b'one'
        assert os.path.exists(importlib.util.cache_from_source(str(tmp_path / 'reloaded.py')))
        write_app_at(tmp_path, 'two', 600_000_000)
        assert served_within(port, b'two', 20), log.text()
    finally:
        assert log.stop() == 0, log.text()


def test_dropped_bytecode_is_only_that_of_changed_python_sources(tmp_path):
    source = tmp_path / 'module.py'
    source.write_text('VALUE = 1\n')
    cached = [importlib.util.cache_from_source(str(source), optimization=level)
              for level in ('', 1, 2)]
    for path in cached:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        open(path, 'wb').close()
    # A change to module.txt names no bytecode (cache_from_source would
    # map it to module.py's).
    drop_bytecode([str(tmp_path / 'module.txt'), str(tmp_path / 'gone.py')])
    assert all(os.path.exists(path) for path in cached)
    drop_bytecode([str(source)])
    assert not any(os.path.exists(path) for path in cached)


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


# An import that waits for the test's go-ahead (a file the watcher ignores).
HELD_IMPORT = '''
import time
for _ in range(1200):
    if os.path.exists('go.flag'):
        break
    time.sleep(0.05)
'''


def test_a_change_while_a_reload_boots_is_reloaded_after_it(tmp_path):
    """The reload's worker may have imported the file before that change:
    another reload follows once it listens, as uvicorn restarts again."""
    write_app(tmp_path, 'one')
    log = serve(tmp_path, 'watchfiles')
    try:
        port = log.ports(1)[0]
        time.sleep(0.5)
        (tmp_path / 'reloaded.py').write_text(APP.format(version='two') + HELD_IMPORT)
        log.wait('reloading: 1 new worker', seconds=20)
        write_app(tmp_path, 'three')
        log.wait('a reload is under way: the files changed since are reloaded after it',
                 seconds=20)
        (tmp_path / 'go.flag').write_text('')
        log.wait('reloading: 1 new worker', count=2, seconds=30)
        assert served_within(port, b'three', 20), log.text()
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
