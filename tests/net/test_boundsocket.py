"""net.BoundSocket (Node 26.4, paths 26.7) and its adoption by
server.listen(bound) and Socket({'handle': bound}).

Node 20 has no BoundSocket: each test is pinned to the newest doc/api/net.md
(nodejs/node 000dc4ad, "Class: net.BoundSocket") and to Node's
test/parallel/test-net-boundsocket.js (nodejs/node 14b61cb9), whose blocks
the docstrings quote.
"""
import os
import socket

import pytest

import pyuvnet as net
from pyuvnet import _uv
from support import assert_code, needs_ipv6


def os_view(fd):
    """A Python socket over a duplicate of ``fd`` (use it in a with block)."""
    return socket.socket(fileno=os.dup(fd))


def bound_tcp(**options):
    options.setdefault('host', '127.0.0.1')
    return net.BoundSocket(options)


# -- binding ------------------------------------------------------------------------

def test_binds_at_once_and_reports_the_address_and_fd():
    """test-net-boundsocket.js: new net.BoundSocket({host: '127.0.0.1', port: 0})
    -> address() {address '127.0.0.1', family 'IPv4', port > 0}; fd() >= 0."""
    bound = bound_tcp(port=0)
    address = bound.address()
    assert (address.address, address.family) == ('127.0.0.1', 'IPv4') and address.port > 0
    assert address == {'address': '127.0.0.1', 'family': 'IPv4', 'port': address.port}
    fd = bound.fd()
    assert fd >= 0
    with os_view(fd) as view:
        assert view.getsockname()[1] == address.port
    assert bound.isPipe is False and bound.is_pipe is False
    bound.close()


@pytest.mark.parametrize('options', [{'port': 0}, None])
def test_defaults_to_the_ipv4_wildcard_and_a_free_port(options):
    """test-net-boundsocket.js: {port: 0} and no arguments bind 0.0.0.0, an
    OS-assigned port."""
    bound = net.BoundSocket(options)
    address = bound.address()
    assert (address.address, address.family) == ('0.0.0.0', 'IPv4') and address.port > 0
    bound.close()


def test_a_port_held_by_a_listener_is_eaddrinuse_from_the_constructor(listening_server):
    """test-net-boundsocket.js: binding to a live listener's port throws
    {code: 'EADDRINUSE', syscall: 'bind'} synchronously."""
    server, port = listening_server()
    with pytest.raises(OSError) as info:
        bound_tcp(port=port)
    assert (info.value.code, info.value.syscall) == ('EADDRINUSE', 'bind')
    server.close()


def test_two_binds_not_listening_share_a_port():
    """test-net-boundsocket.js (comment): two not-yet-listening binds to the
    same port coexist, since libuv sets SO_REUSEADDR."""
    first = bound_tcp()
    second = bound_tcp(port=first.address().port)
    assert second.address().port == first.address().port
    first.close()
    second.close()


def test_argument_errors():
    """test-net-boundsocket.js: host 'localhost' -> ERR_INVALID_ARG_VALUE
    (a TypeError: no lookup); host 1234 and options 0 -> ERR_INVALID_ARG_TYPE;
    path 1234 -> ERR_INVALID_ARG_TYPE; path with host, port, ipv6Only or
    reusePort -> ERR_INVALID_ARG_VALUE."""
    assert_code('ERR_INVALID_ARG_VALUE', lambda: net.BoundSocket({'host': 'localhost', 'port': 0}),
                TypeError)
    assert_code('ERR_INVALID_ARG_TYPE', lambda: net.BoundSocket({'host': 1234}))
    assert_code('ERR_INVALID_ARG_TYPE', lambda: net.BoundSocket(0))
    assert_code('ERR_INVALID_ARG_TYPE', lambda: net.BoundSocket({'path': 1234}))
    for extra in ({'host': '127.0.0.1'}, {'port': 0}, {'ipv6Only': True}, {'reusePort': True}):
        assert_code('ERR_INVALID_ARG_VALUE',
                    lambda: net.BoundSocket(dict({'path': '/tmp/pyuvnet-never.sock'}, **extra)))
    assert_code('ERR_SOCKET_BAD_PORT', lambda: bound_tcp(port=70000))
    assert_code('ERR_INVALID_ARG_VALUE', lambda: net.BoundSocket(bogus=1))
    assert not os.path.exists('/tmp/pyuvnet-never.sock')


def test_an_address_no_interface_has_is_eaddrnotavail():
    """test-net-boundsocket.js: host '192.0.2.1' (TEST-NET-1) ->
    {code: 'EADDRNOTAVAIL', syscall: 'bind'}."""
    with pytest.raises(OSError) as info:
        bound_tcp(host='192.0.2.1', port=0)
    assert (info.value.code, info.value.syscall) == ('EADDRNOTAVAIL', 'bind')


def test_a_privileged_port_without_privilege_is_eacces():
    """test-net-boundsocket.js: as a non-root user, port 1 ->
    {code: 'EACCES', syscall: 'bind'}. Run in a forked child that drops to
    ``nobody`` when the tests run as root."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        outcome = 'bound'
        try:
            os.close(read_end)
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
            net.BoundSocket(host='127.0.0.1', port=1).close()
        except OSError as err:
            outcome = '%s %s' % (err.code, err.syscall)
        except BaseException as err:        # noqa: BLE001 - reported to the parent
            outcome = repr(err)
        finally:
            os.write(write_end, outcome.encode())
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, 'rb') as pipe:
        outcome = pipe.read().decode()
    os.waitpid(pid, 0)
    assert outcome == 'EACCES bind'


def test_close_releases_the_port_at_once():
    """test-net-boundsocket.js: after close() the same port binds again."""
    bound = bound_tcp()
    port = bound.address().port
    bound.close()
    again = bound_tcp(port=port)
    assert again.address().port == port
    again.close()


def test_after_close_address_and_fd_raise_and_close_does_nothing():
    """net.md boundSocket.close() "Releases the bound socket"; pyuvnet's
    choice where Node's text is silent: address()/fd() then raise
    ERR_SOCKET_CLOSED and a second close() does nothing."""
    bound = bound_tcp()
    bound.close()
    assert_code('ERR_SOCKET_CLOSED', bound.address)
    assert_code('ERR_SOCKET_CLOSED', bound.fd)
    bound.close()


def test_with_block_closes_unless_adopted(listening_server, run_loop):
    """net.md boundSocket[Symbol.dispose](): "Closes the handle if it has not
    been adopted or closed; otherwise a no-op" (Python: the with block)."""
    with bound_tcp() as bound:
        port = bound.address().port
    assert_code('ERR_SOCKET_CLOSED', bound.address)
    bound_tcp(port=port).close()      # released
    server = net.createServer()
    with bound_tcp() as bound:
        server.listen(bound)
    assert server.listening
    server.close()
    run_loop()


# -- adoption by a server ------------------------------------------------------------

@pytest.mark.parametrize('form', ['handle', 'options'])
def test_server_adopts_it_and_serves_on_its_port(form, run_loop):
    """test-net-boundsocket.js "Server adoption": server.listen(bound) ->
    server.address().port is the bound port; then bound.address(), fd()
    and close() throw ERR_SOCKET_HANDLE_ADOPTED; a client round-trips.
    net.md: listen({handle}) ignores host, port and path."""
    bound = bound_tcp()
    port = bound.address().port
    received, adopted_errors = [], []

    def on_connection(sock):
        sock.on('data', lambda data: sock.end(b'pong'))
    server = net.createServer(on_connection)

    def on_listening():
        assert server.address().port == port
        for call in (bound.address, bound.fd, bound.close):
            try:
                call()
            except net.NodeError as err:
                adopted_errors.append(err.code)
        client = net.connect({'host': '127.0.0.1', 'port': port}, lambda: client.end(b'ping'))
        client.on('data', received.append)
        client.on('close', lambda had_error: server.close())
    if form == 'handle':
        server.listen(bound, on_listening)
    else:
        server.listen({'handle': bound, 'port': 1, 'path': '/nonexistent/x'}, on_listening)
    run_loop()
    assert b''.join(received) == b'pong'
    assert adopted_errors == ['ERR_SOCKET_HANDLE_ADOPTED'] * 3


def test_two_reuse_port_binds_serve_the_same_port(run_loop):
    """test-net-boundsocket.js reusePort: two BoundSockets on one port with
    reusePort, each adopted by a server listening on that port."""
    first = bound_tcp(reusePort=True)
    port = first.address().port
    second = bound_tcp(port=port, reuse_port=True)
    servers = [net.createServer(), net.createServer()]
    ports = []

    def both_listening():
        ports.extend(server.address().port for server in servers)
        for server in servers:
            server.close()
    servers[0].listen(first, lambda: servers[1].listen(second, both_listening))
    run_loop()
    assert ports == [port, port]


# -- adoption by a client ------------------------------------------------------------

def test_client_adopts_it_and_connects_from_its_port(listening_server, run_loop):
    """test-net-boundsocket.js "Client adoption" and "connect(2) is
    synchronous": new net.Socket({handle: bound}) consumes it; after
    connect() returns, and at 'connect', localAddress is '127.0.0.1' and
    localPort the bound port; the round trip works."""
    def on_connection(sock):
        sock.on('data', lambda data: sock.end(b'pong'))
    server, server_port = listening_server(on_connection)
    bound = bound_tcp()
    local_port = bound.address().port
    client = net.Socket({'handle': bound})
    assert_code('ERR_SOCKET_HANDLE_ADOPTED', bound.address)
    seen, received = [], []
    client.connect({'host': '127.0.0.1', 'port': server_port})
    seen.append((client.localAddress, client.localPort))
    client.on('connect', lambda: (seen.append((client.localAddress, client.localPort)),
                                  client.end(b'ping')))
    client.on('data', received.append)
    client.on('close', lambda had_error: server.close())
    run_loop()
    assert seen == [('127.0.0.1', local_port)] * 2
    assert b''.join(received) == b'pong'


def test_create_connection_takes_the_handle_option(listening_server, run_loop):
    """net.md net.createConnection(options): "handle {net.BoundSocket} A
    pre-bound BoundSocket used as the connection's source binding"."""
    ports = []
    server, server_port = listening_server(lambda sock: (ports.append(sock.remotePort),
                                                         sock.destroy(), server.close()))
    bound = bound_tcp()
    local_port = bound.address().port
    client = net.createConnection({'handle': bound, 'port': server_port, 'host': '127.0.0.1'})
    client.on('error', lambda err: None)
    run_loop()
    assert ports == [local_port]


def test_connect_refuses_local_address_or_port_with_an_adopted_handle():
    """test-net-boundsocket.js: connect({host, port: 1, localPort: 0}) on a
    socket that adopted a BoundSocket throws ERR_INVALID_ARG_VALUE."""
    client = net.Socket({'handle': bound_tcp()})
    assert_code('ERR_INVALID_ARG_VALUE',
                lambda: client.connect({'host': '127.0.0.1', 'port': 1, 'localPort': 0}))
    assert_code('ERR_INVALID_ARG_VALUE',
                lambda: client.connect({'host': '127.0.0.1', 'port': 1, 'localAddress': '127.0.0.1'}))
    client.destroy()


def test_connect_of_the_other_kind_than_the_bind_is_refused(sockdir):
    """A TCP bind cannot connect to a path, nor a pipe bind to a port (the
    libuv handle is of the bind's kind): ERR_INVALID_ARG_VALUE at once
    (pyuvnet's choice; Node's doc does not say)."""
    tcp_client = net.Socket({'handle': bound_tcp()})
    assert_code('ERR_INVALID_ARG_VALUE',
                lambda: tcp_client.connect({'path': os.path.join(sockdir, 'x.sock')}))
    pipe_client = net.Socket({'handle': net.BoundSocket(path=os.path.join(sockdir, 's.sock'))})
    assert_code('ERR_INVALID_ARG_VALUE', lambda: pipe_client.connect(80, '127.0.0.1'))
    assert not tcp_client.connecting and not pipe_client.connecting
    tcp_client.destroy()
    pipe_client.destroy()


@needs_ipv6
def test_a_connect_failure_is_a_deferred_error_event(run_loop):
    """test-net-boundsocket.js: an IPv4-bound handle connecting to '::1'
    fails with an 'error' (syscall 'connect'), never a raise."""
    client = net.Socket({'handle': bound_tcp()})
    errors_seen = []
    client.connect({'host': '::1', 'port': 1})
    client.on('error', lambda err: errors_seen.append(err.syscall))
    run_loop()
    assert errors_seen == ['connect']


def test_handle_option_must_be_a_bound_socket():
    """net.md new net.Socket(options): "handle {net.BoundSocket}"."""
    for value in (3, 'x', {'fd': 3}):
        assert_code('ERR_INVALID_ARG_TYPE', lambda: net.Socket({'handle': value}))


def test_an_adopted_bound_socket_cannot_be_adopted_again():
    """net.md: "Adoption consumes the bound socket"."""
    bound = bound_tcp()
    net.Socket({'handle': bound}).destroy()
    assert_code('ERR_SOCKET_HANDLE_ADOPTED', lambda: net.Socket({'handle': bound}))
    assert_code('ERR_SOCKET_HANDLE_ADOPTED', lambda: net.createServer().listen(bound))


# -- unix sockets ---------------------------------------------------------------------

def test_pipe_bind_reports_its_path_and_a_second_bind_is_eaddrinuse(sockdir):
    """test-net-boundsocket.js: {path} -> isPipe true, address() the path;
    a second bind to it throws {code: 'EADDRINUSE', syscall: 'bind'};
    net.md: "Closing a pipe BoundSocket removes its file system entry"."""
    path = os.path.join(sockdir, 'addr.sock')
    bound = net.BoundSocket({'path': path})
    assert bound.isPipe is True and bound.address() == path
    with pytest.raises(OSError) as info:
        net.BoundSocket({'path': path})
    assert (info.value.code, info.value.syscall) == ('EADDRINUSE', 'bind')
    bound.close()
    assert not os.path.exists(path)


def test_pipe_bind_errors_come_from_the_constructor(sockdir):
    """test-net-boundsocket.js: a missing parent directory -> EACCES
    (libuv's mapping of ENOENT), an over-long path -> EINVAL, both
    syscall 'bind'."""
    for path, code in ((os.path.join(sockdir, 'nope', 'child.sock'), 'EACCES'),
                       (os.path.join(sockdir, 'x' * 2000), 'EINVAL')):
        with pytest.raises(OSError) as info:
            net.BoundSocket(path=path)
        assert (info.value.code, info.value.syscall) == (code, 'bind')


def test_server_adopts_a_pipe_bind(sockdir, run_loop):
    """test-net-boundsocket.js: server.listen(bound) over a path:
    server.address() is the path, the accepted socket has no remoteFamily,
    net.connect({path}) round-trips."""
    path = os.path.join(sockdir, 'server.sock')
    bound = net.BoundSocket(path=path)
    families, received = [], []

    def on_connection(sock):
        families.append(sock.remoteFamily)
        sock.on('data', lambda data: sock.end(b'pong'))
    server = net.createServer(on_connection)

    def on_listening():
        assert server.address() == path
        client = net.connect({'path': path}, lambda: client.end(b'ping'))
        client.on('data', received.append)
        client.on('close', lambda had_error: server.close())
    server.listen(bound, on_listening)
    run_loop()
    assert families == [None] and b''.join(received) == b'pong'


def test_client_connects_from_a_bound_source_path_and_reconnects(sockdir, run_loop):
    """test-net-boundsocket.js: Socket({handle: pipeBound}).connect({path})
    connects from the bound source (the server sees it as the peer's name),
    and after 'close' connect({path}) again is still a pipe connection."""
    path = os.path.join(sockdir, 'dst.sock')
    source = os.path.join(sockdir, 'src.sock')
    peers = []

    def on_connection(sock):
        with os_view(_uv.handle_fileno(sock)) as view:
            peers.append(view.getpeername())
        sock.on('data', lambda data: sock.end(data))
    server = net.createServer(on_connection)
    client = net.Socket({'handle': net.BoundSocket(path=source)})
    echoes = []

    def first_close(had_error):
        client.connect({'path': path})
        client.once('connect', lambda: client.end(b'pong'))
        client.once('close', lambda had_error: server.close())
    server.listen(path, lambda: client.connect({'path': path}))
    client.once('connect', lambda: client.end(b'ping'))
    client.on('data', echoes.append)
    client.once('close', first_close)
    run_loop()
    assert echoes == [b'ping', b'pong']
    assert peers[0] == source and peers[1] != source


def test_a_client_from_a_bound_source_path_has_it_as_local_address(sockdir, run_loop):
    """test-net-boundsocket.js: Socket({handle: src}).connect({path: dst});
    client.localAddress === srcPath right after connect() and at 'connect'
    (a pipe client with no bound source has none: Node 20's undefined)."""
    path = os.path.join(sockdir, 'dst.sock')
    source = os.path.join(sockdir, 'src.sock')
    server = net.createServer(lambda sock: sock.end())
    client = net.Socket({'handle': net.BoundSocket(path=source)})
    plain = net.Socket()
    seen = []

    def connect_both():
        client.connect({'path': path})
        plain.connect({'path': path})
        seen.append(client.localAddress)
        client.once('connect', lambda: seen.append(client.localAddress))
        plain.once('connect', lambda: seen.append(plain.localAddress))
    server.listen(path, connect_both)
    closed = []

    def one_closed(had_error):
        closed.append(had_error)
        if len(closed) == 2:
            server.close()
    client.on('close', one_closed)
    plain.on('close', one_closed)
    client.resume()
    plain.resume()
    run_loop()
    assert sorted(seen, key=str) == sorted([source, source, None], key=str)
    assert client.address() == {}


@pytest.mark.skipif(not os.uname().sysname == 'Linux', reason='abstract names are Linux only')
def test_abstract_name_binds_without_a_file(run_loop):
    """test-net-boundsocket.js: a leading '\\0' binds in the abstract
    namespace, no file system entry; listen and connect work."""
    name = '\0pyuvnet-boundsocket.%d' % os.getpid()
    bound = net.BoundSocket(path=name)
    assert bound.address() == name
    received = []
    server = net.createServer(lambda sock: sock.on('data', lambda data: sock.end(b'pong')))

    def on_listening():
        assert not os.path.exists(name[1:])
        client = net.connect({'path': name}, lambda: client.end(b'ping'))
        client.on('data', received.append)
        client.on('close', lambda had_error: server.close())
    server.listen(bound, on_listening)
    run_loop()
    assert received == [b'pong']


# -- IPv6 -------------------------------------------------------------------------------

@needs_ipv6
def test_ipv6_binds():
    """test-net-boundsocket.js: host '::1' -> family IPv6; ipv6Only alone
    -> '::'; host '::' binds the IPv6 wildcard (dual stack)."""
    bound = net.BoundSocket(host='::1', port=0)
    assert (bound.address().address, bound.address().family) == ('::1', 'IPv6')
    bound.close()
    bound = net.BoundSocket(ipv6Only=True, port=0)
    assert (bound.address().address, bound.address().family) == ('::', 'IPv6')
    with os_view(bound.fd()) as view:
        assert view.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY) == 1
    bound.close()
    bound = net.BoundSocket(host='::')
    assert bound.address().family == 'IPv6'
    with os_view(bound.fd()) as view:
        assert view.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY) == 0
    bound.close()
