"""The fork examples run as documented: the seeds' parent/child pair in
pyuvnet on both sides, and the worker pool's self-test."""
import os
import subprocess
import sys

import pytest

import pyuvnet as net

from support import EXAMPLES  # noqa: E402 (the tree the tests sit in)


def run_example(name, *args):
    # The children import the pyuvnet under test, whatever else is installed.
    root = os.path.dirname(os.path.dirname(net.__file__))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get('PYTHONPATH')])))
    return subprocess.run([sys.executable, os.path.join(EXAMPLES, name)] + list(args),
                          capture_output=True, text=True, timeout=60, env=env)


@pytest.mark.parametrize('args, expected', [
    ([], ["收到来自父进程的消息: {'hello': 'world'}", "收到来自子进程的消息: {'received': True}"]),
    (['--control'], ['你好，来自父进程的消息!', "来自子进程的消息: {'cmd': 'received'}"]),
])
def test_fork_examples_talk_both_ways(args, expected):
    result = run_example('ipc_fork_parent.py', '--once', *args)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == expected


def test_fork_child_without_a_channel_says_how_to_run_it():
    result = run_example('ipc_fork_child.py')
    assert result.returncode == 2
    assert 'there is no IPC channel' in result.stderr


@pytest.mark.parametrize('name', ['ipc_fork_parent.py', 'ipc_fork_child.py', 'ipc_worker_pool.py'])
def test_examples_have_help(name):
    result = run_example(name, '--help')
    assert result.returncode == 0 and result.stdout.startswith('usage: ')


def test_worker_pool_hands_connections_to_every_worker():
    result = run_example('ipc_worker_pool.py', '--self-test')
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'self-test passed: 6 answers from 2 workers' in result.stdout
