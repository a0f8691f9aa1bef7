"""net.Server over TCP and its connections: getConnections(),
maxConnections and 'drop', and the server options (allowHalfOpen,
pauseOnConnect, noDelay, keepAlive, highWaterMark; what createServer()
refuses) as the accepted sockets see them -- as Node's net documentation
and its test-net-server-* tests describe them."""
import socket

import pytest

import pyuvnet as net
from support import linux_only, os_socket


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


def test_get_connections_returns_the_server(listening_server, run_loop):
    server, port = listening_server()
    assert server.getConnections(lambda err, n: None) is server
    server.close()
    run_loop()


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

    # Node 20 (createServer({highWaterMark: 1024})): [1024, true, true, 0]
    # uncorked (the kernel takes each write), then corked true, false, 1024.
    def on_connection(sock):
        seen['hwm'] = sock.writableHighWaterMark
        seen['uncorked'] = (sock.write(b'x' * 1023), sock.write(b'x'))
        sock.cork()
        seen['small'] = sock.write(b'x' * 1023)
        seen['full'] = sock.write(b'x')        # 1024 bytes held
        seen['length'] = sock.writableLength
        sock.end()

    server, port = listening_server(on_connection, highWaterMark=1024)
    client = net.connect(port, '127.0.0.1')
    got = []
    client.on('data', got.append)
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen == {'hwm': 1024, 'uncorked': (True, True), 'small': True, 'full': False,
                    'length': 1024}
    assert len(b''.join(got)) == 2048


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
