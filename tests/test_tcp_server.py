"""net.Server over TCP: listen() forms and validation, address(), close(),
getConnections(), maxConnections/'drop', server options, ref/unref and
listen errors -- as Node's net documentation and its test-net-server-*
tests describe them."""
import errno
import socket

import pytest

import pyuvnet as net
from support import ipv6_loopback_available, needs_ipv6, linux_only, os_socket
from pyuvnet import errors




# -- listen() forms ------------------------------------------------------------

def test_listen_port_host_callback_returns_server_and_calls_back_later(run_loop):
    server = net.createServer()
    seen = []
    ret = server.listen(0, '127.0.0.1', lambda *a: seen.append(('cb', a, server.address())))
    assert ret is server
    assert seen == []          # 'listening' is never emitted from listen()
    assert server.listening is True
    server.on('listening', server.close)
    run_loop()
    assert len(seen) == 1
    name, args, addr = seen[0]
    assert args == ()
    assert addr['address'] == '127.0.0.1'


def test_listen_options_dict_form(run_loop):
    server = net.createServer()
    got = []
    server.listen({'port': 0, 'host': '127.0.0.1'}, lambda: got.append(server.address()))
    server.on('listening', server.close)
    run_loop()
    assert got[0]['family'] == 'IPv4'
    assert got[0]['address'] == '127.0.0.1'
    assert 0 < got[0]['port'] < 65536


def test_listen_keyword_arguments_form(run_loop):
    server = net.createServer()
    server.listen(port=0, host='127.0.0.1')
    addr = server.address()
    assert addr == {'port': addr.port, 'family': 'IPv4', 'address': '127.0.0.1'}
    server.close()
    run_loop()


def test_listen_with_backlog_and_callback(run_loop):
    server = net.createServer()
    got = []
    server.listen(0, '127.0.0.1', 7, lambda: got.append('listening'))
    server.on('listening', server.close)
    run_loop()
    assert got == ['listening']


def test_listen_with_only_callback_binds_random_port_on_all_interfaces(run_loop):
    server = net.createServer()
    got = []
    server.listen(lambda: got.append(server.address()))
    server.on('listening', server.close)
    run_loop()
    addr = got[0]
    # Node binds '::' when IPv6 is available, else 0.0.0.0.
    if ipv6_loopback_available():
        assert addr == {'address': '::', 'family': 'IPv6', 'port': addr.port}
    else:
        assert addr == {'address': '0.0.0.0', 'family': 'IPv4', 'port': addr.port}
    assert addr.port > 0


def test_listen_without_arguments_binds_random_port_on_all_interfaces(run_loop):
    server = net.createServer()
    server.listen()
    addr = server.address()
    assert addr.port > 0
    assert addr.address in ('::', '0.0.0.0')
    server.close()
    run_loop()


def test_listen_on_all_interfaces_accepts_ipv4_loopback_clients(run_loop):
    server = net.createServer(lambda sock: sock.end('hi'))
    server.listen()
    port = server.address().port
    got = []
    client = net.connect(port, '127.0.0.1')
    client.on('data', got.append)
    client.on('close', lambda had_error: server.close())
    run_loop()
    assert b''.join(got) == b'hi'


def test_listen_port_none_means_random_port(run_loop):
    # Node: listen(null), listen({port: null}) and listen({port: undefined})
    # all bind a random port.
    servers = [net.createServer().listen(None, '127.0.0.1'),
               net.createServer().listen({'port': None, 'host': '127.0.0.1'}),
               net.createServer().listen({'port': 0, 'host': '127.0.0.1'})]
    for server in servers:
        assert server.address().port > 0
        server.close()
    run_loop()


@pytest.mark.parametrize('port', ['0', ' 0 ', '00000', '0x0', '0e1'])
def test_listen_accepts_every_port_string_node_accepts(run_loop, port):
    # Node's validatePort takes any string that is a whole number 0..65535
    # once converted with Number() (surrounding blanks, hex and exponent
    # forms included).
    server = net.createServer()
    server.listen({'port': port, 'host': '127.0.0.1'})
    assert server.address().port > 0
    server.close()
    run_loop()


@needs_ipv6
def test_listen_on_ipv6_loopback_reports_ipv6_family(run_loop):
    server = net.createServer()
    server.listen(0, '::1')
    addr = server.address()
    assert addr == {'port': addr.port, 'family': 'IPv6', 'address': '::1'}
    server.close()
    run_loop()


def test_listen_on_localhost_resolves_the_name(run_loop):
    server = net.createServer()
    got = []
    server.listen(0, 'localhost', lambda: got.append(server.address()))
    server.on('listening', server.close)
    run_loop()
    assert got[0]['address'] in ('127.0.0.1', '::1')


# -- listen() argument validation ------------------------------------------------

BAD_PORTS = [-1, 65536, 1.5, float('nan'), float('inf'), 1e100]


@pytest.mark.parametrize('port', BAD_PORTS)
def test_listen_bad_port_number_raises_err_socket_bad_port(port):
    server = net.createServer()
    with pytest.raises(errors.ERR_SOCKET_BAD_PORT) as info:
        server.listen(port, '127.0.0.1')
    assert info.value.code == 'ERR_SOCKET_BAD_PORT'
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, net.NodeError)
    assert server.listening is False


@pytest.mark.parametrize('port', BAD_PORTS + ['abc', '', ' ', '-1', '8080x', '65536'])
def test_listen_options_bad_port_raises_err_socket_bad_port(port):
    server = net.createServer()
    with pytest.raises(net.NodeError) as info:
        server.listen({'port': port, 'host': '127.0.0.1'})
    assert info.value.code == 'ERR_SOCKET_BAD_PORT'
    assert server.listening is False


@pytest.mark.parametrize('port', [True, False])
def test_listen_bool_port_is_rejected_as_invalid_options(port):
    # Node: a boolean port is neither number nor string, so listen() rejects
    # its options with ERR_INVALID_ARG_VALUE (a TypeError), never port 1/0.
    server = net.createServer()
    for call in (lambda: server.listen(port), lambda: server.listen({'port': port})):
        with pytest.raises(net.NodeError) as info:
            call()
        assert info.value.code == 'ERR_INVALID_ARG_VALUE'
        assert isinstance(info.value, TypeError)
    assert server.listening is False


def test_listen_options_without_port_or_path_is_invalid():
    server = net.createServer()
    with pytest.raises(net.NodeError) as info:
        server.listen({})
    assert info.value.code == 'ERR_INVALID_ARG_VALUE'


def test_listen_with_unknown_option_is_invalid():
    server = net.createServer()
    with pytest.raises(net.NodeError) as info:
        server.listen({'port': 0, 'host': '127.0.0.1', 'no_such_option': 1})
    assert info.value.code == 'ERR_INVALID_ARG_VALUE'


def test_bad_port_leaves_the_loop_with_nothing_to_do(run_loop):
    server = net.createServer()
    with pytest.raises(errors.ERR_SOCKET_BAD_PORT):
        server.listen(-1)
    run_loop()                 # nothing was opened, so run() returns
    assert server.listening is False


def test_second_listen_raises_err_server_already_listen(run_loop):
    server = net.createServer()
    server.listen(0, '127.0.0.1')
    with pytest.raises(errors.ERR_SERVER_ALREADY_LISTEN) as info:
        server.listen(0, '127.0.0.1')
    assert info.value.code == 'ERR_SERVER_ALREADY_LISTEN'
    assert isinstance(info.value, RuntimeError)
    assert server.listening is True
    server.close()
    run_loop()


# -- address() and listening -----------------------------------------------------

def test_address_is_a_read_only_record_equal_to_nodes_object(listening_server, run_loop):
    server, port = listening_server()
    addr = server.address()
    assert addr == {'port': port, 'family': 'IPv4', 'address': '127.0.0.1'}
    assert (addr.port, addr.family, addr.address) == (port, 'IPv4', '127.0.0.1')
    with pytest.raises(TypeError):
        addr['port'] = 1
    with pytest.raises((TypeError, AttributeError)):
        addr.port = 1
    server.close()
    run_loop()


def test_address_is_none_before_listen_and_after_close(run_loop):
    server = net.createServer()
    assert server.address() is None
    assert server.listening is False
    server.listen(0, '127.0.0.1')
    assert server.listening is True
    server.close()
    assert server.listening is False
    assert server.address() is None
    run_loop()


def test_listening_event_fires_once_and_after_listen_returns(run_loop):
    events = []
    server = net.createServer()
    server.on('listening', lambda: events.append('listening'))
    server.listen(0, '127.0.0.1')
    events.append('returned')
    server.on('listening', server.close)
    run_loop()
    assert events == ['returned', 'listening']


def test_listening_is_emitted_before_the_first_connection(listening_server, run_loop):
    events = []
    server = net.createServer(lambda sock: (events.append('connection'), sock.end()))
    server.on('listening', lambda: events.append('listening'))
    server.listen(0, '127.0.0.1')
    client = net.connect(server.address().port, '127.0.0.1')
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert events == ['listening', 'connection']


# -- close() ---------------------------------------------------------------------

def test_close_returns_server_and_callback_runs_after_close_event(listening_server, run_loop):
    server, port = listening_server()
    events = []
    server.on('close', lambda: events.append('close event'))
    ret = server.close(lambda *args: events.append(('cb', args)))
    assert ret is server
    assert events == []       # not synchronous
    run_loop()
    assert events == ['close event', ('cb', ())]


def test_close_waits_for_open_connections(listening_server, run_loop):
    events = []

    def on_connection(sock):
        events.append('connection')
        server.close(lambda *a: events.append('server closed'))
        assert server.listening is False
        sock.on('close', lambda _: events.append('server socket closed'))
        # Keep the connection open a while: the server must wait.
        net.setTimeout(lambda: (events.append('ending'), sock.end()), 50)

    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1')
    client.resume()
    client.on('end', lambda: events.append('client end'))
    run_loop()
    assert events.index('ending') < events.index('server closed')
    # Node's order (tests/test_server_close_order.py): the server's 'close'
    # before its last connection's.
    assert events.index('server closed') < events.index('server socket closed')
    assert events.count('server closed') == 1


def test_closed_server_refuses_new_connections(listening_server, run_loop):
    server, port = listening_server()
    errs = []

    def after_close(*_):
        client = net.connect(port, '127.0.0.1')
        client.on('error', errs.append)
    server.close(after_close)
    run_loop()
    assert len(errs) == 1
    assert errs[0].code == 'ECONNREFUSED'


def test_close_callback_gets_err_server_not_running_when_never_listened(run_loop):
    server = net.createServer()
    got = []
    server.on('close', lambda: got.append('close event'))
    server.close(lambda *args: got.append(args))
    assert got == []
    run_loop()
    errs = [a for a in got if isinstance(a, tuple)]
    assert len(errs) == 1 and len(errs[0]) == 1
    err = errs[0][0]
    assert isinstance(err, errors.ERR_SERVER_NOT_RUNNING)
    assert err.code == 'ERR_SERVER_NOT_RUNNING'
    assert isinstance(err, RuntimeError)


def test_second_close_callback_gets_err_server_not_running(listening_server, run_loop):
    server, port = listening_server()
    got = []
    server.close(lambda *args: got.append(('first', args)))
    server.close(lambda *args: got.append(('second', args)))
    run_loop()
    first = [args for name, args in got if name == 'first']
    second = [args for name, args in got if name == 'second']
    assert first == [()]
    assert len(second) == 1 and second[0][0].code == 'ERR_SERVER_NOT_RUNNING'


def test_listen_again_after_close(run_loop):
    server = net.createServer(lambda sock: sock.end('second life'))
    got = []
    server.listen(0, '127.0.0.1')
    first_port = server.address().port

    def relisten(*_):
        server.listen(0, '127.0.0.1', connect_to_it)

    def connect_to_it():
        client = net.connect(server.address().port, '127.0.0.1')
        client.on('data', got.append)
        client.on('close', lambda _: server.close())

    server.close(relisten)
    run_loop()
    assert b''.join(got) == b'second life'
    assert first_port > 0


def test_listen_again_on_the_same_port_after_close(run_loop):
    server = net.createServer()
    server.listen(0, '127.0.0.1')
    port = server.address().port
    got = []

    def relisten(*_):
        server.listen(port, '127.0.0.1', lambda: (got.append(server.address().port), server.close()))
    server.close(relisten)
    run_loop()
    assert got == [port]


# -- getConnections() ---------------------------------------------------------

def test_get_connections_counts_open_connections(listening_server, run_loop):
    counts = []
    accepted = []

    def on_connection(sock):
        accepted.append(sock)
        if len(accepted) == 3:
            sync = []
            server.getConnections(lambda err, n: counts.append((err, n)))
            sync.append(len(counts))
            assert sync == [0]           # callback is deferred
            for s in accepted:
                s.end()

    server, port = listening_server(on_connection)
    closed = []

    def client_closed(_):
        closed.append(1)
        if len(closed) == 3:
            net.setTimeout(lambda: server.getConnections(
                lambda err, n: (counts.append((err, n)), server.close())), 20)

    for _ in range(3):
        c = net.connect(port, '127.0.0.1')
        c.resume()
        c.on('close', client_closed)
    run_loop()
    assert counts == [(None, 3), (None, 0)]


# -- maxConnections and 'drop' ---------------------------------------------------

def test_max_connections_drops_extra_connection_with_drop_event(listening_server, run_loop):
    drops = []
    connections = []
    server, port = listening_server(connections.append)
    server.maxConnections = 1
    assert server.maxConnections == 1
    server.on('drop', drops.append)
    first = net.connect(port, '127.0.0.1')
    first.resume()
    second_ports = []
    second_events = []

    def open_second():
        second = net.connect(port, '127.0.0.1')
        second.resume()
        second.on('connect', lambda: second_ports.append(second.localPort))
        second.on('error', lambda e: second_events.append(('error', e.code)))
        second.on('close', lambda had_error: (second_events.append('close'), first.destroy(),
                                              server.close()))
    first.on('connect', open_second)
    run_loop()
    assert len(connections) == 1
    assert second_events[-1] == 'close'
    assert len(drops) == 1
    drop = drops[0]
    assert drop == {
        'localAddress': '127.0.0.1', 'localPort': port, 'localFamily': 'IPv4',
        'remoteAddress': '127.0.0.1', 'remotePort': second_ports[0], 'remoteFamily': 'IPv4',
    }
    assert drop.remotePort == second_ports[0]
    assert drop.localPort == port


def test_max_connections_zero_drops_everything(listening_server, run_loop):
    connections = []
    server, port = listening_server(connections.append)
    server.maxConnections = 0
    drops = []
    server.on('drop', drops.append)
    client = net.connect(port, '127.0.0.1')
    client.resume()
    client.on('error', lambda e: None)
    client.on('close', lambda _: server.close())
    run_loop()
    assert connections == []
    assert len(drops) == 1


def test_max_connections_rejects_bad_values():
    server = net.createServer()
    for bad in ('1', True, -1):
        with pytest.raises(net.NodeError):
            server.maxConnections = bad


# -- server options ----------------------------------------------------------------

def test_server_allow_half_open_keeps_writing_after_client_fin(listening_server, run_loop):
    server_events = []

    def on_connection(sock):
        sock.on('data', lambda d: server_events.append(d))

        def on_end():
            server_events.append('end')
            assert sock.writable
            # The client's FIN arrived; our side stays open for writing.
            net.setTimeout(lambda: sock.end(b'reply after your FIN'), 30)
        sock.on('end', on_end)

    server, port = listening_server(on_connection, allowHalfOpen=True)
    got = []
    client = net.connect(port, '127.0.0.1', lambda: client.end(b'request'))
    client.on('data', got.append)
    client.on('close', lambda _: server.close())
    run_loop()
    assert server_events == [b'request', 'end']
    assert b''.join(got) == b'reply after your FIN'


def test_server_without_allow_half_open_ends_after_client_fin(listening_server, run_loop):
    finished = []

    def on_connection(sock):
        sock.resume()
        sock.on('finish', lambda: finished.append('finish'))

    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1', lambda: client.end())
    client_events = []
    client.resume()
    client.on('end', lambda: client_events.append('end'))
    client.on('close', lambda _: (client_events.append('close'), server.close()))
    run_loop()
    assert finished == ['finish']
    assert client_events == ['end', 'close']


def test_server_allow_half_open_keyword_spellings(run_loop):
    for server in (net.createServer(allow_half_open=True),
                   net.createServer({'allowHalfOpen': True}),
                   net.createServer(allowHalfOpen=True)):
        server.listen(0, '127.0.0.1')
        server.close()
    run_loop()


def test_create_server_rejects_unknown_option():
    with pytest.raises(net.NodeError) as info:
        net.createServer({'allowHalfOpenn': True})
    assert info.value.code == 'ERR_INVALID_ARG_VALUE'


@pytest.mark.parametrize('bad', ['foo', 42])
def test_create_server_rejects_options_that_are_neither_dict_nor_function(bad):
    with pytest.raises(net.NodeError) as info:
        net.createServer(bad)
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'


def test_create_server_rejects_wrong_option_type():
    with pytest.raises(net.NodeError) as info:
        net.createServer({'allowHalfOpen': 'yes'})
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'


def test_pause_on_connect_delivers_nothing_until_resume(listening_server, run_loop):
    got = []
    state = {}

    def on_connection(sock):
        # Adding a 'data' listener does not start a paused socket flowing.
        sock.on('data', got.append)
        state['paused'] = sock.isPaused()

        def check_and_resume():
            state['before_resume'] = list(got)
            sock.resume()
        net.setTimeout(check_and_resume, 80)
        sock.on('end', lambda: server.close())

    server, port = listening_server(on_connection, pauseOnConnect=True)
    client = net.connect(port, '127.0.0.1', lambda: client.end(b'held back'))
    run_loop()
    assert state['paused'] is True
    assert state['before_resume'] == []
    assert b''.join(got) == b'held back'


@linux_only
def test_no_delay_and_keep_alive_server_options_apply_to_accepted_sockets(listening_server, run_loop):
    seen = {}

    def on_connection(sock):
        s = os_socket(sock.localPort, sock.remotePort)
        try:
            seen['nodelay'] = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            seen['keepalive'] = s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)
            seen['keepidle'] = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE)
        finally:
            s.close()
        sock.end()

    server, port = listening_server(on_connection, noDelay=True, keepAlive=True,
                                    keepAliveInitialDelay=7000)
    client = net.connect(port, '127.0.0.1')
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen['nodelay'] != 0
    assert seen['keepalive'] != 0
    assert seen['keepidle'] == 7


@linux_only
def test_accepted_sockets_have_nagle_and_no_keepalive_by_default(listening_server, run_loop):
    seen = {}

    def on_connection(sock):
        s = os_socket(sock.localPort, sock.remotePort)
        try:
            seen['nodelay'] = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            seen['keepalive'] = s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)
        finally:
            s.close()
        sock.end()

    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1')
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen == {'nodelay': 0, 'keepalive': 0}


def test_high_water_mark_option_applies_to_accepted_sockets(listening_server, run_loop):
    seen = {}

    def on_connection(sock):
        seen['hwm'] = sock.writableHighWaterMark
        seen['small'] = sock.write(b'x' * 1023)
        seen['full'] = sock.write(b'x')        # 1024 bytes buffered
        sock.end()

    server, port = listening_server(on_connection, highWaterMark=1024)
    client = net.connect(port, '127.0.0.1')
    got = []
    client.on('data', got.append)
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen == {'hwm': 1024, 'small': True, 'full': False}
    assert len(b''.join(got)) == 1024


def test_default_high_water_mark_is_64_kib(listening_server, run_loop):
    seen = []
    server, port = listening_server(lambda sock: (seen.append(sock.writableHighWaterMark), sock.end()))
    client = net.connect(port, '127.0.0.1')
    client.resume()
    seen.append(client.writableHighWaterMark)
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen == [65536, 65536]


def test_connection_socket_knows_its_server(listening_server, run_loop):
    seen = []

    def on_connection(sock):
        seen.append(sock.server is server)
        seen.append(isinstance(sock, net.Socket))
        sock.end()
    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1')
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen == [True, True]


# -- ref / unref ---------------------------------------------------------------------

def test_unrefed_server_lets_run_return(listening_server, run_loop):
    server, port = listening_server()
    assert server.unref() is server
    run_loop()                       # would time out if the server kept it alive
    assert server.listening is True
    server.close()
    run_loop()


def test_unref_before_listen_applies_when_listening(run_loop):
    server = net.createServer()
    server.unref()
    server.listen(0, '127.0.0.1')
    run_loop()
    assert server.listening is True
    server.close()
    run_loop()


def test_ref_after_unref_keeps_the_loop_alive(listening_server, run_loop):
    server, port = listening_server()
    server.unref()
    assert server.ref() is server
    closed = []
    # Only this unref'd timer can end it: the loop must still be running.
    t = net.setTimeout(lambda: server.close(lambda *a: closed.append(True)), 50)
    t.unref()
    run_loop()
    assert closed == [True]


def test_unrefed_server_still_accepts_while_something_else_runs(listening_server, run_loop):
    got = []
    server, port = listening_server(lambda sock: sock.end(b'still here'))
    server.unref()
    client = net.connect(port, '127.0.0.1')
    client.on('data', got.append)
    run_loop()
    assert b''.join(got) == b'still here'
    server.close()
    run_loop()


# -- listen errors --------------------------------------------------------------------

def test_eaddrinuse_is_an_error_event_not_an_exception(listening_server, run_loop):
    first, port = listening_server()
    second = net.createServer()
    errs = []
    listening = []
    second.on('error', lambda err: (errs.append(err), first.close()))
    second.on('listening', lambda: listening.append(True))
    ret = second.listen(port, '127.0.0.1')     # must not raise
    assert ret is second
    assert errs == []                          # and not emitted synchronously
    run_loop()
    assert listening == []
    assert len(errs) == 1
    err = errs[0]
    assert isinstance(err, OSError)
    assert err.code == 'EADDRINUSE'
    assert err.errno == errno.EADDRINUSE
    assert err.syscall == 'listen'
    assert err.address == '127.0.0.1'
    assert err.port == port
    assert str(err) == 'listen EADDRINUSE: address already in use 127.0.0.1:%d' % port
    assert second.listening is False


def test_server_can_listen_elsewhere_after_eaddrinuse(listening_server, run_loop):
    first, port = listening_server()
    second = net.createServer()
    got = []

    def retry(err):
        second.listen(0, '127.0.0.1', lambda: (got.append(second.address().port),
                                               second.close(), first.close()))
    second.once('error', retry)
    second.listen(port, '127.0.0.1')
    run_loop()
    assert len(got) == 1 and got[0] != port


def test_server_error_without_listener_is_raised_from_run(listening_server, run_loop):
    first, port = listening_server()
    second = net.createServer()
    second.listen(port, '127.0.0.1')
    with pytest.raises(OSError) as info:
        run_loop()
    assert info.value.code == 'EADDRINUSE'
    first.close()
    run_loop()


# -- more listen options ------------------------------------------------------------

def test_closing_a_connection_makes_room_under_max_connections(listening_server, run_loop):
    connections = []
    drops = []

    def on_connection(sock):
        connections.append(sock)
        sock.resume()
        if len(connections) == 1:
            sock.end()                 # frees the only slot
        else:
            sock.end()
            server.close()
    server, port = listening_server(on_connection)
    server.maxConnections = 1
    server.on('drop', drops.append)
    first = net.connect(port, '127.0.0.1')
    first.resume()

    def second(_):
        # The server side of the first connection closed too by now?  Give
        # it a moment, then a new connection must be accepted.
        net.setTimeout(lambda: net.connect(port, '127.0.0.1').resume(), 30)
    first.on('close', second)
    run_loop()
    assert len(connections) == 2
    assert drops == []


def test_get_connections_returns_the_server(listening_server, run_loop):
    server, port = listening_server()
    assert server.getConnections(lambda err, n: None) is server
    server.close()
    run_loop()


def test_backlog_in_listen_options(run_loop):
    server = net.createServer()
    got = []
    server.listen({'port': 0, 'host': '127.0.0.1', 'backlog': 5}, lambda: got.append(True))
    server.on('listening', server.close)
    run_loop()
    assert got == [True]


@needs_ipv6
def test_ipv6_only_refuses_ipv4_clients(run_loop):
    server = net.createServer(lambda sock: sock.end())
    server.listen({'port': 0, 'host': '::', 'ipv6Only': True})
    port = server.address().port
    log = []
    v4 = net.connect(port, '127.0.0.1')
    v4.on('error', lambda err: log.append(('v4', err.code)))

    def try_v6(_):
        v6 = net.connect(port, '::1')
        v6.on('connect', lambda: log.append(('v6', 'connect')))
        v6.resume()
        v6.on('close', lambda _: server.close())
    v4.on('close', try_v6)
    run_loop()
    assert log == [('v4', 'ECONNREFUSED'), ('v6', 'connect')]


def test_abort_signal_closes_a_listening_server(run_loop):
    ac = net.AbortController()
    server = net.createServer()
    log = []
    server.on('close', lambda: log.append(('close', server.listening)))

    def on_listening():
        ac.abort()
        log.append(('after abort', server.listening))
    server.listen({'port': 0, 'host': '127.0.0.1', 'signal': ac.signal}, on_listening)
    run_loop()
    assert log == [('after abort', False), ('close', False)]


def test_already_aborted_signal_leaves_the_server_closed(run_loop):
    server = net.createServer()
    closes = []
    server.on('close', lambda: closes.append(True))
    server.listen({'port': 0, 'host': '127.0.0.1', 'signal': net.AbortSignal.abort()})
    run_loop()
    assert server.listening is False
    assert closes == [True]


def test_abort_signal_destroys_a_socket_with_abort_error(listening_server, run_loop):
    server, port = listening_server(lambda sock: sock.resume())
    ac = net.AbortController()
    log = []
    client = net.connect({'port': port, 'host': '127.0.0.1', 'signal': ac.signal}, ac.abort)
    client.on('error', lambda err: log.append(('error', type(err).__name__, err.code)))
    client.on('close', lambda had_error: (log.append(('close', had_error)), server.close()))
    run_loop()
    assert log == [('error', 'AbortError', 'ABORT_ERR'), ('close', True)]
