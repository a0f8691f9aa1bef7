"""Ctrl-C stops every long-running example cleanly: exit status 0 and no
traceback, in the example and in the processes it forked (issue 24, part 1).

Each example runs in a session of its own and gets a real SIGINT, either
to its pid alone (``kill -INT``) or to its whole process group, as a
terminal's Ctrl-C does. The forked children share the example's stderr,
so one stderr holds every process's traceback, and reading it to its end
waits for the children too. Node, for comparison, dies on Ctrl-C (status
130) unless the program listens for 'SIGINT'; these examples listen.
"""
import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest

import pyuvnet as net
from support import read_line_until, recv_all

pytestmark = pytest.mark.skipif(sys.platform == 'win32', reason='POSIX signals and sessions')

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(net.__file__)))
from support import EXAMPLES  # noqa: E402 (the tree the tests sit in)


def port_in(line):
    """The port a 'serving' line names: 127.0.0.1:PORT or a Record's 'port'."""
    found = re.search(r"127\.0\.0\.1:(\d+)|'port': (\d+)", line)
    return int(found.group(1) or found.group(2))


def ask(port, line=b'hi\n'):
    """One client: send ``line``, end, read the answer to its end."""
    with socket.create_connection(('127.0.0.1', port), timeout=10) as sock:
        sock.sendall(line)
        sock.shutdown(socket.SHUT_WR)
        return recv_all(sock)


def every_worker_answers(port, workers, within=15):
    """Ask until ``workers`` different pids answered: every child runs its
    own code (and its SIGINT handler) by then. A worker still starting is
    not dealt connections yet: ask again a little later."""
    pids = set()
    deadline = time.monotonic() + within
    while len(pids) < workers:
        assert time.monotonic() < deadline, 'only %d workers answered' % len(pids)
        pids.add(re.search(rb'\d+', ask(port)).group(0))
        time.sleep(0.02)


def a_connected_client(port):
    """An idle client left connected: the example must not wait for it."""
    client = socket.create_connection(('127.0.0.1', port), timeout=10)
    time.sleep(0.1)
    return client


# name -> (arguments, the line saying it serves, what makes sure it is all up)
EXAMPLES_RUNNING = {
    'echo_server': (['0'], r'echo server on', a_connected_client),
    'chat_server': (['0'], r'chat server on', a_connected_client),
    'tls_echo': (['--port', '0', '--key', '{key}', '--cert', '{cert}'], r'TLS echo server on',
                 a_connected_client),
    'ipc_worker_pool': (['--workers', '2', '--port', '0'], r'listening on',
                        lambda port: every_worker_answers(port, 2)),
    'ipc_fork_parent': ([], r'收到来自子进程的消息', None),
    'ipc_fork_parent --control': (['--control'], r'来自子进程的消息', None),
    'cluster_server': (['--port', '0', '--workers', '2'], r'cluster: serving',
                       lambda port: every_worker_answers(port, 2)),
    'prefork_server': (['--port', '0', '--workers', '2'], r'prefork: serving', None),
    # Its idle client stays connected until the example ends: a short grace
    # ends that wait (the default's 10 s would only make the test slow).
    'graceful_shutdown': (['--port', '0', '--grace', '0.5'], r'127\.0\.0\.1', a_connected_client),
}


@pytest.fixture
def start_example(request):
    started = []

    def start(name, certs=None):
        args, serving, all_up = EXAMPLES_RUNNING[name]
        if certs is not None:
            args = [arg.format(key=certs.path('leaf.key'), cert=certs.path('leaf.pem')) for arg in args]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            filter(None, [ROOT, os.environ.get('PYTHONPATH')])))
        script = os.path.join(EXAMPLES, name.split()[0] + '.py')
        proc = subprocess.Popen([sys.executable, script] + args, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
        started.append(proc)
        line = read_line_until(proc, serving)[-1]
        kept = all_up(port_in(line)) if all_up is not None else None
        return proc, kept
    yield start
    for proc in started:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()


@pytest.mark.parametrize('to', ['pid', 'group'])
@pytest.mark.parametrize('name', sorted(EXAMPLES_RUNNING))
def test_ctrl_c_ends_the_example_and_its_children_with_status_0_and_no_traceback(
        start_example, request, name, to):
    certs = request.getfixturevalue('tls_certs') if name == 'tls_echo' else None
    proc, kept = start_example(name, certs)
    try:
        if to == 'group':
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if kept is not None:
            kept.close()
    assert proc.returncode == 0, err
    assert 'Traceback' not in err and 'KeyboardInterrupt' not in err, err
