"""Resolving a host name before connecting, as Node's lookupAndConnect,
through a custom ``lookup`` function: the options it is given (Node's dns
options), when it is called (never for an IP, once per connect; destroy()
from a 'lookup' listener), and what it may answer (an error, one address,
a list; a non-IP or a bad family is Node's error event).

Real names only through 'localhost' (this machine's /etc/hosts); everything
else goes through a custom ``lookup`` function."""
import socket

import pytest

import pyuvnet as net
from lookup_support import HOST, greeting_server, lookup_giving, record
from support import event_names as names, refused_port


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
    connect_options = dict(options, port=refused_port(), host=HOST,
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
