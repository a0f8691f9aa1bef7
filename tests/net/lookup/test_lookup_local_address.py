"""Where a connection comes from: the localAddress and localPort options
(bound before connecting, applied to each raced address, no race with a
localAddress), a local port in use, the errors that name the local side,
and what the options refuse -- as Node's lookupAndConnect.

Real names only through 'localhost' (this machine's /etc/hosts); everything
else goes through a custom ``lookup`` function."""
import pytest

import pyuvnet as net
from lookup_support import HOST, greeting_server, lookup_giving, record
from support import needs_ipv6, event_names as names, free_port, refused_port


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
    refusing_port = refused_port('127.0.0.2')
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
    port = refused_port()
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
    port = refused_port()
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
