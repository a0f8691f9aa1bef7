"""cluster.setupPrimary()'s settings in both spellings: a dict or keyword
arguments, Node's camelCase or snake_case keys, stored under Node's names
(cluster.settings, what fork() reads). Typing: tests/project/test_typing.py."""
import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(sys.platform == 'win32', reason='cluster workers are POSIX here')

# In a process of its own: the scheduling policy is frozen per process.
PROGRAM = '''
import json
from pyuvnet import cluster
cluster.setup_primary({'exec': 'w.py', 'exec_argv': ['-u']}, exec_path='/bin/true', args=['a'])
print(json.dumps(cluster.settings, sort_keys=True))
'''


def test_snake_case_settings_are_stored_under_nodes_names():
    done = subprocess.run([sys.executable, '-c', PROGRAM], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {'args': ['a'], 'exec': 'w.py', 'execArgv': ['-u'],
                                       'execPath': '/bin/true', 'silent': False}
