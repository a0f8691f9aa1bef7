"""Resolving a host name before connecting, as Node's lookupAndConnect:
the 'lookup' event, the family/hints/lookup options and their errors,
localAddress/localPort, and the timeout option while connecting.

Real names only through 'localhost' (this machine's /etc/hosts); everything
else goes through a custom ``lookup`` function."""
import socket

import pytest

import pyuvnet as net
from support import ipv6_loopback_available, needs_ipv6, event_names as names, record_events

HOST = 'service.example'
EVENTS = ('lookup', 'connectionAttempt', 'connectionAttemptFailed',
          'connectionAttemptTimeout', 'connect', 'timeout', 'error', 'close')




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


def free_port(host='127.0.0.1'):
    """A port nothing uses right now (released by a Python socket)."""
    s = socket.socket(socket.AF_INET6 if ':' in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind((host, 0))
        return s.getsockname()[1]
    finally:
        s.close()


def record(sock, log):
    return record_events(sock, log, EVENTS)


def lookup_giving(*answer, calls=None, all_answer=None):
    """A dns.lookup-shaped function: calls back on a later turn with
    ``answer`` (err, address, family), or with (None, all_answer) when the
    socket asks for ``all``."""
    def lookup(hostname, options, callback):
        if calls is not None:
            calls.append((hostname, dict(options)))
        if options.get('all') and all_answer is not None:
            net.setImmediate(callback, None, all_answer)
        else:
            net.setImmediate(callback, *answer)
    return lookup


def greeting_server(listening_server, host='127.0.0.1'):
    peers = []

    def on_connection(sock):
        peers.append((sock.remoteAddress, sock.remotePort, sock.remoteFamily))
        sock.end(b'hi')
    server, port = listening_server(on_connection, host=host)
    return server, port, peers


def never_answering(host='127.0.0.1'):
    """A listening socket whose full accept queue makes the kernel drop
    SYNs: a connect to it stays pending.  Returns (sockets, port)."""
    family = socket.AF_INET6 if ':' in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.bind((host, 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    keep = [listener]
    for _ in range(3):
        filler = socket.socket(family, socket.SOCK_STREAM)
        filler.setblocking(False)
        filler.connect_ex((host, port))
        keep.append(filler)
    return keep, port


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


# -- the options a custom lookup gets ------------------------------------------

@pytest.mark.parametrize('options, expected', [
    ({'family': 4}, {'family': 4, 'hints': 0}),
    ({'family': 6}, {'family': 6, 'hints': 0}),
    ({'family': 'IPv6'}, {'family': 6, 'hints': 0}),
    ({'family': 4, 'hints': socket.AI_ADDRCONFIG}, {'family': 4, 'hints': socket.AI_ADDRCONFIG}),
    ({'family': 6, 'hints': socket.AI_V4MAPPED}, {'family': 6, 'hints': socket.AI_V4MAPPED}),
    ({'hints': socket.AI_V4MAPPED}, {'family': 0, 'hints': socket.AI_V4MAPPED, 'all': True}),
    ({'hints': socket.AI_V4MAPPED, 'autoSelectFamily': False}, {'family': 0, 'hints': socket.AI_V4MAPPED}),
    # Node adds dns.ADDRCONFIG when neither family nor hints narrow the lookup.
    ({}, {'family': 0, 'hints': socket.AI_ADDRCONFIG, 'all': True}),
    ({'autoSelectFamily': False}, {'family': 0, 'hints': socket.AI_ADDRCONFIG}),
], ids=['family4', 'family6', 'familyIPv6', 'family4-addrconfig', 'family6-v4mapped',
        'v4mapped-race', 'v4mapped-no-race', 'default-race', 'default-no-race'])
def test_the_lookup_gets_nodes_dns_options(run_loop, options, expected):
    calls = []
    connect_options = dict(options, port=free_port(), host=HOST,
                           lookup=lookup_giving(None, '127.0.0.1', 4, calls=calls,
                                                all_answer=[{'address': '127.0.0.1', 'family': 4}]))
    client = net.connect(connect_options)
    client.on('error', lambda err: None)
    run_loop()
    (hostname, got), = calls
    assert hostname == HOST
    # Node leaves family unset when it was not given: 0 for dns.lookup.
    got.setdefault('family', 0)
    assert got == expected


def test_an_ip_host_is_not_looked_up(listening_server, run_loop):
    server, port, peers = greeting_server(listening_server)
    calls, log = [], []
    client = net.connect({'port': port, 'host': '127.0.0.1',
                          'lookup': lookup_giving(None, '127.0.0.2', 4, calls=calls)})
    record(client, log)
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert calls == []
    assert names(log) == ['connectionAttempt', 'connect', 'close']


@pytest.mark.parametrize('auto', [True, False], ids=['race', 'no-race'])
def test_destroy_from_a_lookup_listener_stops_the_connect(listening_server, run_loop, auto):
    # Node checks `connecting` after each 'lookup' it emits.
    server, port, peers = greeting_server(listening_server)
    log = []
    client = net.connect({'port': port, 'host': HOST, 'autoSelectFamily': auto,
                          'lookup': lookup_giving(None, '127.0.0.1', 4,
                                                  all_answer=[{'address': '127.0.0.1', 'family': 4},
                                                              {'address': '127.0.0.2', 'family': 4}])})
    record(client, log)
    client.once('lookup', lambda *a: client.destroy())
    client.on('close', lambda _: net.setTimeout(server.close, 50))
    run_loop(timeout=2)
    assert log == [('lookup', None, '127.0.0.1', 4, HOST), ('close', False)]
    assert peers == []


def test_a_synchronous_connect_failure_in_a_race_moves_on(listening_server, run_loop):
    # 255.255.255.255 fails inside connect() itself (ENETUNREACH on Linux).
    server, port, peers = greeting_server(listening_server)
    log = []
    client = net.connect({'port': port, 'host': HOST,
                          'lookup': lookup_giving(None, all_answer=[{'address': '255.255.255.255', 'family': 4},
                                                                    {'address': '127.0.0.1', 'family': 4}])})
    record(client, log)
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert names(log) == ['lookup', 'lookup', 'connectionAttempt', 'connectionAttemptFailed',
                          'connectionAttempt', 'connect', 'close']
    failed = log[3]
    assert failed[1:4] == ('255.255.255.255', port, 4)
    assert (failed[4].code, failed[4].syscall, failed[4].address, failed[4].port) == (
        'ENETUNREACH', 'connect', '255.255.255.255', port)
    assert peers[0][0] == '127.0.0.1'


def test_the_lookup_is_called_once_per_connect(run_loop):
    calls = []
    client = net.connect({'port': 9, 'host': HOST, 'lookup': lookup_giving(None, '127.0.0.1', 4, calls=calls)})
    client.on('error', lambda err: None)
    run_loop()
    assert [hostname for hostname, _ in calls] == [HOST]


# -- what a custom lookup answers ------------------------------------------------

@pytest.mark.parametrize('shape', [1, 3], ids=['callback(err)', 'callback(err,None,None)'])
@pytest.mark.parametrize('options', [{}, {'autoSelectFamily': False}, {'family': 4}],
                         ids=['race', 'no-race', 'family4'])
def test_a_lookup_error_is_lookup_then_error_then_close(run_loop, options, shape):
    # dns.lookup calls back with the error alone; other lookups pass
    # placeholders too.  Both are Node's callback(err).
    failure = OSError('getaddrinfo ENOTFOUND %s' % HOST)
    failure.code = 'ENOTFOUND'
    log = []
    answer = (failure,) if shape == 1 else (failure, None, None)
    client = net.connect(dict(options, port=80, host=HOST, lookup=lookup_giving(*answer)))
    record(client, log)
    run_loop()
    assert log == [('lookup', failure, None, None, HOST), ('error', failure), ('close', True)]
    assert client.destroyed


def test_a_single_address_answer_connects(listening_server, run_loop):
    server, port, peers = greeting_server(listening_server)
    log, got = [], []
    client = net.connect({'port': port, 'host': HOST, 'autoSelectFamily': False,
                          'lookup': lookup_giving(None, '127.0.0.1', 4)})
    record(client, log)
    client.on('data', got.append)
    client.on('close', lambda _: server.close())
    run_loop()
    assert log == [('lookup', None, '127.0.0.1', 4, HOST), ('connectionAttempt', '127.0.0.1', port, 4),
                   ('connect',), ('close', False)]
    assert b''.join(got) == b'hi'


@pytest.mark.parametrize('answer', [
    ('nope', 4), ('localhost', 4), ('127.0.0.256', 4), ('', 4),
], ids=['word', 'name', 'bad-octet', 'empty'])
def test_a_lookup_answering_a_non_ip_is_err_invalid_ip_address(run_loop, answer):
    address, family = answer
    log = []
    client = net.connect({'port': 80, 'host': HOST, 'autoSelectFamily': False,
                          'lookup': lookup_giving(None, address, family)})
    record(client, log)
    run_loop()
    # Node: 'lookup' with what it got, then the error as an event (not thrown).
    assert names(log) == ['lookup', 'error', 'close']
    assert log[0] == ('lookup', None, address, family, HOST)
    err = log[1][1]
    assert err.code == 'ERR_INVALID_IP_ADDRESS'
    assert str(err) == 'Invalid IP address: %s' % address
    assert log[2] == ('close', True)


def test_a_racing_lookup_answering_only_non_ips_is_err_invalid_ip_address(run_loop):
    log = []
    client = net.connect({'port': 80, 'host': HOST,
                          'lookup': lookup_giving(None, all_answer=[{'address': 'nope', 'family': 4},
                                                                    {'address': 'nah', 'family': 4}])})
    record(client, log)
    run_loop()
    assert names(log) == ['lookup', 'lookup', 'error', 'close']
    err = log[2][1]
    # The first answer's error.
    assert err.code == 'ERR_INVALID_IP_ADDRESS'
    assert str(err) == 'Invalid IP address: nope'


def test_a_racing_lookup_skips_non_ips_among_ips(listening_server, run_loop):
    server, port, peers = greeting_server(listening_server)
    log = []
    answer = [{'address': 'nope', 'family': 4}, {'address': '127.0.0.1', 'family': 4},
              {'address': '127.0.0.1', 'family': 7}]
    client = net.connect({'port': port, 'host': HOST, 'lookup': lookup_giving(None, all_answer=answer)})
    record(client, log)
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    # Node emits 'lookup' for every answer and tries only the valid ones.
    assert log[:3] == [('lookup', None, 'nope', 4, HOST), ('lookup', None, '127.0.0.1', 4, HOST),
                       ('lookup', None, '127.0.0.1', 7, HOST)]
    assert names(log)[3:] == ['connectionAttempt', 'connect', 'close']
    assert log[3] == ('connectionAttempt', '127.0.0.1', port, 4)


@pytest.mark.parametrize('options', [{'autoSelectFamily': False}, {}], ids=['no-race', 'race'])
@pytest.mark.parametrize('family', [5, 0, None, '4'])
def test_a_lookup_answering_a_bad_family_is_err_invalid_address_family(run_loop, options, family):
    log = []
    client = net.connect(dict(options, port=1, host=HOST,
                              lookup=lookup_giving(None, '127.0.0.1', family,
                                                   all_answer=[{'address': '127.0.0.1', 'family': family}])))
    record(client, log)
    run_loop()
    assert names(log) == ['lookup', 'error', 'close']
    assert log[0] == ('lookup', None, '127.0.0.1', family, HOST)
    err = log[1][1]
    assert err.code == 'ERR_INVALID_ADDRESS_FAMILY'
    # Node names the host and port of the options.
    assert str(err) == 'Invalid address family: %s %s:1' % (family, HOST)
    assert (err.host, err.port) == (HOST, 1)


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


# -- localAddress and localPort ---------------------------------------------------

def test_local_address_is_where_the_connection_comes_from(listening_server, run_loop):
    server, port, peers = greeting_server(listening_server)
    client = net.connect({'port': port, 'host': '127.0.0.1', 'localAddress': '127.0.0.2'})
    seen = {}
    client.on('connect', lambda: seen.update(local=(client.localAddress, client.localFamily)))
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen['local'] == ('127.0.0.2', 'IPv4')
    assert peers[0][0] == '127.0.0.2'


def test_local_address_and_port_are_both_used(listening_server, run_loop):
    server, port, peers = greeting_server(listening_server)
    local_port = free_port('127.0.0.2')
    client = net.connect({'port': port, 'host': '127.0.0.1', 'localAddress': '127.0.0.2',
                          'localPort': local_port})
    seen = {}
    client.on('connect', lambda: seen.update(local=(client.localAddress, client.localPort)))
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen['local'] == ('127.0.0.2', local_port)
    assert peers == [('127.0.0.2', local_port, 'IPv4')]


def test_local_port_alone_binds_the_any_address_to_it(listening_server, run_loop):
    # Node: localPort without localAddress binds 0.0.0.0:localPort (IPv4).
    server, port, peers = greeting_server(listening_server)
    local_port = free_port()
    client = net.connect({'port': port, 'host': '127.0.0.1', 'localPort': local_port})
    seen = {}
    client.on('connect', lambda: seen.update(local=(client.localAddress, client.localPort)))
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen['local'] == ('127.0.0.1', local_port)
    assert peers == [('127.0.0.1', local_port, 'IPv4')]


def test_local_port_alone_applies_to_each_raced_address(run_loop):
    # Node binds every attempt of a race to the any address and localPort.
    refusing_port = free_port('127.0.0.2')
    seen = []
    server = net.createServer(lambda sock: (seen.append((sock.remoteAddress, sock.remotePort)), sock.end()))
    server.listen(refusing_port, '127.0.0.1')
    local_port = free_port()
    log = []
    client = net.connect({'port': refusing_port, 'host': HOST, 'localPort': local_port,
                          'lookup': lookup_giving(None, all_answer=[{'address': '127.0.0.2', 'family': 4},
                                                                    {'address': '127.0.0.1', 'family': 4}])})
    record(client, log)
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert names(log)[2:] == ['connectionAttempt', 'connectionAttemptFailed', 'connectionAttempt',
                              'connect', 'close']
    assert seen == [('127.0.0.1', local_port)]


def test_local_address_means_no_race(listening_server, run_loop):
    # Node races only without localAddress: the lookup is asked for one address.
    server, port, peers = greeting_server(listening_server)
    calls = []
    log = []
    client = net.connect({'port': port, 'host': HOST, 'localAddress': '127.0.0.2',
                          'lookup': lookup_giving(None, '127.0.0.1', 4, calls=calls,
                                                  all_answer=[{'address': '127.0.0.1', 'family': 4},
                                                              {'address': '127.0.0.3', 'family': 4}])})
    record(client, log)
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert 'all' not in calls[0][1]
    assert names(log) == ['lookup', 'connectionAttempt', 'connect', 'close']
    assert peers[0][0] == '127.0.0.2'


def test_a_local_port_in_use_is_a_bind_error(listening_server, run_loop):
    server, port, peers = greeting_server(listening_server)
    taken, taken_port = listening_server(host='127.0.0.1')
    log = []
    client = net.connect({'port': port, 'host': '127.0.0.1', 'localAddress': '127.0.0.1',
                          'localPort': taken_port})
    record(client, log)
    client.on('close', lambda _: (server.close(), taken.close()))
    run_loop()
    # Node: no attempt is made; the error names the local address.
    assert names(log) == ['error', 'close']
    err = log[0][1]
    assert isinstance(err, OSError)
    assert (err.code, err.syscall, err.address, err.port) == ('EADDRINUSE', 'bind', '127.0.0.1', taken_port)
    assert str(err) == 'bind EADDRINUSE 127.0.0.1:%d' % taken_port
    assert log[1] == ('close', True)
    assert peers == []


def test_a_refused_connect_from_a_local_address_and_port_names_both(run_loop):
    port = free_port()
    local_port = free_port('127.0.0.2')
    log = []
    client = net.connect({'port': port, 'host': '127.0.0.1', 'localAddress': '127.0.0.2',
                          'localPort': local_port})
    record(client, log)
    run_loop()
    err = log[-2][1]
    assert err.code == 'ECONNREFUSED'
    assert str(err) == 'connect ECONNREFUSED 127.0.0.1:%d - Local (127.0.0.2:%d)' % (port, local_port)
    assert (err.address, err.port) == ('127.0.0.1', port)
    assert (err.localAddress, err.localPort) == ('127.0.0.2', local_port)


def test_a_refused_connect_from_a_local_address_alone_has_no_local_part(run_loop):
    port = free_port()
    log = []
    client = net.connect({'port': port, 'host': '127.0.0.1', 'localAddress': '127.0.0.2'})
    record(client, log)
    run_loop()
    err = log[-2][1]
    assert str(err) == 'connect ECONNREFUSED 127.0.0.1:%d' % port


@pytest.mark.parametrize('local_address', ['nope', 'localhost', '127.0.0.256', '::1::'])
@pytest.mark.parametrize('host', ['127.0.0.1', 'localhost'])
def test_a_local_address_that_is_not_an_ip_throws(local_address, host):
    with pytest.raises(net.NodeError) as info:
        net.connect({'port': 80, 'host': host, 'localAddress': local_address})
    assert info.value.code == 'ERR_INVALID_IP_ADDRESS'
    assert str(info.value) == 'Invalid IP address: %s' % local_address


def test_a_local_port_that_is_not_a_number_throws():
    with pytest.raises(net.NodeError) as info:
        net.connect({'port': 80, 'host': '127.0.0.1', 'localPort': 'abc'})
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'
    assert 'options.localPort' in str(info.value)


@needs_ipv6
def test_an_ipv6_local_address(listening_server, run_loop):
    server, port, peers = greeting_server(listening_server, host='::1')
    client = net.connect({'port': port, 'host': '::1', 'localAddress': '::1'})
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert peers[0][0] == '::1'
    assert peers[0][2] == 'IPv6'


# -- timeout --------------------------------------------------------------------

def test_timeout_option_fires_while_still_connecting(run_loop):
    keep, port = never_answering()
    try:
        log = []
        seen = {}
        # The timeout counts from connect(), not from the attempt (which
        # comes a tick later: on a busy machine, some ms later).
        started = {'at': net.get_loop().now()}
        client = net.connect({'port': port, 'host': '127.0.0.1', 'timeout': 100})
        record(client, log)

        def on_timeout():
            seen['at'] = net.get_loop().now()
            seen['state'] = (client.connecting, client.readyState, client.destroyed)
            # 'timeout' does not close the socket; wait to see it fire once only.
            net.setTimeout(client.destroy, 250)
        client.on('timeout', on_timeout)
        run_loop()
    finally:
        for s in keep:
            s.close()
    assert client.timeout == 100
    assert names(log) == ['connectionAttempt', 'timeout', 'close']
    assert seen['state'] == (True, 'opening', False)
    assert seen['at'] - started['at'] >= 99
    assert log[-1] == ('close', False)


def test_timeout_option_with_a_lookup(run_loop):
    keep, port = never_answering()
    try:
        log = []
        client = net.connect({'port': port, 'host': HOST, 'timeout': 50,
                              'lookup': lookup_giving(None, '127.0.0.1', 4)})
        record(client, log)
        client.on('timeout', client.destroy)
        run_loop()
    finally:
        for s in keep:
            s.close()
    assert names(log) == ['lookup', 'connectionAttempt', 'timeout', 'close']


@pytest.mark.parametrize('timeout, code', [(-1, 'ERR_OUT_OF_RANGE'), ('x', 'ERR_INVALID_ARG_TYPE')])
def test_a_bad_timeout_option_throws(timeout, code):
    with pytest.raises(net.NodeError) as info:
        net.connect({'port': 80, 'host': '127.0.0.1', 'timeout': timeout})
    assert info.value.code == code


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
