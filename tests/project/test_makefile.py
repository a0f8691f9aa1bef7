"""`make ... PYTHON=...` builds for the interpreter asked for (issue 24,
part 4): a .venv made with another interpreter is made again, an
interpreter that does not run stops make with a message, and without
PYTHON= the .venv stays as it is.

Each case runs ``make -n`` (print, do not run) on a copy of the Makefile
beside a fake .venv; the interpreters are shell scripts answering the
Makefile's questions, so nothing is built.
"""
import os
import shutil
import stat
import subprocess

import pytest

from support import ROOT  # noqa: E402 (the tree the tests sit in)
MAKEFILE = os.path.join(ROOT, 'Makefile')

if not os.path.isfile(MAKEFILE) or shutil.which('make') is None:
    pytest.skip('needs the source tree and make', allow_module_level=True)

# What the Makefile asks an interpreter: whether it runs inside a
# virtualenv (sys.exit(...): no), and which one it is (its version and
# base installation).
FAKE_PYTHON = '''#!/bin/sh
case "$2" in
    *sys.exit*) exit 1 ;;
    *) echo "%s" ;;
esac
'''


def fake_python(path, identity):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(FAKE_PYTHON % identity)
    os.chmod(path, os.stat(path).st_mode | stat.S_IEXEC)
    return path


@pytest.fixture
def checkout(tmp_path):
    """A Makefile beside a .venv made with Python 3.11 (and the files the
    install depends on)."""
    shutil.copy(MAKEFILE, tmp_path / 'Makefile')
    (tmp_path / 'pyuvnet').mkdir()
    for name in ('setup.py', 'pyproject.toml'):
        (tmp_path / name).write_text('')
    fake_python(str(tmp_path / '.venv' / 'bin' / 'python'), '3.11.7 /opt/python3.11')
    return tmp_path


def make_n(folder, *args):
    # Run as a user's own make: not as a sub-make of the make that may run
    # this suite (`make asan PYTHON=python3` passes PYTHON down through
    # MAKEFLAGS, which would be "a Python asked for").
    env = {key: value for key, value in os.environ.items()
           if key not in ('PYTHON', 'MAKEFLAGS', 'MFLAGS', 'MAKELEVEL')}
    return subprocess.run(['make', '-n', 'develop'] + list(args), cwd=folder, env=env,
                          capture_output=True, text=True, timeout=60)


def test_another_python_asked_for_makes_the_venv_again(checkout):
    python39 = fake_python(str(checkout / 'python3.9'), '3.9.18 /opt/python3.9')
    done = make_n(checkout, 'PYTHON=' + python39)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert 'rm -rf .venv' in lines
    assert lines.index('rm -rf .venv') < lines.index(python39 + ' -m venv .venv')
    # pyuvnet is installed again: the install key names the new interpreter.
    assert "'.venv/bin/python 3.9.18 /opt/python3.9" in done.stdout
    assert any('pip install' in line for line in lines)


def test_the_python_the_venv_was_made_with_keeps_it(checkout):
    python311 = fake_python(str(checkout / 'python3.11'), '3.11.7 /opt/python3.11')
    done = make_n(checkout, 'PYTHON=' + python311)
    assert done.returncode == 0, done.stderr
    assert 'rm -rf .venv' not in done.stdout.splitlines()
    assert '-m venv .venv' not in done.stdout


def test_without_python_given_the_venv_stays(checkout):
    done = make_n(checkout)
    assert done.returncode == 0, done.stderr
    assert 'rm -rf .venv' not in done.stdout.splitlines()


def test_a_python_that_does_not_run_stops_make_with_a_message(checkout):
    done = make_n(checkout, 'PYTHON=python2.5-not-here')
    assert done.returncode != 0
    assert 'PYTHON=python2.5-not-here does not run here' in done.stderr
    assert 'rm -rf' not in done.stdout
