"""server.listen(handle) and listen({'fd': n}): listening on a TCP socket or
unix socket that is already bound, in each of the handle forms.

The behaviours are those of Node's test-net-server-listen-handle and
test-net-listen-fd* tests, written afresh for pyuvnet's handle forms: a
pyuvnet Server or Socket (its fd is duplicated), an object with an int
``fd`` (taken over), an object with ``fileno()`` such as a Python socket
(duplicated), and ``{'fd': n}`` / ``{'handle': h}`` in the options.
"""
import os
import socket
import sys

import pytest

import pyuvnet as net
from support import fd_is_open

pytestmark = pytest.mark.skipif(sys.platform == 'win32', reason='listening on fds is POSIX-only')


def bound_tcp():
    """A Python TCP socket bound to a free loopback port, not listening."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('127.0.0.1', 0))
    return s


def bound_unix(sockdir, name='bound.sock'):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    path = os.path.join(sockdir, name)
    s.bind(path)
    return s, path


class FdHolder:
    """Node's ``{fd: n}`` handle object: anything with an int ``fd``."""

    def __init__(self, fd):
        self.fd = fd


def serve_one_exchange(server, connect_args, run_loop, expect_address=None):
    """Once ``server`` is listening: connect with ``connect_args``, get one
    echo back, close everything.  Returns what happened."""
    seen = {'events': []}

    def on_connection(conn):
        conn.setEncoding('utf8')
        conn.on('data', lambda d: conn.end('echo:' + d))

    def on_listening():
        seen['events'].append('listening')
        seen['address'] = server.address()
        client = net.connect(*connect_args)
        client.setEncoding('utf8')
        client.on('data', lambda d: seen.setdefault('reply', d))
        client.on('error', lambda err: seen.setdefault('client error', err))
        client.on('close', lambda had_error: server.close())
        client.write('hi')

    server.on('connection', on_connection)
    server.on('error', lambda err: seen.setdefault('server error', err))
    # listen() was called already; 'listening' comes on a later tick.
    server.once('listening', on_listening)
    run_loop()
    assert 'server error' not in seen, seen.get('server error')
    assert 'client error' not in seen, seen.get('client error')
    assert seen['events'] == ['listening']
    assert seen.get('reply') == 'echo:hi'
    return seen


# -- Python sockets (fileno(): duplicated) -------------------------------------

@pytest.mark.parametrize('listening_already', [False, True])
def test_listen_on_a_python_tcp_socket(run_loop, listening_already):
    py = bound_tcp()
    if listening_already:
        py.listen(5)
    port = py.getsockname()[1]
    server = net.createServer()
    assert server.listen(py) is server
    seen = serve_one_exchange(server, (port, '127.0.0.1'), run_loop)
    assert seen['address'] == {'address': '127.0.0.1', 'family': 'IPv4', 'port': port}
    # The Python socket kept its own fd: it is still open and usable.
    assert py.fileno() >= 0 and fd_is_open(py.fileno())
    assert py.getsockname()[1] == port
    py.close()


def test_listen_on_a_python_unix_socket(sockdir, run_loop):
    py, path = bound_unix(sockdir)
    server = net.createServer()
    server.listen(py)
    seen = serve_one_exchange(server, (path,), run_loop)
    assert seen['address'] == path
    assert fd_is_open(py.fileno())
    # A server that did not bind the path does not remove its file.
    assert os.path.exists(path)
    py.close()


def test_listen_on_a_python_socket_with_backlog_and_callback(run_loop):
    py = bound_tcp()
    port = py.getsockname()[1]
    events = []
    server = net.createServer()
    server.listen(py, 7, lambda: (events.append(('cb', server.address().port)), server.close()))
    run_loop()
    assert events == [('cb', port)]
    py.close()


# -- objects with an int fd (taken over) -------------------------------------

def test_listen_on_an_object_with_a_tcp_fd(run_loop):
    py = bound_tcp()
    port = py.getsockname()[1]
    fd = py.detach()
    server = net.createServer()
    server.listen(FdHolder(fd))
    seen = serve_one_exchange(server, (port, '127.0.0.1'), run_loop)
    assert seen['address'].port == port
    # The fd was the server's: closing the server closed it.
    assert not fd_is_open(fd)


def test_listen_on_an_object_with_a_unix_fd(sockdir, run_loop):
    py, path = bound_unix(sockdir)
    fd = py.detach()
    server = net.createServer()
    server.listen(FdHolder(fd))
    seen = serve_one_exchange(server, (path,), run_loop)
    assert seen['address'] == path
    assert not fd_is_open(fd)
    # As Node: the server did not create the socket file, so it stays.
    assert os.path.exists(path)


@pytest.mark.parametrize('with_callback', [False, True])
def test_listen_fd_option_tcp(run_loop, with_callback):
    py = bound_tcp()
    port = py.getsockname()[1]
    fd = py.detach()
    server = net.createServer()
    if with_callback:
        events = []
        server.listen({'fd': fd}, lambda: events.append('cb'))
    else:
        server.listen({'fd': fd})
    serve_one_exchange(server, (port, '127.0.0.1'), run_loop)
    if with_callback:
        assert events == ['cb']
    assert not fd_is_open(fd)


def test_listen_fd_option_unix(sockdir, run_loop):
    py, path = bound_unix(sockdir)
    fd = py.detach()
    server = net.createServer()
    server.listen({'fd': fd})
    seen = serve_one_exchange(server, (path,), run_loop)
    assert seen['address'] == path


def test_listen_fd_option_in_snake_case_keywords(run_loop):
    py = bound_tcp()
    port = py.getsockname()[1]
    server = net.createServer()
    server.listen(fd=py.detach())
    serve_one_exchange(server, (port, '127.0.0.1'), run_loop)


@pytest.mark.parametrize('kind', ['tcp', 'unix'])
def test_listen_handle_option(sockdir, run_loop, kind):
    if kind == 'tcp':
        py = bound_tcp()
        target = (py.getsockname()[1], '127.0.0.1')
    else:
        py, path = bound_unix(sockdir)
        target = (path,)
    server = net.createServer()
    server.listen({'handle': py})
    serve_one_exchange(server, target, run_loop)
    py.close()


def test_listen_handle_option_with_an_fd_holder(run_loop):
    py = bound_tcp()
    port = py.getsockname()[1]
    server = net.createServer()
    events = []
    server.listen({'handle': FdHolder(py.detach())}, lambda: events.append('cb'))
    serve_one_exchange(server, (port, '127.0.0.1'), run_loop)
    assert events == ['cb']


# -- pyuvnet objects (duplicated) ----------------------------------------------

def test_listen_on_another_tcp_server(run_loop):
    first = net.createServer(lambda conn: conn.end('first'))
    first.listen(0, '127.0.0.1')
    port = first.address().port
    seen = {}

    def on_second_listening():
        seen['address'] = second.address()
        # The original stops; connections now reach the second server
        # through its duplicate of the same listening socket.
        first.close(lambda *_: connect())

    def connect():
        seen['first listening'] = first.listening
        client = net.connect(port, '127.0.0.1')
        client.setEncoding('utf8')
        client.on('data', lambda d: seen.setdefault('reply', d))
        client.on('close', lambda had_error: second.close())

    second = net.createServer(lambda conn: conn.end('second'))
    second.listen(first, on_second_listening)
    run_loop()
    assert seen == {'address': {'address': '127.0.0.1', 'family': 'IPv4', 'port': port},
                    'first listening': False, 'reply': 'second'}


def test_listen_on_another_pipe_server_keeps_the_file_until_the_owner_closes(sockdir, run_loop):
    path = os.path.join(sockdir, 'owner.sock')
    seen = {}
    first = net.createServer(lambda conn: conn.end('first'))

    def on_second_listening():
        seen['address'] = second.address()
        # Closing the server that listens on a duplicate does not remove
        # the file: the first server bound it and still owns it.
        second.close(lambda *_: after_second_closed())

    def after_second_closed():
        seen['exists after second closed'] = os.path.exists(path)
        client = net.connect(path)
        client.setEncoding('utf8')
        client.on('data', lambda d: seen.setdefault('reply', d))
        client.on('close', lambda had_error: first.close(
            lambda *_: seen.setdefault('exists after first closed', os.path.exists(path))))

    second = net.createServer(lambda conn: conn.end('second'))
    first.listen(path, lambda: second.listen(first, on_second_listening))
    run_loop()
    assert seen == {'address': path, 'exists after second closed': True, 'reply': 'first',
                    'exists after first closed': False}


def test_listen_on_a_pyuvnet_socket_wrapping_a_bound_fd(sockdir, run_loop):
    py, path = bound_unix(sockdir)
    holder = net.Socket({'fd': py.detach(), 'readable': False, 'writable': False})
    server = net.createServer()
    server.listen(holder)
    seen = serve_one_exchange(server, (path,), run_loop)
    assert seen['address'] == path
    holder.destroy()
    run_loop()


def test_listen_on_a_connected_socket_is_an_error_event(listening_server, run_loop):
    # A connected socket cannot listen: the OS says EINVAL, reported as
    # 'error' like any failed listen.
    origin, port = listening_server(lambda conn: conn.resume())
    seen = {}

    def on_connect():
        server = net.createServer()
        server.on('error', lambda err: (seen.setdefault('error', err),
                                        client.end(), origin.close()))
        server.on('listening', lambda: (seen.setdefault('listening', True), server.close(),
                                        client.end(), origin.close()))
        server.listen(client)

    client = net.connect(port, '127.0.0.1', on_connect)
    client.resume()
    run_loop()
    assert 'listening' not in seen
    assert seen['error'].code == 'EINVAL'
    assert seen['error'].syscall == 'listen'


def test_second_listen_after_listen_on_a_handle_throws(run_loop):
    py = bound_tcp()
    server = net.createServer()
    server.listen(py)
    with pytest.raises(net.errors.ERR_SERVER_ALREADY_LISTEN):
        server.listen(0, '127.0.0.1')
    server.close()
    run_loop()
    py.close()


# -- bad fds and handles ---------------------------------------------------------

def _listen_error(server, run_loop, *args):
    seen = {'events': []}
    server.on('error', lambda err: (seen['events'].append('error'), seen.setdefault('err', err)))
    server.on('listening', lambda: (seen['events'].append('listening'), server.close()))
    server.listen(*args)
    assert seen['events'] == []      # never from within listen()
    run_loop()
    assert seen['events'] == ['error']
    assert not server.listening
    return seen['err']


def test_listen_on_a_regular_file_fd_is_an_einval_error_event(tmp_path, run_loop):
    # As Node: a fd that is not a socket is a failed listen (EINVAL), not
    # an exception.
    path = tmp_path / 'plain.txt'
    path.write_text('x')
    with open(path) as f:
        err = _listen_error(net.createServer(), run_loop, {'fd': f.fileno()})
    assert err.code == 'EINVAL'
    assert err.syscall == 'listen'
    assert 'listen EINVAL' in str(err)


def test_listen_on_a_closed_fd_is_an_einval_error_event(run_loop):
    r, w = os.pipe()
    os.close(r)
    os.close(w)
    err = _listen_error(net.createServer(), run_loop, {'fd': r})
    assert err.code == 'EINVAL'
    assert err.syscall == 'listen'


def test_listen_on_a_udp_fd_is_an_einval_error_event(run_loop):
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        err = _listen_error(net.createServer(), run_loop, {'fd': os.dup(udp.fileno())})
    finally:
        udp.close()
    assert err.code == 'EINVAL'


def test_listen_on_a_negative_fd_throws():
    # {'fd': -1} is not an fd handle at all: Node's "invalid listen argument".
    server = net.createServer()
    with pytest.raises(net.NodeError) as info:
        server.listen({'fd': -1})
    assert info.value.code == 'ERR_INVALID_ARG_VALUE'
    assert not server.listening


def test_listen_with_an_empty_options_dict_throws():
    # Neither port, path, fd nor handle: Node throws ERR_INVALID_ARG_VALUE.
    server = net.createServer()
    with pytest.raises(net.NodeError) as info:
        server.listen({})
    assert info.value.code == 'ERR_INVALID_ARG_VALUE'
    assert not server.listening


@pytest.mark.parametrize('make_handle', [
    object, lambda: {'handle': object()}, lambda: FdHolder('3'), net.Socket, net.createServer,
], ids=['object', 'handle-object', 'str-fd', 'unconnected-socket', 'idle-server'])
def test_listen_on_something_without_an_fd_throws(make_handle):
    # Node: whatever is neither a handle, an fd >= 0, a port nor a path is
    # ERR_INVALID_ARG_VALUE ("must have the property port or path").
    server = net.createServer()
    with pytest.raises(net.NodeError) as info:
        server.listen(make_handle())
    assert info.value.code == 'ERR_INVALID_ARG_VALUE'
    assert not server.listening


def test_fd_option_with_a_non_integer_throws():
    server = net.createServer()
    for bad in ('3', 2.5, True):
        with pytest.raises(net.NodeError):
            server.listen({'fd': bad})
    assert not server.listening
