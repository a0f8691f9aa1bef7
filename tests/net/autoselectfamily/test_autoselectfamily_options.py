"""Happy Eyeballs (``autoSelectFamily``) turned off and on: the option,
setDefaultAutoSelectFamily() and a family option (each asks the lookup for
one address); the module defaults and what their setters and the connect
options refuse, as Node does; autoSelectFamilyAttemptedAddresses, kept only
for a race; connecting again after a failed race; None as the defaults.

The places raced to and the lookup giving them: autoselectfamily_support.py.
"""
import socket

import pytest

import pyuvnet as net
from autoselectfamily_support import (ANSWERING, HOST, NEVER, REFUSING, closed_port,
                                      lookup_giving, record, simplified)
from autoselectfamily_support import places, restore_defaults  # noqa: F401 (fixtures)
from support import ipv6_loopback_available, whole_loopback_net

# Several loopback addresses, stalled attempts, /proc/net/tcp: Linux only
# (autoselectfamily_support.py says why).
pytestmark = whole_loopback_net


# -- turning it off ------------------------------------------------------------------

def test_autoselectfamily_false_tries_only_the_first_address(places, run_loop):
    p = places({'127.0.0.1': REFUSING, '127.0.0.2': ANSWERING})
    calls, log = [], []
    client = net.connect({'port': p.port, 'host': HOST, 'autoSelectFamily': False,
                          'lookup': lookup_giving(p.lookup_result(), calls)})
    record(client, log)
    client.on('close', lambda _: p.close_servers())
    run_loop()
    # Asked for one address (no 'all'), and it was the only one tried.
    assert not calls[0][1].get('all')
    assert simplified(log) == [
        ('lookup', None, '127.0.0.1', 4, HOST),
        ('connectionAttempt', '127.0.0.1', p.port, 4),
        ('connectionAttemptFailed', '127.0.0.1', p.port, 4, 'ECONNREFUSED'),
        ('error', 'ECONNREFUSED'), ('close', True)]
    assert p.accepted['127.0.0.2'] == []


def test_set_default_autoselectfamily_false_turns_the_race_off(places, run_loop, restore_defaults):
    assert net.getDefaultAutoSelectFamily() is True
    net.setDefaultAutoSelectFamily(False)
    assert net.getDefaultAutoSelectFamily() is False
    p = places({'127.0.0.1': REFUSING, '127.0.0.2': ANSWERING})
    calls, log = [], []
    client = net.connect({'port': p.port, 'host': HOST, 'lookup': lookup_giving(p.lookup_result(), calls)})
    record(client, log)
    client.on('close', lambda _: p.close_servers())
    run_loop()
    assert not calls[0][1].get('all')
    assert [entry[0] for entry in log] == ['lookup', 'connectionAttempt', 'connectionAttemptFailed',
                                           'error', 'close']
    assert log[-2][1].code == 'ECONNREFUSED'


def test_the_option_true_races_even_when_the_default_is_off(places, run_loop, restore_defaults):
    net.setDefaultAutoSelectFamily(False)
    p = places({'127.0.0.1': REFUSING, '127.0.0.2': ANSWERING})
    calls, log = [], []
    client = net.connect({'port': p.port, 'host': HOST, 'autoSelectFamily': True,
                          'lookup': lookup_giving(p.lookup_result(), calls)})
    record(client, log)
    client.resume()
    client.on('close', lambda _: p.close_servers())
    run_loop()
    assert calls[0][1].get('all') is True
    assert ('connect',) in log
    assert len(p.accepted['127.0.0.2']) == 1


@pytest.mark.parametrize('family', [4, 6])
def test_a_family_option_means_no_race(run_loop, family):
    calls, log = [], []
    ip = '127.0.0.1' if family == 4 else '::1'
    client = net.connect({'port': closed_port(ip), 'host': HOST, 'family': family,
                          'lookup': lookup_giving([{'address': ip, 'family': family}], calls)})
    record(client, log)
    run_loop()
    # Node: {family, hints} only; ADDRCONFIG is added only for family 0.
    assert calls == [(HOST, {'family': family, 'hints': 0})]


def test_the_race_asks_the_lookup_for_all_addresses_with_addrconfig(run_loop):
    calls = []
    client = net.connect({'port': closed_port(), 'host': HOST,
                          'lookup': lookup_giving([{'address': '127.0.0.1', 'family': 4}], calls)})
    client.on('error', lambda err: None)
    run_loop()
    (hostname, options), = calls
    assert hostname == HOST
    # Node passes {hints: dns.ADDRCONFIG, all: true} (family left unset,
    # i.e. 0) when neither family nor hints were given.
    assert options.get('family', 0) == 0
    assert options['all'] is True
    assert options['hints'] == socket.AI_ADDRCONFIG


# -- the module defaults and option checks -------------------------------------

def test_default_autoselectfamily_is_on_and_setter_round_trips(restore_defaults):
    assert net.getDefaultAutoSelectFamily() is True
    net.setDefaultAutoSelectFamily(False)
    assert net.getDefaultAutoSelectFamily() is False
    net.setDefaultAutoSelectFamily(True)
    assert net.getDefaultAutoSelectFamily() is True


@pytest.mark.parametrize('value', ['x', 1, 0, None, []])
def test_set_default_autoselectfamily_needs_a_boolean(value, restore_defaults):
    with pytest.raises(net.NodeError) as info:
        net.setDefaultAutoSelectFamily(value)
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'
    assert str(info.value).startswith('The "value" argument must be of type boolean.')
    assert net.getDefaultAutoSelectFamily() is True


@pytest.mark.parametrize('value, expected', [(1, 10), (9, 10), (10, 10), (11, 11), (100, 100),
                                             (2 ** 31 - 1, 2 ** 31 - 1)])
def test_set_default_attempt_timeout_raises_small_values_to_10(value, expected, restore_defaults):
    net.setDefaultAutoSelectFamilyAttemptTimeout(value)
    assert net.getDefaultAutoSelectFamilyAttemptTimeout() == expected


@pytest.mark.parametrize('value, code, message', [
    (0, 'ERR_OUT_OF_RANGE',
     'The value of "value" is out of range. It must be >= 1 && <= 2147483647. Received 0'),
    (-1, 'ERR_OUT_OF_RANGE',
     'The value of "value" is out of range. It must be >= 1 && <= 2147483647. Received -1'),
    (2 ** 31, 'ERR_OUT_OF_RANGE',
     'The value of "value" is out of range. It must be >= 1 && <= 2147483647. Received 2147483648'),
    (1.5, 'ERR_OUT_OF_RANGE',
     'The value of "value" is out of range. It must be an integer. Received 1.5'),
    ('100', 'ERR_INVALID_ARG_TYPE', None),
    (None, 'ERR_INVALID_ARG_TYPE', None),
])
def test_set_default_attempt_timeout_rejects_what_node_rejects(value, code, message, restore_defaults):
    with pytest.raises(net.NodeError) as info:
        net.setDefaultAutoSelectFamilyAttemptTimeout(value)
    assert info.value.code == code
    if message is not None:
        assert str(info.value) == message
    assert net.getDefaultAutoSelectFamilyAttemptTimeout() == 250


@pytest.mark.parametrize('host', [HOST, '127.0.0.1'])
@pytest.mark.parametrize('value, code', [(0, 'ERR_OUT_OF_RANGE'), (-1, 'ERR_OUT_OF_RANGE'),
                                         (1.5, 'ERR_OUT_OF_RANGE'), (2 ** 31, 'ERR_OUT_OF_RANGE'),
                                         ('10', 'ERR_INVALID_ARG_TYPE')])
def test_bad_attempt_timeout_option_throws_from_connect(value, code, host):
    lookups = []
    with pytest.raises(net.NodeError) as info:
        net.connect({'port': 9, 'host': host, 'autoSelectFamilyAttemptTimeout': value,
                     'lookup': lambda *a: lookups.append(a)})
    assert info.value.code == code
    assert 'options.autoSelectFamilyAttemptTimeout' in str(info.value)
    assert lookups == []


@pytest.mark.parametrize('value', ['yes', 1, 0])
def test_autoselectfamily_option_must_be_a_boolean(value):
    with pytest.raises(net.NodeError) as info:
        net.connect({'port': 9, 'host': HOST, 'autoSelectFamily': value,
                     'lookup': lookup_giving([{'address': '127.0.0.1', 'family': 4}])})
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'
    assert 'options.autoSelectFamily' in str(info.value)


def test_attempted_addresses_are_ip_colon_port_with_bare_ipv6(places, run_loop):
    ips = ['::1', '127.0.0.1'] if ipv6_loopback_available() else ['127.0.0.2', '127.0.0.1']
    p = places({ips[0]: REFUSING, ips[1]: ANSWERING})
    client = net.connect({'port': p.port, 'host': HOST, 'lookup': lookup_giving(p.lookup_result())})
    client.resume()
    client.on('close', lambda _: p.close_servers())
    run_loop()
    assert client.autoSelectFamilyAttemptedAddresses == ['%s:%d' % (ips[0], p.port),
                                                         '127.0.0.1:%d' % p.port]


@pytest.mark.parametrize('how', ['ip-host', 'one-address', 'no-race'])
def test_attempted_addresses_are_kept_only_for_a_race(listening_server, run_loop, how):
    # Node sets autoSelectFamilyAttemptedAddresses only when it races two
    # or more addresses; otherwise it stays undefined.
    server, port = listening_server(lambda sock: sock.end())
    options = {'port': port, 'host': '127.0.0.1'}
    if how != 'ip-host':
        options.update(host=HOST, lookup=lookup_giving([{'address': '127.0.0.1', 'family': 4},
                                                        {'address': '127.0.0.1', 'family': 4}]))
    if how == 'no-race':
        options['autoSelectFamily'] = False
    seen = []
    client = net.connect(options)
    client.on('connect', lambda: seen.append(client.autoSelectFamilyAttemptedAddresses))
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen == [None]


def test_connecting_again_after_a_failed_race_starts_a_fresh_race(places, run_loop):
    p = places({'127.0.0.1': REFUSING, '127.0.0.2': REFUSING, '127.0.0.3': ANSWERING})
    first = [{'address': '127.0.0.1', 'family': 4}, {'address': '127.0.0.2', 'family': 4}]
    second = [{'address': '127.0.0.2', 'family': 4}, {'address': '127.0.0.3', 'family': 4}]
    log, seen = [], {}
    client = net.Socket()
    record(client, log)

    def again(had_error):
        if 'first' in seen:
            p.close_servers()
            return
        seen['first'] = (had_error, client.autoSelectFamilyAttemptedAddresses)
        client.connect({'port': p.port, 'host': HOST, 'lookup': lookup_giving(second)})
    client.on('close', again)
    client.on('connect', lambda: (seen.__setitem__('second', client.autoSelectFamilyAttemptedAddresses),
                                  client.destroy()))
    client.connect({'port': p.port, 'host': HOST, 'lookup': lookup_giving(first)})
    run_loop()
    assert seen['first'] == (True, ['127.0.0.1:%d' % p.port, '127.0.0.2:%d' % p.port])
    assert seen['second'] == ['127.0.0.2:%d' % p.port, '127.0.0.3:%d' % p.port]
    assert len(p.accepted['127.0.0.3']) == 1
    assert [entry[0] for entry in log].count('error') == 1


def test_none_options_mean_the_defaults(places, run_loop, restore_defaults):
    # A default far from Node's 250 ms, above it: a lower bound holds on a
    # loaded machine (under ASan, one attempt's 60 ms timer fired at 265 ms).
    net.setDefaultAutoSelectFamilyAttemptTimeout(1000)
    p = places({'127.0.0.1': NEVER, '127.0.0.2': ANSWERING})
    calls, log, stamps = [], [], []
    client = net.connect({'port': p.port, 'host': HOST, 'autoSelectFamily': None,
                          'autoSelectFamilyAttemptTimeout': None,
                          'lookup': lookup_giving(p.lookup_result(), calls)})
    record(client, log, stamps)
    client.resume()
    client.on('close', lambda _: p.close_servers())
    run_loop()
    times = dict((name, t) for name, t in reversed(stamps))
    assert calls[0][1].get('all') is True
    assert times['connectionAttemptTimeout'] - times['connectionAttempt'] >= 1000
    assert ('connect',) in log
