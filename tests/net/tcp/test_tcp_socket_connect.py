"""net.Socket over TCP, connecting: connect() in every form and what it
refuses, name resolution ('localhost', the family and lookup options, a
custom lookup), local binding (localAddress, localPort) and the addresses
and families on both ends."""
import pytest

import pyuvnet as net
from support import free_port, needs_ipv6
from pyuvnet import errors


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
