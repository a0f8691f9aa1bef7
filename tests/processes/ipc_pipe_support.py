"""What the unix domain socket tests share (tests/processes/test_ipc_pipe_*.py): the
skip mark for a platform without them, sun_path's size, a socket file left
behind by a dead server, and the errors a listen() or a connect() on a path
comes to."""
import os
import socket
import stat
import sys

import pytest

import pyuvnet as net

unix_sockets = pytest.mark.skipif(sys.platform == 'win32', reason='unix domain sockets')

SUN_PATH_MAX = 108  # bytes in sockaddr_un.sun_path on Linux


def stale_socket_file(path):
    """A socket file left behind by a server that exited without removing it."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.close()
    assert stat.S_ISSOCK(os.stat(path).st_mode)


def listen_errors(run_loop, *listen_args):
    """Listen with these arguments and run: the 'error' events emitted (a
    server that does start listening is closed again)."""
    errors = []
    server = net.createServer()
    server.on('error', errors.append)
    server.on('listening', server.close)
    server.listen(*listen_args)
    run_loop()
    return errors


def connect_error(path, run_loop):
    """Connect to ``path`` and run: the error it fails with, after checking
    that the socket emitted 'error' on a later turn, then 'close'(True)."""
    seen = {'events': []}
    client = net.connect(path, lambda: seen['events'].append('connect'))
    client.on('error', lambda err: (seen['events'].append('error'), seen.setdefault('err', err)))
    client.on('close', lambda had_error: seen['events'].append(('close', had_error)))
    assert seen['events'] == []   # errors are never synchronous
    run_loop()
    assert seen['events'] == ['error', ('close', True)]
    assert client.destroyed
    return seen['err']
