"""Resolving a host name before connecting, as Node's lookupAndConnect:
'localhost' through the system resolver (the 'lookup' event, the family
and hints options, no host at all), and what the lookup, family and hints
options refuse.

Real names only through 'localhost' (this machine's /etc/hosts); everything
else goes through a custom ``lookup`` function."""
import socket

import pytest

import pyuvnet as net
from lookup_support import HOST, greeting_server, record
from support import ipv6_loopback_available, event_names as names


def resolve_localhost(family=socket.AF_UNSPEC, flags=0):
    """What getaddrinfo says about 'localhost' here: a list of addresses,
    or the gaierror."""
    try:
        found = socket.getaddrinfo('localhost', 0, family, socket.SOCK_STREAM, 0, flags)
    except socket.gaierror as exc:
        return exc
    addresses = []
    for entry in found:
        if entry[4][0] not in addresses:
            addresses.append(entry[4][0])
    return addresses


# -- 'localhost' through the system resolver -----------------------------------

def test_localhost_is_looked_up_and_connected_to_its_first_address(run_loop):
    found = resolve_localhost()
    assert isinstance(found, list) and found
    assert set(found) <= {'127.0.0.1', '::1'}
    # A server on each loopback address, one port: whichever address the
    # name gives first answers.
    servers = []
    seen = []
    first = net.createServer(lambda sock: (seen.append(sock.localAddress), sock.end()))
    first.listen(0, '127.0.0.1')
    port = first.address().port
    servers.append(first)
    if ipv6_loopback_available():
        second = net.createServer(lambda sock: (seen.append(sock.localAddress), sock.end()))
        second.listen(port, '::1')
        servers.append(second)
    log = []
    remote = []
    client = net.connect(port, 'localhost')
    record(client, log)
    client.on('connect', lambda: remote.append(client.remoteAddress))
    client.resume()
    client.on('close', lambda _: [s.close() for s in servers])
    run_loop()
    lookups = [entry for entry in log if entry[0] == 'lookup']
    assert lookups
    for _, err, address, family, host in lookups:
        assert err is None
        assert address in found
        assert family == (6 if ':' in address else 4)
        assert host == 'localhost'
    assert names(log)[-2:] == ['connect', 'close']
    assert log[-1] == ('close', False)
    assert remote == [lookups[0][2]]
    assert seen == [lookups[0][2]]


@pytest.mark.parametrize('family', [4, 'IPv4'])
def test_family_4_resolves_localhost_to_127_0_0_1(listening_server, run_loop, family):
    server, port, peers = greeting_server(listening_server)
    log = []
    remote = []
    client = net.connect({'port': port, 'host': 'localhost', 'family': family})
    record(client, log)
    client.on('connect', lambda: remote.append((client.remoteAddress, client.remoteFamily)))
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert log[0] == ('lookup', None, '127.0.0.1', 4, 'localhost')
    assert names(log) == ['lookup', 'connectionAttempt', 'connect', 'close']
    assert remote == [('127.0.0.1', 'IPv4')]


@pytest.mark.parametrize('family', [6, 'IPv6'])
def test_family_6_resolves_localhost_to_ipv6_or_fails_as_getaddrinfo(listening_server, run_loop, family):
    found = resolve_localhost(socket.AF_INET6)
    host = '::1' if ipv6_loopback_available() else '127.0.0.1'
    server, port, peers = greeting_server(listening_server, host=host)
    log = []
    client = net.connect({'port': port, 'host': 'localhost', 'family': family})
    record(client, log)
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    if isinstance(found, list):
        assert log[0] == ('lookup', None, found[0], 6, 'localhost')
    else:
        # Here /etc/hosts has no IPv6 'localhost': Node's ENOTFOUND.
        assert found.errno == socket.EAI_NONAME
        assert names(log) == ['lookup', 'error', 'close']
        err = log[1][1]
        assert log[0] == ('lookup', err, None, None, 'localhost')
        assert (err.code, err.syscall, err.hostname) == ('ENOTFOUND', 'getaddrinfo', 'localhost')
        assert str(err) == 'getaddrinfo ENOTFOUND localhost'
        assert log[2] == ('close', True)


def test_v4mapped_hint_reaches_getaddrinfo(listening_server, run_loop):
    # family 6 + V4MAPPED: glibc maps the IPv4 answer, Node connects to
    # ::ffff:127.0.0.1 and reaches the IPv4 server.
    found = resolve_localhost(socket.AF_INET6, socket.AI_V4MAPPED)
    if not isinstance(found, list) or '::ffff:127.0.0.1' not in found:
        pytest.skip('getaddrinfo gives no mapped address for localhost here')
    server, port, peers = greeting_server(listening_server)
    log = []
    remote = []
    client = net.connect({'port': port, 'host': 'localhost', 'family': 6,
                          'hints': socket.AI_V4MAPPED})
    record(client, log)
    client.on('connect', lambda: remote.append((client.remoteAddress, client.remoteFamily)))
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert log[0] == ('lookup', None, found[0], 6, 'localhost')
    assert ('connect',) in log
    assert remote == [('::ffff:127.0.0.1', 'IPv6')]
    assert peers[0][0] == '127.0.0.1'


@pytest.mark.parametrize('host', ['', None])
def test_no_host_means_localhost(listening_server, run_loop, host):
    server, port, peers = greeting_server(listening_server)
    log = []
    client = net.connect({'port': port, 'host': host, 'family': 4})
    record(client, log)
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert log[0] == ('lookup', None, '127.0.0.1', 4, 'localhost')
    assert ('connect',) in log


# -- option checks ---------------------------------------------------------------

@pytest.mark.parametrize('lookup', ['dns', 1, {}, True])
def test_a_lookup_that_is_not_a_function_throws(lookup):
    with pytest.raises(net.NodeError) as info:
        net.connect({'port': 80, 'host': HOST, 'lookup': lookup})
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'
    assert str(info.value).startswith('The "options.lookup" property must be of type function.')


def test_lookup_none_means_the_system_resolver(listening_server, run_loop):
    server, port, peers = greeting_server(listening_server)
    log = []
    client = net.connect({'port': port, 'host': 'localhost', 'family': 4, 'lookup': None})
    record(client, log)
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert log[0] == ('lookup', None, '127.0.0.1', 4, 'localhost')
    assert ('connect',) in log


@pytest.mark.parametrize('family', [5, 1, -4, 46, 'IPv5', 'ipv4', 4.5])
def test_a_family_other_than_0_4_6_throws_err_invalid_arg_value(family):
    with pytest.raises(net.NodeError) as info:
        net.connect({'port': 80, 'host': 'localhost', 'family': family})
    assert info.value.code == 'ERR_INVALID_ARG_VALUE'
    assert "'options.family' must be one of: 0, 4, 6" in str(info.value)


def test_a_family_error_is_thrown_before_anything_is_emitted(run_loop):
    client = net.Socket()
    log = record(client, [])
    with pytest.raises(net.NodeError):
        client.connect({'port': 80, 'host': 'localhost', 'family': 5})
    client.destroy()
    run_loop()
    assert names(log) == ['close']


@pytest.mark.parametrize('hints', ['x', [], {}])
def test_hints_that_are_not_a_number_throw(hints):
    with pytest.raises(net.NodeError) as info:
        net.connect({'port': 80, 'host': 'localhost', 'hints': hints})
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'
    assert 'options.hints' in str(info.value)


@pytest.mark.parametrize('hints', [1, 2, 4, 64, 99999])
def test_hints_other_than_addrconfig_v4mapped_all_throw(hints):
    # Node's dns.lookup: only ADDRCONFIG | V4MAPPED | ALL, else
    # ERR_INVALID_ARG_VALUE "The argument 'hints' is invalid. Received N".
    with pytest.raises(net.NodeError) as info:
        net.connect({'port': 80, 'host': 'localhost', 'hints': hints})
    assert info.value.code == 'ERR_INVALID_ARG_VALUE'
    assert str(info.value) == "The argument 'hints' is invalid. Received %d" % hints


@pytest.mark.parametrize('hints', [0, socket.AI_V4MAPPED, socket.AI_ALL, socket.AI_ADDRCONFIG,
                                   socket.AI_V4MAPPED | socket.AI_ALL | socket.AI_ADDRCONFIG])
def test_hints_node_allows_resolve_localhost(listening_server, run_loop, hints):
    server, port, peers = greeting_server(listening_server)
    log = []
    client = net.connect({'port': port, 'host': 'localhost', 'family': 4, 'hints': hints})
    record(client, log)
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert log[0] == ('lookup', None, '127.0.0.1', 4, 'localhost')
    assert ('connect',) in log
