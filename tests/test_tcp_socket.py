"""net.Socket over TCP: connect() forms and validation, name resolution,
local binding, addresses, state properties, timeouts, options, byte
counters and ref/unref."""
import socket

import pytest

import pyuvnet as net
from support import needs_ipv6, linux_only, os_socket
from pyuvnet import errors




def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def greeting_server(listening_server, text=b'hello', **options):
    """A server that sends ``text`` and ends every connection."""
    return listening_server(lambda sock: sock.end(text), **options)


# -- connect() forms ------------------------------------------------------------

def _check_form(listening_server, run_loop, make_client):
    server, port = greeting_server(listening_server)
    events = []
    client = make_client(port, lambda *args: events.append(('connect cb', args)))
    assert isinstance(client, net.Socket)
    assert events == []                      # 'connect' is never synchronous
    assert client.connecting is True
    got = []
    client.on('data', got.append)
    client.on('close', lambda _: server.close())
    run_loop()
    assert events == [('connect cb', ())]
    assert b''.join(got) == b'hello'


def test_connect_port_host_listener_form(listening_server, run_loop):
    _check_form(listening_server, run_loop, lambda port, cb: net.connect(port, '127.0.0.1', cb))


def test_create_connection_options_form(listening_server, run_loop):
    _check_form(listening_server, run_loop,
                lambda port, cb: net.createConnection({'port': port, 'host': '127.0.0.1'}, cb))


def test_socket_connect_method_returns_the_socket(listening_server, run_loop):
    def make(port, cb):
        sock = net.Socket()
        assert sock.connect(port, '127.0.0.1', cb) is sock
        return sock
    _check_form(listening_server, run_loop, make)


def test_socket_connect_options_form(listening_server, run_loop):
    _check_form(listening_server, run_loop,
                lambda port, cb: net.Socket().connect({'port': port, 'host': '127.0.0.1'}, cb))


def test_connect_keyword_arguments_form(listening_server, run_loop):
    def make(port, cb):
        client = net.connect(port=port, host='127.0.0.1')
        client.on('connect', cb)
        return client
    _check_form(listening_server, run_loop, make)


def test_connect_port_as_string(listening_server, run_loop):
    _check_form(listening_server, run_loop, lambda port, cb: net.connect(str(port), '127.0.0.1', cb))


def test_snake_case_create_connection(listening_server, run_loop):
    _check_form(listening_server, run_loop,
                lambda port, cb: net.create_connection({'port': port, 'host': '127.0.0.1'}, cb))


def test_connect_without_host_uses_localhost(listening_server, run_loop):
    server, port = greeting_server(listening_server)
    got = []
    client = net.connect(port)
    client.on('data', got.append)
    client.on('close', lambda _: server.close())
    run_loop()
    assert b''.join(got) == b'hello'


def test_connect_to_localhost_resolves_and_emits_lookup(run_loop):
    server = net.createServer(lambda sock: sock.end(b'hello'))
    events = []

    def on_listening():
        # A host name is resolved first: address() is known only now.
        client = net.connect(server.address().port, 'localhost')
        client.on('lookup', lambda *args: events.append(('lookup',) + args))
        client.on('connect', lambda: events.append('connect'))
        client.resume()
        client.on('close', lambda _: server.close())
    server.listen(0, 'localhost', on_listening)
    run_loop()
    lookup = events[0]
    assert lookup[0] == 'lookup'
    err, address, family, host = lookup[1:]
    assert err is None
    assert address in ('127.0.0.1', '::1')
    assert family in (4, 6)
    assert family == (6 if ':' in address else 4)
    assert host == 'localhost'
    assert events[1] == 'connect'


def test_connect_to_an_ip_emits_no_lookup(listening_server, run_loop):
    server, port = greeting_server(listening_server)
    lookups = []
    client = net.connect(port, '127.0.0.1')
    client.on('lookup', lambda *a: lookups.append(a))
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert lookups == []


# -- connect() argument validation -------------------------------------------------

@pytest.mark.parametrize('port', [-1, 65536, 1.5, float('nan'), float('inf'), 1e100])
def test_connect_bad_port_raises_err_socket_bad_port(port):
    with pytest.raises(errors.ERR_SOCKET_BAD_PORT) as info:
        net.connect(port, '127.0.0.1')
    assert info.value.code == 'ERR_SOCKET_BAD_PORT'
    assert isinstance(info.value, ValueError)
    with pytest.raises(errors.ERR_SOCKET_BAD_PORT):
        net.createConnection({'port': port, 'host': '127.0.0.1'})


@pytest.mark.parametrize('port', ['abc', '', ' ', '-1', '65536', '8080x'])
def test_connect_bad_port_string_in_options_raises_err_socket_bad_port(port):
    with pytest.raises(net.NodeError) as info:
        net.createConnection({'port': port, 'host': '127.0.0.1'})
    assert info.value.code == 'ERR_SOCKET_BAD_PORT'


@pytest.mark.parametrize('port', [True, False])
def test_connect_bool_port_is_a_type_error(port):
    # Node: options.port must be a number or a string (ERR_INVALID_ARG_TYPE).
    with pytest.raises(net.NodeError) as info:
        net.createConnection({'port': port, 'host': '127.0.0.1'})
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'
    assert isinstance(info.value, TypeError)


def test_connect_without_port_or_path_raises_err_missing_args():
    for call in (lambda: net.connect(), lambda: net.connect({}), lambda: net.Socket().connect({})):
        with pytest.raises(net.NodeError) as info:
            call()
        assert info.value.code == 'ERR_MISSING_ARGS'
        assert isinstance(info.value, TypeError)


def test_connect_bad_local_address_raises_err_invalid_ip_address():
    with pytest.raises(net.NodeError) as info:
        net.connect({'port': 80, 'host': '127.0.0.1', 'localAddress': 'not-an-ip'})
    assert info.value.code == 'ERR_INVALID_IP_ADDRESS'


def test_connect_unknown_option_raises_err_invalid_arg_value():
    with pytest.raises(net.NodeError) as info:
        net.connect({'port': 80, 'host': '127.0.0.1', 'bogus': 1})
    assert info.value.code == 'ERR_INVALID_ARG_VALUE'


def test_a_failed_argument_check_leaves_nothing_running(run_loop):
    with pytest.raises(errors.ERR_SOCKET_BAD_PORT):
        net.connect(-1, '127.0.0.1')
    run_loop()


# -- local binding -------------------------------------------------------------------

def test_local_address_and_local_port_options_bind_the_client(listening_server, run_loop):
    seen = {}
    server, port = listening_server(lambda sock: (seen.update(peer=(sock.remoteAddress, sock.remotePort)),
                                                  sock.end()))
    local_port = free_port()
    client = net.connect({'port': port, 'host': '127.0.0.1', 'localAddress': '127.0.0.1',
                          'localPort': local_port})
    client.on('connect', lambda: seen.update(local=(client.localAddress, client.localPort)))
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen['local'] == ('127.0.0.1', local_port)
    assert seen['peer'] == ('127.0.0.1', local_port)


def test_local_address_option_alone(listening_server, run_loop):
    seen = {}
    server, port = listening_server(lambda sock: (seen.update(peer=sock.remoteAddress), sock.end()))
    client = net.connect({'port': port, 'host': '127.0.0.1', 'localAddress': '127.0.0.1'})
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen['peer'] == '127.0.0.1'


# -- addresses -----------------------------------------------------------------------

def test_addresses_and_families_on_both_ends(listening_server, run_loop):
    seen = {}

    def on_connection(sock):
        seen['server'] = dict(remoteAddress=sock.remoteAddress, remotePort=sock.remotePort,
                              remoteFamily=sock.remoteFamily, localAddress=sock.localAddress,
                              localPort=sock.localPort, localFamily=sock.localFamily,
                              address=sock.address())
        sock.end()

    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1')

    def on_connect():
        seen['client'] = dict(remoteAddress=client.remoteAddress, remotePort=client.remotePort,
                              remoteFamily=client.remoteFamily, localAddress=client.localAddress,
                              localPort=client.localPort, localFamily=client.localFamily,
                              address=client.address())
    client.on('connect', on_connect)
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    c, s = seen['client'], seen['server']
    assert c['remoteAddress'] == '127.0.0.1' and c['remoteFamily'] == 'IPv4'
    assert c['remotePort'] == port
    assert c['localAddress'] == '127.0.0.1' and c['localFamily'] == 'IPv4'
    assert s['localPort'] == port
    assert s['remotePort'] == c['localPort']
    assert c['remotePort'] == s['localPort']
    assert c['address'] == {'address': '127.0.0.1', 'family': 'IPv4', 'port': c['localPort']}
    assert c['address'].port == c['localPort']
    assert s['address'] == {'address': '127.0.0.1', 'family': 'IPv4', 'port': port}


@needs_ipv6
def test_ipv6_loopback_addresses_and_families(listening_server, run_loop):
    seen = {}
    server, port = listening_server(
        lambda sock: (seen.update(server=(sock.remoteAddress, sock.remoteFamily, sock.remotePort)),
                      sock.end()),
        host='::1')
    client = net.connect(port, '::1')
    client.on('connect', lambda: seen.update(client=(client.localAddress, client.localFamily,
                                                     client.localPort, client.remoteFamily)))
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen['client'][0] == '::1' and seen['client'][1] == 'IPv6'
    assert seen['client'][3] == 'IPv6'
    assert seen['server'] == ('::1', 'IPv6', seen['client'][2])


def test_unconnected_socket_has_no_addresses():
    sock = net.Socket()
    assert sock.remoteAddress is None
    assert sock.remotePort is None
    assert sock.remoteFamily is None
    assert sock.localAddress is None
    assert sock.localPort is None
    assert sock.address() == {}


# -- state properties -----------------------------------------------------------

def test_connecting_pending_ready_state_transitions(listening_server, run_loop):
    states = []

    def snap(label, s):
        states.append((label, s.connecting, s.pending, s.readyState, s.destroyed))

    def on_connection(sock):
        snap('server new', sock)
        sock.resume()
        sock.on('end', lambda: (snap('server end', sock), sock.end()))
    server, port = listening_server(on_connection, allowHalfOpen=True)
    client = net.Socket()
    assert client.connecting is False
    assert client.pending is True
    assert client.destroyed is False
    client.connect(port, '127.0.0.1')
    snap('client connecting', client)

    def on_connect():
        snap('client connect', client)
        client.end()
        snap('client after end', client)
    client.on('connect', on_connect)
    client.resume()
    client.on('close', lambda _: (snap('client close', client), server.close()))
    run_loop()
    d = {label: rest for label, *rest in states}
    assert d['client connecting'] == [True, True, 'opening', False]
    assert d['client connect'] == [False, False, 'open', False]
    assert d['client after end'] == [False, False, 'readOnly', False]
    assert d['server new'] == [False, False, 'open', False]
    # allowHalfOpen: after the peer's FIN the server side can still write.
    assert d['server end'] == [False, False, 'writeOnly', False]
    assert d['client close'][2:] == ['closed', True]


def test_destroyed_is_set_at_once_close_follows_later(listening_server, run_loop):
    server, port = listening_server()
    events = []
    client = net.connect(port, '127.0.0.1')

    def on_connect():
        ret = client.destroy()
        assert ret is client
        assert client.destroyed is True
        events.append('destroyed')
    client.on('connect', on_connect)
    client.on('close', lambda had_error: (events.append(('close', had_error)), server.close()))
    run_loop()
    assert events == ['destroyed', ('close', False)]
    assert client.readyState == 'closed'


def test_writable_ended_finished_and_readable_ended(listening_server, run_loop):
    seen = []
    server, port = listening_server(lambda sock: sock.resume())
    client = net.connect(port, '127.0.0.1')

    def on_connect():
        seen.append(('before end', client.writableEnded, client.writableFinished))
        client.end(b'bye')
        seen.append(('after end', client.writableEnded, client.writableFinished))
    client.on('connect', on_connect)
    client.on('finish', lambda: seen.append(('finish', client.writableEnded, client.writableFinished)))
    client.on('end', lambda: seen.append(('end', client.readableEnded)))
    client.resume()
    client.on('close', lambda _: server.close())
    assert client.readableEnded is False
    run_loop()
    assert seen[:3] == [('before end', False, False), ('after end', True, False),
                        ('finish', True, True)]
    assert ('end', True) in seen


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


# -- byte counters ---------------------------------------------------------------

def test_bytes_written_and_bytes_read_count_bytes_not_characters(listening_server, run_loop):
    seen = {}

    def on_connection(sock):
        sock.resume()
        sock.on('end', lambda: seen.update(server_read=sock.bytesRead))
    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1')
    assert client.bytesWritten == 0 and client.bytesRead == 0

    def on_connect():
        client.write('é')                   # 2 bytes in UTF-8
        client.write('€', 'utf8')           # 3
        client.write('ff00', 'hex')         # 2
        client.write('é', 'latin1')         # 1
        client.write(b'abc')                # 3
        seen['client_written_now'] = client.bytesWritten
        client.end()
    client.on('connect', on_connect)
    client.resume()
    client.on('close', lambda _: (seen.update(client_written=client.bytes_written), server.close()))
    run_loop()
    assert seen['client_written_now'] == 11
    assert seen['client_written'] == 11
    assert seen['server_read'] == 11


def test_bytes_read_on_the_client(listening_server, run_loop):
    server, port = listening_server(lambda sock: sock.end('ü' * 10))
    client = net.connect(port, '127.0.0.1')
    client.setEncoding('utf8')
    text = []
    client.on('data', text.append)
    client.on('close', lambda _: server.close())
    run_loop()
    assert ''.join(text) == 'ü' * 10
    assert client.bytesRead == 20


# -- ref / unref -------------------------------------------------------------------

def test_unrefed_connection_lets_run_return_and_keeps_working(listening_server, run_loop):
    accepted = []
    # Keeps the loop alive until both ends are up; then only the unref'd
    # server and sockets remain.
    hold = net.setInterval(lambda: None, 5)

    def both_up():
        if accepted and client.remotePort is not None:
            net.clearInterval(hold)

    def on_connection(sock):
        accepted.append(sock)
        sock.unref()
        sock.on('data', sock.write)
        both_up()
    server, port = listening_server(on_connection)
    server.unref()
    client = net.connect(port, '127.0.0.1', both_up)
    assert client.unref() is client      # before connect: applied once connected
    run_loop()                           # nothing ref'd: returns while connected
    assert len(accepted) == 1
    assert client.destroyed is False and accepted[0].destroyed is False
    # ref() again: the connection is alive and the loop runs until it ends.
    got = []
    assert client.ref() is client
    client.on('data', lambda d: (got.append(d), client.end()))
    client.write(b'echo me')
    client.on('close', lambda _: server.close())
    run_loop()
    assert b''.join(got) == b'echo me'


def test_repr_does_not_fail(listening_server, run_loop):
    server, port = listening_server()
    client = net.Socket()
    repr(client)
    client.connect(port, '127.0.0.1', lambda: (repr(client), client.destroy(), server.close()))
    repr(client)
    repr(server)
    run_loop()
    repr(client)


# -- half-open on the client side ------------------------------------------------

def test_client_allow_half_open_keeps_writing_after_server_fin(listening_server, run_loop):
    received = []

    def on_connection(sock):
        sock.on('data', received.append)
        sock.end(b'server is done talking')
        sock.on('close', lambda _: server.close())
    server, port = listening_server(on_connection, allowHalfOpen=True)
    log = []
    client = net.connect({'port': port, 'host': '127.0.0.1', 'allowHalfOpen': True})
    client.on('data', lambda d: log.append(d))

    def on_end():
        log.append(('end', client.writable, client.readyState))
        net.setTimeout(lambda: client.end(b'client still talking'), 30)
    client.on('end', on_end)
    client.on('close', lambda had_error: log.append(('close', had_error)))
    run_loop()
    assert log[0] == b'server is done talking'
    assert log[1] == ('end', True, 'writeOnly')
    assert log[-1] == ('close', False)
    assert b''.join(received) == b'client still talking'


def test_client_without_allow_half_open_ends_when_the_server_does(listening_server, run_loop):
    server_log = []

    def on_connection(sock):
        sock.resume()
        sock.on('end', lambda: server_log.append('end'))
        sock.on('close', lambda _: (server_log.append('close'), server.close()))
        sock.end(b'bye')
    server, port = listening_server(on_connection, allowHalfOpen=True)
    client = net.connect(port, '127.0.0.1')
    client.resume()
    log = []
    client.on('end', lambda: log.append('end'))
    client.on('finish', lambda: log.append('finish'))
    client.on('close', lambda had_error: log.append(('close', had_error)))
    run_loop()
    assert log == ['end', 'finish', ('close', False)]
    assert server_log == ['end', 'close']


def test_ping_pong_on_one_connection(listening_server, run_loop):
    rounds = 500

    def on_connection(sock):
        sock.setEncoding('ascii')
        sock.on('data', lambda d: sock.write('PONG' * d.count('PING')))
        sock.on('end', lambda: (sock.end(), server.close()))
    server, port = listening_server(on_connection)
    state = {'pongs': 0, 'buf': ''}
    client = net.connect({'port': port, 'host': '127.0.0.1', 'noDelay': True})
    client.setEncoding('ascii')
    client.on('connect', lambda: client.write('PING'))

    def on_data(d):
        state['buf'] += d
        while state['buf'].startswith('PONG'):
            state['buf'] = state['buf'][4:]
            state['pongs'] += 1
            if state['pongs'] < rounds:
                client.write('PING')
            else:
                client.end()
    client.on('data', on_data)
    run_loop(timeout=30)
    assert state['pongs'] == rounds


# -- resolution options ---------------------------------------------------------

@pytest.mark.parametrize('family', [4, 'IPv4'])
def test_family_option_restricts_the_lookup(listening_server, run_loop, family):
    # Node accepts 4/6 and also the names 'IPv4'/'IPv6' here.
    server, port = listening_server(lambda sock: sock.end())
    lookups = []
    client = net.connect({'port': port, 'host': 'localhost', 'family': family})
    client.on('lookup', lambda *a: lookups.append(a))
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert lookups == [(None, '127.0.0.1', 4, 'localhost')]


def test_family_option_must_be_0_4_or_6():
    with pytest.raises(net.NodeError) as info:
        net.connect({'port': 80, 'host': 'localhost', 'family': 5})
    assert info.value.code == 'ERR_INVALID_ARG_VALUE'


def test_custom_lookup_function_returning_a_list(listening_server, run_loop):
    server, port = listening_server(lambda sock: sock.end(b'via custom lookup'))
    calls = []

    def lookup(host, options, callback):
        calls.append(host)
        net.setImmediate(callback, None, [{'address': '127.0.0.1', 'family': 4}])
    got = []
    client = net.connect({'port': port, 'host': 'service.example', 'lookup': lookup})
    lookups = []
    client.on('lookup', lambda *a: lookups.append(a))
    client.on('data', got.append)
    client.on('close', lambda _: server.close())
    run_loop()
    assert calls == ['service.example']
    assert lookups == [(None, '127.0.0.1', 4, 'service.example')]
    assert b''.join(got) == b'via custom lookup'


def test_custom_lookup_function_single_address_form(listening_server, run_loop):
    server, port = listening_server(lambda sock: sock.end(b'single'))

    def lookup(host, options, callback):
        net.setImmediate(callback, None, '127.0.0.1', 4)
    got = []
    client = net.connect({'port': port, 'host': 'service.example', 'lookup': lookup,
                          'autoSelectFamily': False})
    client.on('data', got.append)
    client.on('close', lambda _: server.close())
    run_loop()
    assert b''.join(got) == b'single'


def test_custom_lookup_error_is_emitted_with_lookup_then_error(run_loop):
    failure = OSError('no such host')
    failure.code = 'ENOTFOUND'

    def lookup(host, options, callback):
        net.setImmediate(callback, failure, None)
    log = []
    client = net.connect({'port': 80, 'host': 'nowhere.example', 'lookup': lookup})
    client.on('lookup', lambda err, *rest: log.append(('lookup', err)))
    client.on('error', lambda err: log.append(('error', err)))
    client.on('close', lambda had_error: log.append(('close', had_error)))
    run_loop()
    assert log == [('lookup', failure), ('error', failure), ('close', True)]
