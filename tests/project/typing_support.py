"""What the typing tests share (tests/project/test_typing.py, test_snippets.py):
mypy --strict run as pyuvnet's stubs are checked."""
import os
import subprocess
import sys

import pytest

from support import ROOT

TOOLS = os.path.join(ROOT, 'tools')


# mypy spells a union `Union[A, B]` when it checks for Python 3.9 and
# `A | B` from 3.10 on; the messages test_typing.py pins are 3.10's.
MYPY_TARGET = ['--python-version', '3.10'] if sys.version_info < (3, 10) else []


def run_mypy(args):
    """mypy --strict with pyuvnet's settings, in a child process (mypy
    changes the garbage collector's thresholds of the process it runs in):
    (exit status, [each error's text])."""
    done = subprocess.run([sys.executable, '-m', 'mypy', '--config-file', os.path.join(TOOLS, 'mypy.ini'),
                           '--strict', '--no-error-summary', '--hide-error-context'] + MYPY_TARGET + args,
                          capture_output=True, text=True, timeout=300)
    errors = [line.split(': error: ', 1)[1] for line in done.stdout.splitlines() if ': error: ' in line]
    return done.returncode, errors, done.stdout + done.stderr


needs_mypy = pytest.mark.skipif(
    subprocess.run([sys.executable, '-c', 'import mypy'], capture_output=True).returncode != 0,
    reason='mypy is in the test extra')
