"""net.Socket over TCP, its settings: setNoDelay() and setKeepAlive() (down
to the OS socket) and their connect options, and setTimeout(): its checks,
the 'timeout' event (once per idle period, reset by reads and writes, never
closing the socket, never keeping the loop alive), the timeout connect
option, and a destroyed socket's timeout freed without the cyclic GC."""
import socket

import pytest

import pyuvnet as net
from support import linux_only, os_socket


# -- options and setters ----------------------------------------------------------

def test_set_no_delay_and_set_keep_alive_return_the_socket(listening_server, run_loop):
    server, port = listening_server(lambda sock: sock.end())
    client = net.Socket()
    assert client.setNoDelay() is client
    assert client.setKeepAlive(True, 1000) is client
    assert client.set_no_delay(False) is client
    client.connect(port, '127.0.0.1')

    def on_connect():
        assert client.setNoDelay(True) is client
        assert client.setKeepAlive(False) is client
        assert client.setKeepAlive(True) is client
    client.on('connect', on_connect)
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()


@linux_only
def test_set_no_delay_and_set_keep_alive_reach_the_os_socket(listening_server, run_loop):
    seen = {}
    server, port = listening_server(lambda sock: sock.resume())
    client = net.connect(port, '127.0.0.1')

    def opts():
        s = os_socket(client.localPort, port)
        try:
            return (s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0,
                    s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) != 0,
                    s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE))
        finally:
            s.close()

    def on_connect():
        seen['default'] = opts()[:2]
        client.setNoDelay()                   # no argument: enable
        client.setKeepAlive(True, 12000)      # ms -> whole seconds
        seen['on'] = opts()
        client.setNoDelay(False)
        client.setKeepAlive(False)
        seen['off'] = opts()[:2]
        client.end()
    client.on('connect', on_connect)
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen['default'] == (False, False)
    assert seen['on'] == (True, True, 12)
    assert seen['off'] == (False, False)


@linux_only
def test_no_delay_and_keep_alive_connect_options(listening_server, run_loop):
    seen = {}
    server, port = listening_server(lambda sock: sock.resume())
    client = net.connect({'port': port, 'host': '127.0.0.1', 'noDelay': True, 'keepAlive': True,
                          'keepAliveInitialDelay': 3000})

    def on_connect():
        s = os_socket(client.localPort, port)
        try:
            seen['opts'] = (s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0,
                            s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) != 0,
                            s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE))
        finally:
            s.close()
        client.end()
    client.on('connect', on_connect)
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen['opts'] == (True, True, 3)


# -- setTimeout ----------------------------------------------------------------------

def test_timeout_property():
    sock = net.Socket()
    assert sock.timeout is None
    assert sock.setTimeout(100) is sock
    assert sock.timeout == 100
    sock.setTimeout(0)
    assert sock.timeout == 0


@pytest.mark.parametrize('bad, code', [(-1, 'ERR_OUT_OF_RANGE'), (float('nan'), 'ERR_OUT_OF_RANGE'),
                                       (float('inf'), 'ERR_OUT_OF_RANGE'),
                                       ('100', 'ERR_INVALID_ARG_TYPE'), (True, 'ERR_INVALID_ARG_TYPE')])
def test_set_timeout_validates_msecs(bad, code):
    with pytest.raises(net.NodeError) as info:
        net.Socket().setTimeout(bad)
    assert info.value.code == code


def test_set_timeout_validates_callback():
    with pytest.raises(net.NodeError) as info:
        net.Socket().setTimeout(10, 'not a function')
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'


def test_a_destroyed_socket_with_a_timeout_is_freed_without_the_cyclic_gc(
        listening_server, run_loop):
    """The idle timeout holds its socket, which holds it: destroy() lets
    go, so the socket is freed by reference counts (a server's keep-alive
    connections all have one), and setTimeout() on it stays a no-op."""
    import gc
    import weakref
    refs = []

    def on_connection(sock):
        sock.setTimeout(5000)
        refs.append(weakref.ref(sock))     # it ends and closes when the client does
    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1', lambda: client.end())
    client.on('close', lambda _: server.close())
    gc.collect()
    gc.disable()
    try:
        run_loop()
        assert len(refs) == 1 and refs[0]() is None
    finally:
        gc.enable()
    destroyed = net.Socket()
    destroyed.setTimeout(100)
    destroyed.destroy()
    assert destroyed.setTimeout(50) is destroyed and destroyed.timeout == 100


def test_timeout_event_does_not_close_the_socket(listening_server, run_loop):
    got = []
    events = []
    server, port = listening_server(lambda sock: sock.on('data', got.append))
    client = net.connect(port, '127.0.0.1')

    def on_timeout():
        events.append(('timeout', client.destroyed, client.writable))
        # Still usable: the peer must receive this.
        client.end(b'after timeout')
    client.setTimeout(50)
    client.on('timeout', on_timeout)
    client.resume()
    client.on('close', lambda had_error: (events.append(('close', had_error)), server.close()))
    run_loop()
    assert events == [('timeout', False, True), ('close', False)]
    assert b''.join(got) == b'after timeout'


def test_timeout_fires_once_per_idle_period(listening_server, run_loop):
    server, port = listening_server(lambda sock: sock.resume())
    client = net.connect(port, '127.0.0.1')
    timeouts = []
    client.setTimeout(30, lambda: timeouts.append(net.get_loop().now()))
    # Idle for well over three periods: Node emits 'timeout' once, not again
    # until there is activity.
    net.setTimeout(lambda: (client.destroy(), server.close()), 200)
    client.resume()
    run_loop()
    assert len(timeouts) == 1


def test_timeout_is_reset_by_incoming_data(listening_server, run_loop):
    loop = net.get_loop()
    marks = {'last_data': None, 'timeouts': []}

    def on_connection(sock):
        # Send something every 25 ms, 8 times, then stay quiet.
        count = [0]

        def tick():
            count[0] += 1
            sock.write(b'.')
            if count[0] == 8:
                net.clearInterval(handle)
        handle = net.setInterval(tick, 25)
        sock.resume()

    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1')
    client.on('data', lambda d: marks.__setitem__('last_data', loop.now()))

    def on_timeout():
        marks['timeouts'].append(loop.now())
        client.destroy()
        server.close()
    client.setTimeout(80)
    client.on('timeout', on_timeout)
    run_loop()
    # 8 chunks 25 ms apart (175 ms in all) with an 80 ms timeout: only the
    # quiet period after the last chunk may time out.
    assert len(marks['timeouts']) == 1
    assert marks['last_data'] is not None
    assert marks['timeouts'][0] - marks['last_data'] >= 79


def test_timeout_is_reset_by_writes(listening_server, run_loop):
    loop = net.get_loop()
    server, port = listening_server(lambda sock: sock.resume())
    client = net.connect(port, '127.0.0.1')
    marks = {'last_write': None, 'timeouts': []}

    def on_connect():
        count = [0]

        def tick():
            count[0] += 1
            client.write(b'.')
            marks['last_write'] = loop.now()
            if count[0] == 8:
                net.clearInterval(handle)
        handle = net.setInterval(tick, 25)
    client.on('connect', on_connect)

    def on_timeout():
        marks['timeouts'].append(loop.now())
        client.destroy()
        server.close()
    client.setTimeout(80, on_timeout)
    run_loop()
    assert len(marks['timeouts']) == 1
    assert marks['timeouts'][0] - marks['last_write'] >= 79


def test_set_timeout_zero_disables(listening_server, run_loop):
    server, port = listening_server(lambda sock: sock.resume())
    client = net.connect(port, '127.0.0.1')
    timeouts = []
    client.on('timeout', lambda: timeouts.append(1))
    client.setTimeout(20)
    client.setTimeout(0)
    net.setTimeout(lambda: (client.destroy(), server.close()), 100)
    run_loop()
    assert timeouts == []


def test_timeout_connect_option(listening_server, run_loop):
    server, port = listening_server(lambda sock: sock.resume())
    client = net.connect({'port': port, 'host': '127.0.0.1', 'timeout': 30})
    events = []
    client.on('timeout', lambda: (events.append('timeout'), client.destroy()))
    client.on('close', lambda _: server.close())
    run_loop()
    assert client.timeout == 30
    assert events == ['timeout']


def test_socket_timeout_does_not_keep_the_loop_alive(listening_server, run_loop):
    server, port = listening_server(lambda sock: sock.end())
    client = net.connect(port, '127.0.0.1')
    client.setTimeout(60000)
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()                     # would fail if the 60 s timer held the loop
