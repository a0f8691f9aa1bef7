"""net.Socket({'fd': n}): wrapping a TCP socket, unix socket or pipe that is
already open, and the errors for fds that cannot be wrapped.

The behaviours are those of Node's test-net-socket-fd*, test-net-connect-
options-fd and test-net-socket-constructor tests, written afresh.
"""
import os
import socket
import sys

import pytest

import pyuvnet as net
from support import ROOT, fd_is_open, recv_all

pytestmark = pytest.mark.skipif(sys.platform == 'win32', reason='wrapping fds is POSIX-only')


def socketpair():
    """(fd for pyuvnet, Python socket for the peer).  The fd is detached
    from its Python object: the pyuvnet Socket owns and closes it."""
    mine, peer = socket.socketpair()
    peer.settimeout(5)
    return mine.detach(), peer


# -- socketpair ---------------------------------------------------------------

def test_socketpair_fd_carries_data_both_ways_and_sees_the_peer_end(run_loop):
    fd, peer = socketpair()
    events = []
    sock = net.Socket({'fd': fd, 'readable': True, 'writable': True})
    assert sock.readyState == 'open'
    assert sock.pending is False
    assert sock.connecting is False
    sock.setEncoding('utf8')
    sock.on('data', lambda d: events.append(('data', d)))
    sock.on('end', lambda: events.append('end'))
    sock.on('close', lambda had_error: events.append(('close', had_error)))

    peer.sendall(b'ping')
    peer.shutdown(socket.SHUT_WR)
    sock.end('pong')
    run_loop()
    assert events == [('data', 'ping'), 'end', ('close', False)]
    assert recv_all(peer) == b'pong'
    peer.close()


def test_two_wrapped_ends_of_a_socketpair_talk_to_each_other(run_loop):
    left_py, right_py = socket.socketpair()
    left = net.Socket({'fd': left_py.detach()})
    right = net.Socket({'fd': right_py.detach()})
    log = []
    left.setEncoding('utf8')
    right.setEncoding('utf8')
    right.on('data', lambda d: (log.append(('right got', d)), right.end(d * 2)))
    left.on('data', lambda d: log.append(('left got', d)))
    left.on('end', lambda: log.append('left end'))
    right.on('end', lambda: log.append('right end'))
    closed = []
    left.on('close', closed.append)
    right.on('close', closed.append)
    left.write('ab')
    left.end()
    run_loop()
    assert ('right got', 'ab') in log
    assert ('left got', 'abab') in log
    assert 'left end' in log and 'right end' in log
    assert closed == [False, False]


def test_wrapped_fd_is_closed_with_the_socket(run_loop):
    fd, peer = socketpair()
    sock = net.Socket({'fd': fd})
    assert fd_is_open(fd)
    closed = []
    sock.on('close', closed.append)
    sock.destroy()
    run_loop()
    assert closed == [False]
    assert not fd_is_open(fd)
    # The peer sees the connection go away.
    assert peer.recv(10) == b''
    peer.close()


def test_large_transfer_over_a_socketpair_fd(run_loop):
    fd, peer = socketpair()
    peer.setblocking(False)
    payload = os.urandom(4 * 1024 * 1024)
    received = bytearray()
    sock = net.Socket({'fd': fd, 'readable': True, 'writable': True})

    # Read the peer side from a timer, so the test stays in one thread.
    def drain_peer():
        try:
            while True:
                chunk = peer.recv(1 << 20)
                if not chunk:
                    timer.close()
                    return
                received.extend(chunk)
        except BlockingIOError:
            pass

    timer = net.setInterval(drain_peer, 1)
    sock.write(payload)
    sock.end()
    sock.on('finish', lambda: peer.shutdown(socket.SHUT_WR))
    sock.resume()
    run_loop(timeout=20)
    assert bytes(received) == payload
    peer.close()


def test_allow_half_open_on_a_wrapped_fd(run_loop):
    fd, peer = socketpair()
    events = []
    sock = net.Socket({'fd': fd, 'allowHalfOpen': True})

    def on_end():
        events.append(('end', sock.writable))
        sock.end('answer after your FIN')

    sock.on('end', on_end)
    sock.on('close', lambda had_error: events.append(('close', had_error)))
    sock.resume()
    peer.shutdown(socket.SHUT_WR)
    run_loop()
    assert events == [('end', True), ('close', False)]
    assert recv_all(peer) == b'answer after your FIN'
    peer.close()


def test_readable_false_gets_no_data_and_is_write_only(run_loop):
    fd, peer = socketpair()
    events = []
    sock = net.Socket({'fd': fd, 'readable': False, 'writable': True})
    assert sock.readable is False
    assert sock.writable is True
    assert sock.readyState == 'writeOnly'
    sock.on('data', lambda d: events.append(('data', d)))
    sock.on('finish', lambda: events.append('finish'))
    sock.on('close', lambda had_error: events.append(('close', had_error)))
    sock.end('one way')
    run_loop()
    assert events == ['finish', ('close', False)]
    assert recv_all(peer) == b'one way'
    peer.close()


def test_readable_false_ignores_what_the_peer_sends(run_loop):
    fd, peer = socketpair()
    events = []
    sock = net.Socket({'fd': fd, 'readable': False, 'writable': True})
    sock.on('data', lambda d: events.append(('data', d)))
    sock.on('end', lambda: events.append('end'))
    sock.on('close', lambda had_error: events.append(('close', had_error)))
    peer.sendall(b'not for you')
    net.setTimeout(lambda: sock.end(), 50)
    run_loop()
    assert events == [('close', False)]
    peer.close()


def test_writable_false_is_read_only_and_closes_after_end(run_loop):
    fd, peer = socketpair()
    events = []
    sock = net.Socket({'fd': fd, 'readable': True, 'writable': False})
    assert sock.readable is True
    assert sock.writable is False
    assert sock.readyState == 'readOnly'
    sock.setEncoding('utf8')
    sock.on('data', lambda d: events.append(('data', d)))
    sock.on('end', lambda: events.append('end'))
    sock.on('close', lambda had_error: events.append(('close', had_error)))
    peer.sendall(b'only in')
    peer.shutdown(socket.SHUT_WR)
    run_loop()
    # Nothing is left to write, so the socket closes after 'end' (Node's
    # autoDestroy); its fd is released.
    assert events == [('data', 'only in'), 'end', ('close', False)]
    assert recv_all(peer) == b''
    peer.close()


def test_write_on_a_writable_false_socket_is_write_after_end(run_loop):
    fd, peer = socketpair()
    seen = {}
    sock = net.Socket({'fd': fd, 'writable': False})
    sock.on('error', lambda err: seen.setdefault('error', err.code))
    sock.on('close', lambda had_error: seen.setdefault('close', had_error))
    sock.write('nope', None, lambda err=None: seen.setdefault('cb', err and err.code))
    run_loop()
    assert seen == {'cb': 'ERR_STREAM_WRITE_AFTER_END', 'error': 'ERR_STREAM_WRITE_AFTER_END',
                    'close': True}
    peer.close()


# -- TCP fds -------------------------------------------------------------------

def test_connected_tcp_fd_has_tcp_addresses_and_carries_data(listening_server, run_loop):
    def on_connection(conn):
        conn.setEncoding('utf8')
        conn.on('data', lambda d: conn.end(d.upper()))

    server, port = listening_server(on_connection)
    # A blocking connect completes against the listen backlog before the
    # loop runs; the fd is then handed to pyuvnet.
    py = socket.create_connection(('127.0.0.1', port), timeout=5)
    local_port = py.getsockname()[1]
    sock = net.Socket({'fd': py.detach(), 'readable': True, 'writable': True})
    seen = {'remote': (sock.remoteAddress, sock.remotePort, sock.remoteFamily),
            'local': sock.address()}
    sock.setEncoding('utf8')
    sock.on('data', lambda d: seen.setdefault('data', d))
    sock.on('close', lambda had_error: (seen.setdefault('close', had_error), server.close()))
    sock.write('shout')
    run_loop()
    assert seen['remote'] == ('127.0.0.1', port, 'IPv4')
    assert seen['local'] == {'address': '127.0.0.1', 'family': 'IPv4', 'port': local_port}
    assert seen['data'] == 'SHOUT'
    assert seen['close'] is False


def test_tcp_options_apply_to_a_wrapped_tcp_fd(listening_server, run_loop):
    server, port = listening_server(lambda conn: conn.end())
    py = socket.create_connection(('127.0.0.1', port), timeout=5)
    fd = py.detach()
    sock = net.Socket({'fd': fd})
    sock.setNoDelay(True)
    check = socket.socket(fileno=os.dup(fd))
    try:
        assert check.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        check.close()
    sock.on('close', lambda had_error: server.close())
    sock.resume()
    run_loop()


# -- pipes (FIFOs): stdin/stdout when they are pipes ---------------------------

def test_reading_end_of_an_os_pipe(run_loop):
    r, w = os.pipe()
    events = []
    sock = net.Socket({'fd': r, 'readable': True, 'writable': False})
    sock.setEncoding('utf8')
    sock.on('data', lambda d: events.append(('data', d)))
    sock.on('end', lambda: events.append('end'))
    sock.on('close', lambda had_error: events.append(('close', had_error)))
    os.write(w, b'through a pipe')
    os.close(w)
    run_loop()
    assert events == [('data', 'through a pipe'), 'end', ('close', False)]
    assert not fd_is_open(r)


def test_writing_end_of_an_os_pipe(run_loop):
    r, w = os.pipe()
    events = []
    sock = net.Socket({'fd': w, 'readable': False, 'writable': True})
    sock.on('finish', lambda: events.append('finish'))
    sock.on('close', lambda had_error: events.append(('close', had_error)))
    sock.write('to the ')
    sock.end('reader')
    run_loop()
    assert events == ['finish', ('close', False)]
    data = b''
    while True:
        chunk = os.read(r, 100)
        if not chunk:
            break
        data += chunk
    os.close(r)
    assert data == b'to the reader'


STDIO_SCRIPT = r"""
import pyuvnet as net
out = net.Socket({'fd': 1, 'readable': False, 'writable': True})
inp = net.Socket({'fd': 0, 'readable': True, 'writable': False})
inp.on('data', lambda chunk: out.write(chunk.upper()))
inp.on('end', lambda: out.end('<eof>'))
net.run()
"""


@pytest.mark.parametrize('stdio', ['pipe', 'socketpair'])
def test_stdin_and_stdout_when_they_are_pipes(stdio):
    """A child wraps its stdin and stdout (pipes, or unix sockets as some
    supervisors give) and upper-cases one into the other."""
    import subprocess
    env = dict(os.environ)
    root = ROOT
    env['PYTHONPATH'] = os.pathsep.join(p for p in (root, env.get('PYTHONPATH')) if p)
    data = b'hello through stdio\n' * 5000
    if stdio == 'pipe':
        result = subprocess.run([sys.executable, '-c', STDIO_SCRIPT], input=data,
                                capture_output=True, timeout=30, env=env)
        assert result.returncode == 0, result.stderr.decode()[-2000:]
        assert result.stdout == data.upper() + b'<eof>'
        return
    parent_in, child_in = socket.socketpair()
    parent_out, child_out = socket.socketpair()
    with parent_in, parent_out:
        proc = subprocess.Popen([sys.executable, '-c', STDIO_SCRIPT], stdin=child_in,
                                stdout=child_out, stderr=subprocess.PIPE, env=env)
        child_in.close()
        child_out.close()
        try:
            parent_in.sendall(data)
            parent_in.shutdown(socket.SHUT_WR)
            parent_out.settimeout(20)
            got = recv_all(parent_out)
            assert proc.wait(20) == 0, proc.stderr.read().decode()[-2000:]
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stderr.close()
    assert got == data.upper() + b'<eof>'


# -- connecting a wrapped, bound socket --------------------------------------

def test_wrapped_unconnected_unix_fd_can_connect_to_a_path(sockdir, run_loop):
    """Node's connect-options-fd: a socket bound to a client path, wrapped
    with Socket({fd}), then connect({'path'}): the connection uses that fd."""
    server_path = os.path.join(sockdir, 'server')
    client_path = os.path.join(sockdir, 'client')
    seen = {}

    def on_connection(conn):
        conn.setEncoding('utf8')
        conn.on('data', lambda d: (seen.setdefault('server got', d), conn.end()))

    def on_listening():
        py = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        py.bind(client_path)
        fd = py.detach()
        client = net.Socket({'fd': fd, 'readable': True, 'writable': True})
        client.on('error', lambda err: seen.setdefault('error', err))

        def on_connect():
            # The connection is on the very fd that was wrapped.
            probe = socket.socket(fileno=os.dup(fd))
            try:
                seen['peer'] = probe.getpeername()
                seen['name'] = probe.getsockname()
            finally:
                probe.close()
            client.write('via fd %d' % fd)

        client.connect({'path': server_path}, on_connect)
        client.resume()
        client.on('close', lambda had_error: server.close())
        seen['fd'] = fd

    server = net.createServer(on_connection)
    server.listen(server_path, on_listening)
    run_loop()
    assert 'error' not in seen, seen.get('error')
    assert seen['server got'] == 'via fd %d' % seen['fd']
    assert seen['peer'] == server_path
    assert seen['name'] == client_path


def test_wrapped_bound_tcp_fd_connects_from_its_bound_port(listening_server, run_loop):
    """Socket({fd}) of a bound, unconnected TCP socket, then connect(port,
    ip): as Node (an IP host goes straight to the existing handle), the
    connection is made on that fd, so it leaves from the bound port."""
    seen = {}

    def on_connection(conn):
        seen['server saw port'] = conn.remotePort
        conn.end('ok')

    server, port = listening_server(on_connection)
    py = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    py.bind(('127.0.0.1', 0))
    bound_port = py.getsockname()[1]
    fd = py.detach()
    client = net.Socket({'fd': fd, 'readable': True, 'writable': True})
    client.on('error', lambda err: seen.setdefault('error', err))
    client.connect(port, '127.0.0.1', lambda: seen.setdefault('local port', client.localPort))
    client.setEncoding('utf8')
    client.on('data', lambda d: seen.setdefault('data', d))
    client.on('close', lambda had_error: server.close())
    run_loop()
    assert 'error' not in seen, seen.get('error')
    assert seen['data'] == 'ok'
    assert seen['local port'] == bound_port
    assert seen['server saw port'] == bound_port


# -- bad fds -------------------------------------------------------------------

def test_regular_file_fd_is_err_invalid_fd_type(tmp_path):
    path = tmp_path / 'plain.txt'
    path.write_text('not a socket')
    with open(path) as f:
        with pytest.raises(net.errors.ERR_INVALID_FD_TYPE) as info:
            net.Socket({'fd': f.fileno()})
        # Thrown at once, and the file is left alone.
        assert fd_is_open(f.fileno())
    err = info.value
    assert isinstance(err, TypeError)
    assert isinstance(err, net.NodeError)
    assert err.code == 'ERR_INVALID_FD_TYPE'
    assert 'FILE' in str(err)


def test_closed_fd_is_err_invalid_fd_type():
    r, w = os.pipe()
    os.close(r)
    os.close(w)
    with pytest.raises(net.errors.ERR_INVALID_FD_TYPE) as info:
        net.Socket({'fd': r})
    assert info.value.code == 'ERR_INVALID_FD_TYPE'
    assert 'UNKNOWN' in str(info.value)


def test_udp_socket_fd_is_err_invalid_fd_type():
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        with pytest.raises(net.errors.ERR_INVALID_FD_TYPE) as info:
            net.Socket({'fd': udp.fileno()})
        assert 'UDP' in str(info.value)
        assert fd_is_open(udp.fileno())
    finally:
        udp.close()


def test_tty_fd_is_err_invalid_fd_type():
    pty = pytest.importorskip('pty')
    master, slave = pty.openpty()
    try:
        with pytest.raises(net.errors.ERR_INVALID_FD_TYPE) as info:
            net.Socket({'fd': slave})
        assert 'TTY' in str(info.value)
        assert fd_is_open(slave)
    finally:
        os.close(master)
        os.close(slave)


def test_negative_fd_is_out_of_range():
    with pytest.raises(net.errors.ERR_OUT_OF_RANGE) as info:
        net.Socket({'fd': -1})
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize('bad', ['3', [3], True, b'3'])
def test_non_integer_fd_is_invalid_arg_type(bad):
    with pytest.raises(net.errors.ERR_INVALID_ARG_TYPE) as info:
        net.Socket({'fd': bad})
    assert isinstance(info.value, TypeError)


def test_fractional_fd_is_out_of_range():
    with pytest.raises(net.errors.ERR_OUT_OF_RANGE):
        net.Socket({'fd': 3.5})


def test_fd_as_a_snake_case_keyword(run_loop):
    fd, peer = socketpair()
    sock = net.Socket(fd=fd, readable=True, writable=True)
    sock.on('close', lambda had_error: None)
    assert sock.readyState == 'open'
    sock.destroy()
    run_loop()
    peer.close()
