"""A test that needs the source tree skips, saying why, when the suite runs
from a copy of tests/ against an installed pyuvnet (issue 42): the
wheels' suites, or a user's check of an installed package."""
import glob
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if not os.path.isfile(os.path.join(ROOT, 'pyuvnet', 'uv', 'pyuvnet_copy.h')):
    pytest.skip('needs the source tree (it copies tests/ out of it)', allow_module_level=True)


def test_the_copy_aliasing_test_skips_outside_the_tree(tmp_path):
    # As .ci/run's wheel suites: tests/, examples/ and bench/ copied, no pyuvnet/.
    copy = tmp_path / 'suite'
    copy.mkdir()
    shutil.copytree(os.path.join(ROOT, 'tests'), str(copy / 'tests'),
                    ignore=shutil.ignore_patterns('__pycache__'))
    shutil.copytree(os.path.join(ROOT, 'bench'), str(copy / 'bench'),
                    ignore=shutil.ignore_patterns('results', '.build', '__pycache__'))
    test = glob.glob(str(copy / 'tests' / '**' / 'test_bench_copy_aliasing.py'), recursive=True)
    assert len(test) == 1
    done = subprocess.run([sys.executable, '-m', 'pytest', '-q', '-rs', '-p', 'no:cacheprovider',
                           test[0]], cwd=str(copy), capture_output=True, text=True, timeout=120)
    # 5: pytest's "no tests ran", the status of a file skipped as a whole.
    assert done.returncode == 5, done.stdout + done.stderr
    assert '1 skipped' in done.stdout
    assert 'needs the source tree (pyuvnet/uv/pyuvnet_copy.h)' in done.stdout
