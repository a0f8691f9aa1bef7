"""The suite's own process and SIGINT (tests/conftest.py).  A run started
ignoring SIGINT, as a shell's background job is (CI's), keeps ignoring
it in the test process: execnet sends an xdist worker that is still
shutting down 5 s after the run's end a SIGINT of its own, which CI saw
as a stray KeyboardInterrupt.  The children the tests start still get
Ctrl-C's default action, which the tests that send it rely on."""
import os
import subprocess
import sys

from support import TESTS

INNER = '''
import os
import signal
import subprocess
import sys


def test_a_sigint_to_the_runner_is_ignored_and_a_child_gets_the_default():
    os.kill(os.getpid(), signal.SIGINT)
    child = subprocess.run(
        [sys.executable, '-c', 'import signal; print(signal.getsignal(signal.SIGINT).__name__)'],
        capture_output=True, text=True, timeout=60)
    assert child.stdout.strip() == 'default_int_handler', child.stderr
'''
# pytest run with SIGINT ignored, as by a shell's `&`, and the suite's
# conftest taken as a plugin (the inner test lives outside tests/).
IGNORING = ('import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); '
            'os.execv(sys.executable, [sys.executable, "-m", "pytest", "-q", "-p", "conftest", '
            '"-p", "no:cacheprovider", "-p", "no:xdist", sys.argv[1]])')


def test_a_run_started_ignoring_sigint_goes_on_ignoring_it_and_children_get_the_default(tmp_path):
    (tmp_path / 'test_inner.py').write_text(INNER)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        filter(None, [TESTS, os.environ.get('PYTHONPATH')])))
    inner = subprocess.run([sys.executable, '-c', IGNORING, str(tmp_path / 'test_inner.py')],
                           capture_output=True, text=True, timeout=120, cwd=str(tmp_path),
                           env=env)
    assert inner.returncode == 0, inner.stdout + inner.stderr
    assert '1 passed' in inner.stdout
