"""The Makefile keeps the libuv of the last build (issue 42): `make sdist`
fills vendor/libuv, and the next `make test` must not switch to the
bundled libuv without a word; PYUVNET_LIBUV= switches, and make says
which libuv it builds against."""
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if not os.path.isfile(os.path.join(ROOT, 'Makefile')):
    pytest.skip('needs the source tree (the Makefile)', allow_module_level=True)
if shutil.which('make') is None:
    pytest.skip('needs make', allow_module_level=True)


@pytest.fixture
def tree(tmp_path):
    """A folder with the Makefile alone: its variables, not a build."""
    shutil.copy(os.path.join(ROOT, 'Makefile'), tmp_path / 'Makefile')
    return tmp_path


def _make(tree, *args, **env):
    environ = {k: v for k, v in os.environ.items() if not k.startswith(('PYUVNET_LIBUV', 'MAKE'))}
    environ.update(env)
    done = subprocess.run(['make', '-s', 'PYTHON=' + sys.executable] + list(args), cwd=str(tree),
                          capture_output=True, text=True, env=environ, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _key(tree):
    _make(tree, 'build/install-key')
    return (tree / 'build' / 'install-key').read_text()


def _fill_vendor(tree):
    include = tree / 'vendor' / 'libuv' / 'include'
    include.mkdir(parents=True)
    (include / 'uv.h').write_text('/* as make sdist leaves it */\n')


def test_a_filled_vendor_libuv_does_not_switch_a_system_build(tree):
    (tree / 'build').mkdir()
    (tree / 'build' / 'libuv').write_text('system\n')
    before = _key(tree)
    _fill_vendor(tree)
    assert _key(tree) == before
    assert _make(tree, 'libuv-choice') == (
        'make: pyuvnet is built against system libuv (kept from the last build; '
        'PYUVNET_LIBUV=system or bundled switches)')


def test_asking_switches(tree):
    (tree / 'build').mkdir()
    (tree / 'build' / 'libuv').write_text('system\n')
    before = _key(tree)
    _make(tree, 'build/install-key', PYUVNET_LIBUV='bundled')
    assert (tree / 'build' / 'install-key').read_text() != before
    assert _make(tree, 'libuv-choice', PYUVNET_LIBUV='bundled') == \
        'make: pyuvnet is built against bundled libuv'


def test_the_first_build_lets_setup_choose(tree):
    assert _make(tree, 'libuv-choice') == \
        'make: pyuvnet is built against the libuv setup.py chooses (docs/BUILDING.md)'
    before = _key(tree)
    _fill_vendor(tree)
    assert _key(tree) != before       # no build yet: vendor/libuv counts


def test_the_install_is_editable_as_a_path_entry():
    """mypy, pyright and IDEs follow a .pth path entry, not an import hook."""
    with open(os.path.join(ROOT, 'Makefile')) as f:
        makefile = f.read()
    assert 'EDITABLE := editable_mode=compat' in makefile
    assert "--config-settings $(EDITABLE)" in makefile


def test_a_second_make_after_the_first_build_builds_nothing(tree):
    """The first build's key (made before .venv and build/libuv exist) is
    the one the next make computes: `make docs` right after the first
    `make test` does not compile the extension again (issue 57: 290 s).
    The interpreter is a stand-in (_stand_in); the rest is the Makefile's."""
    python = _stand_in(tree)
    first = _make(tree, 'develop', 'PYTHON=%s' % python)
    assert (tree / '.venv' / 'bin' / 'python').exists()
    assert 'make: building pyuvnet in place' in first and first.endswith(SAID)
    assert _make(tree, 'develop', 'PYTHON=%s' % python) == SAID


def test_the_benchmarks_build_serves_the_tests(tree):
    """README's two commands in its order: `make bench`'s set-up is the
    tests' build and the bench extra beside it, so `make test` (here `make
    develop`, its set-up) after it builds nothing (issue 57: a fresh
    clone's `make test` after `make bench` compiled pyuvnet again, 6
    minutes on a loaded 2-core machine)."""
    python = _stand_in(tree)
    first = _make(tree, 'build/.installed-bench', 'PYTHON=%s' % python)
    assert "pip install -e '.[test]'" in first and "pip install 'pyuvnet[bench]'" in first
    assert _make(tree, 'develop', 'PYTHON=%s' % python) == SAID


def test_the_benchmark_after_the_tests_builds_nothing(tree):
    """The other order: `make bench` after `make test` adds the bench
    extra to the installed pyuvnet (pip keeps it as it is) and compiles
    nothing (issue 57: it ran the editable install again, which rebuilds
    every extension)."""
    python = _stand_in(tree)
    _make(tree, 'develop', 'PYTHON=%s' % python)
    then = _make(tree, 'build/.installed-bench', 'PYTHON=%s' % python)
    assert then == "make: installing the benchmark's peers: pip install 'pyuvnet[bench]' " \
        "(pyuvnet stays as built)"
    assert _make(tree, 'build/.installed-bench', 'PYTHON=%s' % python) == ''


SAID = 'make: pyuvnet is built against system libuv 1.44.2 (pkg-config: -luv)'


def _stand_in(tree):
    """An interpreter outside any virtualenv standing in for the build:
    its `-m venv` makes a .venv of itself, its `-m pip` prints setup.py's
    line (SAID's libuv); beside it an empty setup.py and pyproject.toml."""
    for name in ('setup.py', 'pyproject.toml'):
        (tree / name).write_text('')
    base = os.path.join(sys.base_prefix, 'bin', 'python3')
    python = tree / 'python'
    python.write_text('#!/bin/sh\n'
                      'case "$1 $2" in\n'
                      '"-m venv") mkdir -p "$3/bin" && cp "$0" "$3/bin/python" ;;\n'
                      '"-m pip") echo "  pyuvnet: using system libuv 1.44.2 (pkg-config: -luv)" ;;\n'
                      '*) exec %s "$@" ;;\n'
                      'esac\n' % base)
    python.chmod(0o755)
    return python
