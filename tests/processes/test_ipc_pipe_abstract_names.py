"""Linux's abstract socket names ('\\0' first): listen, connect and
address() with no file anywhere, plain Python sockets finding the same
name, EADDRINUSE and ECONNREFUSED, no file modes, and the 108-byte limit.

The behaviours are those of Node's test-net-pipe*, test-pipe* and
test-net-server-listen-path tests, written afresh for pyuvnet.
"""
import os
import socket
import sys

import pytest

import pyuvnet as net
from ipc_pipe_support import SUN_PATH_MAX, connect_error, listen_errors, unix_sockets

pytestmark = unix_sockets


linux_only = pytest.mark.skipif(not sys.platform.startswith('linux'),
                                reason='abstract socket names are a Linux feature')


def _abstract_name(tag):
    return '\0pyuvnet-test-%d-%s' % (os.getpid(), tag)


@linux_only
def test_abstract_name_listen_connect_and_address(sockdir, run_loop):
    name = _abstract_name('basic')
    seen = {}

    def on_connection(sock):
        sock.setEncoding('utf8')
        sock.on('data', lambda d: sock.end(d[::-1]))

    def on_listening():
        seen['address'] = server.address()
        client = net.connect(name, lambda: seen.setdefault('connected', True))
        client.setEncoding('utf8')
        client.on('data', lambda d: seen.setdefault('reply', d))
        client.on('close', lambda had_error: server.close())
        client.write('abstract')

    cwd = os.getcwd()
    os.chdir(sockdir)
    try:
        server = net.createServer(on_connection)
        server.listen(name, on_listening)
        run_loop()
    finally:
        os.chdir(cwd)
    assert seen == {'address': name, 'connected': True, 'reply': 'tcartsba'}
    # No file appears anywhere for an abstract name.
    assert os.listdir(sockdir) == []


@linux_only
def test_abstract_name_is_visible_to_plain_python_sockets(run_loop):
    name = _abstract_name('py')
    seen = {}

    def on_listening():
        # An ordinary Python client finds the same name (a blocking connect
        # completes against the listen backlog without the loop running).
        py = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        py.connect(name)
        seen['py'] = py

    server = net.createServer(lambda sock: (sock.write('from pyuvnet'), sock.destroySoon(), server.close()))
    server.listen(name, on_listening)
    run_loop()
    py = seen['py']
    py.settimeout(5)
    data = b''
    while True:
        chunk = py.recv(100)
        if not chunk:
            break
        data += chunk
    py.close()
    assert data == b'from pyuvnet'


@linux_only
def test_abstract_name_in_use_is_eaddrinuse_and_free_after_close(run_loop):
    name = _abstract_name('inuse')
    events = []

    def on_first_listening():
        second = net.createServer()
        second.on('error', lambda err: (events.append((err.code, err.syscall, err.address)),
                                        first.close(third)))
        second.listen(name)

    def third(*_):
        # Closing the first server frees the name (nothing to unlink).
        again = net.createServer()
        again.on('error', lambda err: events.append(('third error', err.code)))
        again.listen(name, lambda: (events.append('third listening'), again.close()))

    first = net.createServer()
    first.listen(name, on_first_listening)
    run_loop()
    assert events == [('EADDRINUSE', 'listen', name), 'third listening']


@linux_only
def test_abstract_name_not_listened_on_is_econnrefused(run_loop):
    name = _abstract_name('nobody')
    err = connect_error(name, run_loop)
    assert err.code == 'ECONNREFUSED'
    assert err.syscall == 'connect'
    assert err.address == name


@linux_only
def test_abstract_name_with_readable_all_throws(run_loop):
    # As Node: file modes mean nothing for an abstract name, so asking for
    # them is an argument error.
    server = net.createServer()
    for option in ('readableAll', 'writableAll'):
        with pytest.raises(net.NodeError) as info:
            server.listen({'path': _abstract_name('mode'), option: True})
        assert info.value.code == 'ERR_INVALID_ARG_VALUE'
        assert not server.listening
    run_loop()


@linux_only
def test_abstract_name_too_long_is_einval(run_loop):
    name = '\0' + 'a' * SUN_PATH_MAX   # one byte more than sun_path holds
    errors = listen_errors(run_loop, name)
    assert [e.code for e in errors] == ['EINVAL']


@linux_only
def test_abstract_name_of_full_length_works(run_loop):
    # An abstract name uses all 108 bytes (no trailing NUL needed).
    name = ('\0pyuvnet-%d-' % os.getpid()).ljust(SUN_PATH_MAX, 'z')
    assert len(name) == SUN_PATH_MAX
    seen = {}

    def on_listening():
        client = net.connect(name, lambda: (seen.setdefault('connected', True), client.end()))
        client.on('close', lambda had_error: server.close())

    server = net.createServer(lambda sock: sock.resume())
    server.on('error', lambda err: seen.setdefault('error', err.code))
    server.listen(name, on_listening)
    run_loop()
    assert seen == {'connected': True}
