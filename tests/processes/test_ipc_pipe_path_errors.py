"""Paths a unix domain socket cannot use, and what listen() and connect()
make of them: a path in use or left stale (and Node's recovery recipe), a
missing directory, an empty path or one with a NUL, a path longer than
sun_path (never truncated), a missing, stale, plain or forbidden file,
and a path that is not a string.

The behaviours are those of Node's test-net-pipe*, test-pipe* and
test-net-server-listen-path tests, written afresh for pyuvnet.
"""
import os

import pytest

import pyuvnet as net
from ipc_pipe_support import (SUN_PATH_MAX, connect_error, listen_errors, stale_socket_file,
                              unix_sockets)

pytestmark = unix_sockets


# -- taken and stale paths ------------------------------------------------

def test_listening_on_a_path_in_use_is_eaddrinuse(sockdir, run_loop):
    path = os.path.join(sockdir, 'taken.sock')
    seen = {}

    def on_first_listening():
        second = net.createServer()
        second.on('listening', lambda: seen.setdefault('second listened', True))

        def on_error(err):
            seen['err'] = err
            seen['second.listening'] = second.listening
            # The first server's socket file survives the failed attempt
            # and still takes connections.
            seen['file still there'] = os.path.exists(path)
            client = net.connect(path, lambda: (seen.setdefault('connected', True), client.end()))
            client.on('close', lambda had_error: first.close())

        second.on('error', on_error)
        second.listen(path)

    first = net.createServer(lambda sock: sock.end())
    first.listen(path, on_first_listening)
    run_loop()
    err = seen['err']
    assert isinstance(err, OSError)
    assert err.code == 'EADDRINUSE'
    assert err.syscall == 'listen'
    assert err.address == path
    assert 'EADDRINUSE' in str(err)
    assert seen['second.listening'] is False
    assert 'second listened' not in seen
    assert seen['file still there'] is True
    assert seen.get('connected') is True


def test_listening_on_a_stale_socket_file_is_eaddrinuse(sockdir, run_loop):
    # As Node: the leftover file is not removed for you.
    path = os.path.join(sockdir, 'stale.sock')
    stale_socket_file(path)
    errors = listen_errors(run_loop, path)
    assert [e.code for e in errors] == ['EADDRINUSE']
    assert errors[0].syscall == 'listen'
    assert errors[0].address == path
    # The failed server must not delete a file it never created.
    assert os.path.exists(path)


def test_failed_listen_emits_error_on_a_later_tick(sockdir, run_loop):
    path = os.path.join(sockdir, 'later.sock')
    stale_socket_file(path)
    errors = []
    server = net.createServer()
    server.on('error', errors.append)
    server.listen(path)
    assert errors == []
    run_loop()
    assert len(errors) == 1


def test_listen_in_a_missing_directory_fails_with_an_error_event(sockdir, run_loop):
    path = os.path.join(sockdir, 'no', 'such', 'dir.sock')
    errors = []
    server = net.createServer()
    server.on('error', errors.append)
    server.listen(path)
    run_loop()
    assert len(errors) == 1
    err = errors[0]
    # libuv reports a missing directory as EACCES (as on Windows); Node
    # passes that through.
    assert err.code in ('EACCES', 'ENOENT')
    assert err.syscall == 'listen'
    assert err.address == path


def test_stale_file_can_be_reused_after_unlink(sockdir, run_loop):
    path = os.path.join(sockdir, 'recycled.sock')
    stale_socket_file(path)
    os.unlink(path)
    events = []
    server = net.createServer()
    server.listen(path, lambda: (events.append('listening'), server.close()))
    run_loop()
    assert events == ['listening']


def test_stale_file_recovery_recipe_with_the_same_server(sockdir, run_loop):
    """Node's recipe: on EADDRINUSE, probe the path; ECONNREFUSED means
    nobody is there, so remove the file and listen again with the same
    server object."""
    path = os.path.join(sockdir, 'recover.sock')
    stale_socket_file(path)
    events = []
    server = net.createServer(lambda sock: sock.end('recovered'))

    def on_error(err):
        events.append(('listen error', err.code))
        probe = net.connect(path)

        def on_probe_error(probe_err):
            events.append(('probe error', probe_err.code))
            os.unlink(path)
            server.listen(path)

        probe.on('error', on_probe_error)

    def on_listening():
        events.append(('listening', server.address()))
        client = net.connect(path)
        client.setEncoding('utf8')
        client.on('data', lambda d: events.append(('data', d)))
        client.on('close', lambda had_error: server.close())

    server.once('error', on_error)
    server.on('listening', on_listening)
    server.listen(path)
    run_loop()
    assert events == [('listen error', 'EADDRINUSE'), ('probe error', 'ECONNREFUSED'),
                      ('listening', path), ('data', 'recovered')]


def test_empty_path_is_refused():
    # Node: listen('') is a bad port, listen({'path': ''}) an invalid
    # argument; neither may bind some unnamed or all-NUL socket.
    server = net.createServer()
    with pytest.raises(net.NodeError):
        server.listen('')
    assert not server.listening
    with pytest.raises(net.NodeError) as info:
        server.listen({'path': ''})
    assert info.value.code == 'ERR_INVALID_ARG_VALUE'
    assert not server.listening


def test_path_with_an_inner_nul_is_einval(sockdir, run_loop):
    path = os.path.join(sockdir, 'a\0b.sock')
    events = []
    server = net.createServer()
    server.on('error', lambda err: events.append(('listen', err.code, err.syscall)))
    server.on('listening', server.close)
    server.listen(path)
    client = net.connect(path)
    client.on('error', lambda err: events.append(('connect', err.code, err.syscall)))
    run_loop()
    assert sorted(events) == [('connect', 'EINVAL', 'connect'), ('listen', 'EINVAL', 'listen')]
    assert os.listdir(sockdir) == []


# -- long names ------------------------------------------------------------

def _path_of_length(sockdir, length):
    name_len = length - len(sockdir) - 1
    assert name_len > 0
    return os.path.join(sockdir, 'p' * name_len)


def test_path_too_long_is_einval_not_a_truncation(sockdir, run_loop):
    """As newest Node (libuv's uv_pipe_bind2 with UV_PIPE_NO_TRUNCATE).
    Node 20 (libuv 1.46, uv_pipe_bind) still truncates: listening on
    '/tmp/' + 'q' * 120 creates a file of the first 107 bytes."""
    path = _path_of_length(sockdir, SUN_PATH_MAX + 20)
    errors = listen_errors(run_loop, path)
    assert [e.code for e in errors] == ['EINVAL']
    assert errors[0].syscall == 'listen'
    assert errors[0].address == path
    # Nothing was created under a shortened name.
    assert os.listdir(sockdir) == []


def test_longest_path_that_fits_works(sockdir, run_loop):
    # sun_path keeps a trailing NUL: 107 characters is the longest path.
    path = _path_of_length(sockdir, SUN_PATH_MAX - 1)
    received = []

    def on_listening():
        assert server.address() == path
        client = net.connect(path)
        client.setEncoding('utf8')
        client.on('data', received.append)
        client.on('close', lambda had_error: server.close())

    server = net.createServer(lambda sock: sock.end('fits'))
    server.listen(path, on_listening)
    run_loop()
    assert ''.join(received) == 'fits'


def test_connect_to_a_too_long_path_does_not_reach_its_truncation(sockdir, run_loop):
    # A server listens on the longest path there can be; connecting to that
    # path plus a few characters must fail rather than silently reach it.
    path = _path_of_length(sockdir, SUN_PATH_MAX - 1)
    seen = {'connections': 0, 'errors': []}

    def on_connection(sock):
        seen['connections'] += 1
        sock.destroy()

    def on_listening():
        client = net.connect(path + 'xyz', lambda: seen.setdefault('connected', True))
        client.on('error', seen['errors'].append)
        client.on('close', lambda had_error: server.close())

    server = net.createServer(on_connection)
    server.listen(path, on_listening)
    run_loop()
    assert 'connected' not in seen
    assert seen['connections'] == 0
    assert [e.code for e in seen['errors']] == ['EINVAL']
    assert seen['errors'][0].syscall == 'connect'
    assert seen['errors'][0].address == path + 'xyz'


# -- connect errors ----------------------------------------------------------

def test_connect_to_a_missing_path_is_enoent(sockdir, run_loop):
    path = os.path.join(sockdir, 'nobody.sock')
    err = connect_error(path, run_loop)
    assert isinstance(err, FileNotFoundError)
    assert err.code == 'ENOENT'
    assert err.syscall == 'connect'
    assert err.address == path
    assert path in str(err)


def test_connect_to_a_stale_socket_file_is_econnrefused(sockdir, run_loop):
    path = os.path.join(sockdir, 'stale.sock')
    stale_socket_file(path)
    err = connect_error(path, run_loop)
    assert isinstance(err, ConnectionRefusedError)
    assert err.code == 'ECONNREFUSED'
    assert err.syscall == 'connect'
    assert err.address == path


def test_connect_to_a_regular_file_is_refused(sockdir, run_loop):
    path = os.path.join(sockdir, 'plain.txt')
    with open(path, 'w'):
        pass
    err = connect_error(path, run_loop)
    assert err.code in ('ECONNREFUSED', 'ENOTSOCK')
    assert err.syscall == 'connect'
    assert err.address == path


NOBODY = 65534


def _connect_error_code_as_nobody(path):
    """Connect to ``path`` with pyuvnet from a forked child that, when run
    as root, first drops to the ``nobody`` user (root ignores file
    permissions); returns the 'error' event's code, or 'connected'."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        outcome = 'child failed'
        try:
            os.close(read_end)
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(NOBODY)
                os.setuid(NOBODY)
            from pyuvnet import _uv
            _uv._thread_state.loop = net.Loop()   # never the parent's loop
            seen = []
            client = net.connect(path, lambda: seen.append('connected'))
            client.on('error', lambda err: seen.append(err.code))
            net.run()
            outcome = seen[0] if seen else 'nothing'
        finally:
            os.write(write_end, outcome.encode())
            os._exit(0)
    os.close(write_end)
    try:
        with os.fdopen(read_end, 'rb') as pipe:
            return pipe.read().decode()
    finally:
        os.waitpid(pid, 0)


def test_connect_to_a_socket_without_permission_is_eacces(sockdir, run_loop):
    path = os.path.join(sockdir, 'locked.sock')
    os.chmod(sockdir, 0o755)        # the unprivileged child must reach the file
    outcome = {}

    def on_listening():
        os.chmod(path, 0)
        outcome['code'] = _connect_error_code_as_nobody(path)
        server.close()

    server = net.createServer()
    server.listen(path, on_listening)
    run_loop()
    assert outcome['code'] == 'EACCES'


def test_connect_with_a_path_that_is_not_a_string_throws():
    for bad in (b'/tmp/x.sock', 12.5, ['x']):
        with pytest.raises(TypeError) as info:
            net.connect({'path': bad})
        assert info.value.code == 'ERR_INVALID_ARG_TYPE'


def test_listen_with_a_path_that_is_not_a_string_throws():
    """Node 20: for (const path of [Buffer.from('x'), ['x'], 5, -1, ''])
    net.createServer().listen({path}) throws ERR_INVALID_ARG_VALUE
    "The argument 'options' is invalid. Received { path: ... }"."""
    server = net.createServer()
    for bad in (b'/tmp/x.sock', ['x'], 5, -1, ''):
        with pytest.raises(TypeError) as info:
            server.listen({'path': bad})
        assert info.value.code == 'ERR_INVALID_ARG_VALUE'
        assert "The argument 'options' is invalid." in str(info.value)
    assert not server.listening
