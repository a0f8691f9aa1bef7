"""What setup.py packs (issue 24, part 5): an sdist carries libuv's pinned
source, only what the build reads and its licences, and a build from a
checkout without vendor/libuv (pip install -e) no longer warns about it.

The sdist is made from a copy of the checkout's tracked files with a
stand-in vendor/libuv of the pinned release: nothing is compiled."""
import os
import re
import shutil
import subprocess
import sys
import tarfile

import pytest

from support import ROOT  # noqa: E402 (the tree the tests sit in)

if not os.path.isdir(os.path.join(ROOT, '.git')) and not os.path.isfile(os.path.join(ROOT, '.git')):
    pytest.skip('needs a git checkout (the wheels\' tests run from a copy of tests/)',
                allow_module_level=True)


def tracked_copy(dest):
    files = subprocess.run(['git', 'ls-files', '-z'], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split('\0')
    for name in filter(None, files):
        source = os.path.join(ROOT, name)
        if os.path.isfile(source):
            os.makedirs(os.path.join(dest, os.path.dirname(name)), exist_ok=True)
            shutil.copy2(source, os.path.join(dest, name))


def stand_in_libuv(vendor, release):
    major, minor, patch = release.split('.')
    files = {
        'include/uv.h': '/* libuv */\n',
        'include/uv/version.h': '#define UV_VERSION_MAJOR %s\n#define UV_VERSION_MINOR %s\n'
                                '#define UV_VERSION_PATCH %s\n' % (major, minor, patch),
        'src/uv-common.c': '', 'src/unix/core.c': '',
        'CMakeLists.txt': '', 'LICENSE': '', 'LICENSE-extra': '',
        'test/test-ping-pong.c': '', 'docs/index.rst': '',       # not for the sdist
    }
    for name, text in files.items():
        path = os.path.join(vendor, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(text)


def pinned_release():
    with open(os.path.join(ROOT, 'setup.py')) as f:
        return re.search(r'LIBUV_RELEASE = "([\d.]+)"', f.read()).group(1)


# setup.py sdist of a copied tree: over 2 minutes at load 19 on 2 cores
# (a fresh clone's `make test`, 2026-11-28), past the suite's default.
@pytest.mark.timeout(600)
def test_the_sdist_carries_libuvs_pinned_source_and_nothing_else_of_it(tmp_path):
    tree = tmp_path / 'tree'
    tracked_copy(str(tree))
    # setuptools' sdist finalizes build_ext, which cythonizes: the checkout's
    # C, newer than its .pyx, spares that.
    if os.path.isdir(os.path.join(ROOT, 'build', 'cython')):
        shutil.copytree(os.path.join(ROOT, 'build', 'cython'), str(tree / 'build' / 'cython'))
    shutil.rmtree(tree / 'vendor' / 'libuv', ignore_errors=True)
    stand_in_libuv(str(tree / 'vendor' / 'libuv'), pinned_release())
    done = subprocess.run([sys.executable, 'setup.py', '-q', 'sdist', '-d', str(tmp_path / 'dist')],
                          cwd=str(tree), capture_output=True, text=True, timeout=540)
    assert done.returncode == 0, done.stdout + done.stderr
    (archive,) = os.listdir(tmp_path / 'dist')
    with tarfile.open(tmp_path / 'dist' / archive) as tar:
        names = {name.split('/', 1)[1] for name in tar.getnames() if '/vendor/' in name}
    assert {'vendor/libuv/include/uv.h', 'vendor/libuv/include/uv/version.h',
            'vendor/libuv/src/uv-common.c', 'vendor/libuv/src/unix/core.c',
            'vendor/libuv/CMakeLists.txt', 'vendor/libuv/LICENSE',
            'vendor/libuv/LICENSE-extra'} <= names
    # (c-ares' docs/CMakeLists.txt is another matter: its CMake configure reads it.)
    assert not [name for name in names
                if name.startswith('vendor/libuv/') and ('/test/' in name or '/docs/' in name)]


def test_a_build_without_vendored_libuv_does_not_warn_about_it(tmp_path):
    if os.path.isfile(os.path.join(ROOT, 'vendor', 'libuv', 'include', 'uv.h')):
        pytest.skip('vendor/libuv is checked out here')
    done = subprocess.run([sys.executable, 'setup.py', 'egg_info', '--egg-base', str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert 'vendor/libuv' not in done.stdout + done.stderr
