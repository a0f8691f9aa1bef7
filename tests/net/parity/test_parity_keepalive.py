"""Keep-alive, noDelay and the Type of Service byte, as Node sets them.

Node 20 was checked with strace; the interval/count/options-object forms
and typeOfService are newer than Node 20 and follow the newest
doc/api/net.md (see each test).
"""
import contextlib
import socket
import warnings

import pytest

import pyuvnet as net
from support import linux_only, needs_ipv6, os_socket

SYSTEM_IDLE = 7200      # Linux's default TCP_KEEPIDLE (net.ipv4.tcp_keepalive_time)


def _system_keepalive():
    with socket.socket() as s:
        return (s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
                s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL),
                s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT))


def options_after(listening_server, run_loop, act, client_options=None):
    """Connect a client (with ``client_options``), run ``act(client)`` on
    'connect', and return the OS socket's keep-alive, nodelay and TOS
    settings then: (keepalive, idle, interval, count, nodelay, tos)."""
    seen = {}
    server, port = listening_server(lambda sock: sock.resume())
    options = {'port': port, 'host': '127.0.0.1'}
    options.update(client_options or {})
    client = net.connect(options)

    def on_connect():
        act(client)
        s = os_socket(client.localPort, port)
        try:
            seen['opts'] = (
                s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) != 0,
                s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
                s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL),
                s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT),
                s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0,
                s.getsockopt(socket.IPPROTO_IP, socket.IP_TOS))
        finally:
            s.close()
        client.end()
    client.on('connect', on_connect)
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    return seen['opts']


@linux_only
@pytest.mark.parametrize('args', [(True,), (True, 0), (True, 500), (True, -5), (True, 1e300),
                                  (True, 10 ** 400), (True, float('inf')),
                                  (True, float('nan'))])
def test_keep_alive_without_a_whole_second_delay_leaves_the_idle_time(
        listening_server, run_loop, args):
    """Node 20, strace -f -e trace=setsockopt, for s.setKeepAlive(...args):
    (true), (true, 500), (true, -5), (true, 1e300) each set SO_KEEPALIVE=1
    and try TCP_KEEPIDLE=0, which Linux refuses (EINVAL): the system's idle
    time stays.  A huge, infinite or NaN delay never raises (Node computes
    ~~(ms / 1000))."""
    idle, _, _ = _system_keepalive()
    warns = len(args) > 1 and 0 < args[1] < 1000
    with pytest.warns(net.KeepAliveWarning) if warns else contextlib.nullcontext():
        opts = options_after(listening_server, run_loop, lambda c: c.setKeepAlive(*args))
    assert opts[:2] == (True, idle)


@linux_only
def test_keep_alive_delay_counts_in_whole_seconds_rounded_down(listening_server, run_loop):
    """Node 20: s.setKeepAlive(true, 2500.7) sets SO_KEEPALIVE=1,
    TCP_KEEPIDLE=2, TCP_KEEPINTVL=1, TCP_KEEPCNT=10 (strace)."""
    opts = options_after(listening_server, run_loop, lambda c: c.setKeepAlive(True, 2500.7))
    assert opts[:4] == (True, 2, 1, 10)


@linux_only
def test_keep_alive_interval_and_count(listening_server, run_loop):
    """Newest doc/api/net.md: setKeepAlive(enable, initialDelay, interval,
    count) sets TCP_KEEPIDLE=initialDelay/1000, TCP_KEEPINTVL=interval/1000,
    TCP_KEEPCNT=count."""
    opts = options_after(listening_server, run_loop, lambda c: c.setKeepAlive(True, 3000, 4000, 5))
    assert opts[:4] == (True, 3, 4, 5)


@linux_only
def test_keep_alive_options_object(listening_server, run_loop):
    """Newest doc/api/net.md: socket.setKeepAlive({ enable: true,
    initialDelay: 1000, interval: 1000, count: 10 })."""
    opts = options_after(listening_server, run_loop, lambda c: c.setKeepAlive(
        {'enable': True, 'initialDelay': 6000, 'interval': 2000, 'count': 3}))
    assert opts[:4] == (True, 6, 2, 3)


@linux_only
def test_keep_alive_non_positive_interval_or_count_leaves_the_system_value(
        listening_server, run_loop):
    """Newest doc/api/net.md: "a non-positive interval or count leaves the
    corresponding system default unchanged"."""
    _, interval, count = _system_keepalive()
    opts = options_after(listening_server, run_loop, lambda c: c.setKeepAlive(True, 3000, 0, -1))
    assert opts[:4] == (True, 3, interval, count)


@pytest.mark.parametrize('count', [float('nan'), float('inf'), -1, 10 ** 400])
def test_odd_keep_alive_counts_never_raise(count):
    sock = net.Socket()
    assert sock.setKeepAlive(True, 2000, 1000, count) is sock
    sock.destroy()


def test_a_positive_delay_below_a_second_warns():
    """Newest doc/api/net.md: a positive initialDelay or interval below
    1000 rounds down to 0 and "a KeepAliveWarning process warning is
    emitted"."""
    sock = net.Socket()
    with pytest.warns(net.KeepAliveWarning, match='initialDelay'):
        sock.setKeepAlive(True, 500)
    with pytest.warns(net.KeepAliveWarning, match='interval'):
        sock.setKeepAlive(True, 2000, 999)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        sock.setKeepAlive(True, 0)
        sock.setKeepAlive(True, -5)
    sock.destroy()


@linux_only
@pytest.mark.parametrize('value, on', [(1, True), ('true', True), (0, False), ('', False)])
def test_no_delay_and_keep_alive_options_are_taken_for_their_truth(
        listening_server, run_loop, value, on):
    """Node 20: net.connect({port, noDelay: 1}) and {keepAlive: 'true'} turn
    them on (strace shows TCP_NODELAY=1, SO_KEEPALIVE=1); {keepAlive: 0,
    noDelay: ''} sets neither."""
    opts = options_after(listening_server, run_loop, lambda c: None,
                         {'noDelay': value, 'keepAlive': value})
    assert (opts[0], opts[4]) == (on, on)


def test_server_no_delay_and_keep_alive_options_are_taken_for_their_truth():
    """Node 20: net.createServer({noDelay: 1}).noDelay === true,
    net.createServer({keepAlive: 'true'}).keepAlive === true."""
    net.createServer({'noDelay': 1, 'keepAlive': 'true'})
    net.createServer({'noDelay': '', 'keepAlive': 0})


@linux_only
def test_huge_keep_alive_initial_delay_option_is_no_error_at_connect(listening_server, run_loop):
    """Node 20: net.connect({port, keepAlive: true, keepAliveInitialDelay:
    1e300}) connects; strace: SO_KEEPALIVE=1, TCP_KEEPIDLE=0 (refused)."""
    idle, _, _ = _system_keepalive()
    opts = options_after(listening_server, run_loop, lambda c: None,
                         {'keepAlive': True, 'keepAliveInitialDelay': 1e300})
    assert opts[:2] == (True, idle)


# -- Type of Service --------------------------------------------------------------

@linux_only
def test_type_of_service_set_before_connect_is_applied_at_connect(listening_server, run_loop):
    """Newest doc/api/net.md: "setTypeOfService() may be called before the
    socket is connected; the value will be cached and applied when the
    socket establishes a connection. getTypeOfService() will return the
    currently set value even before connection"."""
    sock = net.Socket()
    assert sock.setTypeOfService(0x10) is sock
    assert sock.getTypeOfService() == 0x10
    seen = []
    server, port = listening_server(lambda s: s.resume())
    sock.connect(port, '127.0.0.1', lambda: (seen.append(sock.getTypeOfService()), sock.end()))
    sock.resume()
    sock.on('close', lambda _: server.close())
    run_loop()
    assert seen == [0x10]


@linux_only
def test_type_of_service_option_and_setter_reach_the_os_socket(listening_server, run_loop):
    """Newest doc/api/net.md: new net.Socket({typeOfService}) sets "the
    initial Type of Service (TOS) value"; setTypeOfService(tos) changes it
    (IP_TOS for IPv4)."""
    opts = options_after(listening_server, run_loop, lambda c: None, {'typeOfService': 0x08})
    assert opts[5] == 0x08
    opts = options_after(listening_server, run_loop, lambda c: c.set_type_of_service(0x10))
    assert opts[5] == 0x10


@linux_only
@needs_ipv6
def test_type_of_service_of_an_ipv6_socket_is_its_traffic_class(run_loop):
    """Newest doc/api/net.md: "the Traffic Class for IPv6 packets"
    (IPV6_TCLASS)."""
    server = net.createServer(lambda sock: sock.resume())
    server.listen(0, '::1')
    port = server.address().port
    seen = {}
    client = net.connect({'port': port, 'host': '::1', 'typeOfService': 0x20})

    def on_connect():
        s = os_socket(client.localPort, port)
        try:
            seen['tclass'] = s.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS)
        finally:
            s.close()
        seen['get'] = client.getTypeOfService()
        client.end()
    client.on('connect', on_connect)
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen == {'tclass': 0x20, 'get': 0x20}


@pytest.mark.parametrize('bad, code', [(256, 'ERR_OUT_OF_RANGE'), (-1, 'ERR_OUT_OF_RANGE'),
                                       (1.5, 'ERR_OUT_OF_RANGE'), ('16', 'ERR_INVALID_ARG_TYPE'),
                                       (True, 'ERR_INVALID_ARG_TYPE'),
                                       (10 ** 400, 'ERR_OUT_OF_RANGE'),
                                       (float('nan'), 'ERR_INVALID_ARG_TYPE')])
def test_type_of_service_is_an_integer_from_0_to_255(bad, code):
    """Newest doc/api/net.md: `tos` {integer} The TOS value to set (0-255).
    Node's test/parallel/test-net-socket-tos.js: 'invalid' and NaN are
    ERR_INVALID_ARG_TYPE (NaN is checked before the range), 256 and -1
    ERR_OUT_OF_RANGE."""
    with pytest.raises(net.NodeError) as info:
        net.Socket().setTypeOfService(bad)
    assert info.value.code == code
