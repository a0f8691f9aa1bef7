"""Happy Eyeballs (``autoSelectFamily``) races, as Node's
lookupAndConnectMultiple and internalConnectMultiple run them: two and three
addresses in every order of answering, refusing and never-answering
(checked against a model of Node's events), the order of the attempts
(the families alternate, each address once), and the errors (an
AggregateError of each attempt's own, or a lone address's error).

The places raced to and the lookup giving them: autoselectfamily_support.py.
"""
import errno
import itertools

import pytest

import pyuvnet as net
from autoselectfamily_support import (ANSWERING, HOST, NEVER, REFUSING, Places, family_of,
                                      lookup_giving, record, simplified)
from autoselectfamily_support import places  # noqa: F401 (a fixture)
from support import needs_ipv6, whole_loopback_net

# Several loopback addresses, stalled attempts, /proc/net/tcp: Linux only
# (autoselectfamily_support.py says why).
pytestmark = whole_loopback_net

ATTEMPT_MS = 200


def race_model(ips, roles, port):
    """Node's events for racing ``ips`` (already in interleaved order, all
    distinct), the outcome ('connect', 'error' or 'pending'), the winner,
    and the codes of the attempts' errors."""
    events = [('lookup', None, ip, family_of(ip), HOST) for ip in ips]
    codes = []
    for i, ip in enumerate(ips):
        family = family_of(ip)
        events.append(('connectionAttempt', ip, port, family))
        role = roles[ip]
        if role == ANSWERING:
            events.append(('connect',))
            return events, 'connect', ip, codes
        if role == REFUSING:
            events.append(('connectionAttemptFailed', ip, port, family, 'ECONNREFUSED'))
            codes.append('ECONNREFUSED')
        elif i == len(ips) - 1:
            # The last attempt has no timeout: it waits as long as the kernel does.
            return events, 'pending', None, codes
        else:
            events.append(('connectionAttemptTimeout', ip, port, family))
            codes.append('ETIMEDOUT')
    events += [('error', codes[0]), ('close', True)]
    return events, 'error', None, codes


def run_race(places, ips, run_loop, attempt_ms=ATTEMPT_MS):
    """Connect to HOST (looked up as ``ips``) and play it out; returns
    (log, state) where state has what was seen at 'connect' or, for a race
    still pending, after waiting three attempt timeouts."""
    log = []
    state = {}
    client = net.connect({'port': places.port, 'host': HOST,
                          'lookup': lookup_giving([{'address': ip, 'family': family_of(ip)} for ip in ips]),
                          'autoSelectFamily': True,
                          'autoSelectFamilyAttemptTimeout': attempt_ms})
    record(client, log)
    got = []
    client.on('data', got.append)
    state['data'] = got

    def on_connect():
        state['remote'] = (client.remoteAddress, client.remotePort, client.remoteFamily)
        state['attempted'] = client.autoSelectFamilyAttemptedAddresses

    def on_attempt(ip, port, family):
        if ip == ips[-1] and places.roles[ip] == NEVER:
            def give_up():
                state['pending'] = (client.connecting, client.readyState, client.pending,
                                    len(log), client.autoSelectFamilyAttemptedAddresses)
                client.destroy()
            net.setTimeout(give_up, 3 * attempt_ms)

    def on_close(had_error):
        state['attempted_at_close'] = client.autoSelectFamilyAttemptedAddresses
        places.close_servers()
    client.on('connect', on_connect)
    client.on('connectionAttempt', on_attempt)
    client.on('close', on_close)
    run_loop(timeout=10)
    return client, log, state


def check_race(places, ips, client, log, state):
    port = places.port
    events, outcome, winner, codes = race_model(ips, places.roles, port)
    if outcome == 'connect':
        assert simplified(log) == events + [('close', False)]
        assert state['remote'] == (winner, port, 'IPv%d' % family_of(winner))
        assert state['attempted'] == ['%s:%d' % (ip, port) for ip in ips[:ips.index(winner) + 1]]
        assert b''.join(state['data']) == b'hello'
        # Only the winner's server saw a connection.
        for ip in ips:
            assert len(places.accepted[ip]) == (1 if ip == winner else 0), ip
    elif outcome == 'pending':
        connecting, ready_state, pending, count, attempted = state['pending']
        # Nothing after the last attempt began: no timeout for it, no error.
        assert simplified(log[:count]) == events
        assert (connecting, ready_state, pending) == (True, 'opening', True)
        assert attempted == ['%s:%d' % (ip, port) for ip in ips]
        # destroy() while connecting: no error, 'close'(False) last.
        assert log[-1] == ('close', False)
        assert not [entry for entry in log if entry[0] in ('error', 'connect')]
        assert all(not accepted for accepted in places.accepted.values())
    else:
        assert simplified(log) == events
        err = log[-2][1]
        assert isinstance(err, net.AggregateError)
        assert err.code == codes[0]
        assert [e.code for e in err.errors] == codes
        assert [(e.syscall, e.address, e.port) for e in err.errors] == [('connect', ip, port) for ip in ips]
        assert state['attempted_at_close'] == ['%s:%d' % (ip, port) for ip in ips]
        assert client.destroyed


# -- every order of the three kinds of address ---------------------------------

ROLES = (ANSWERING, REFUSING, NEVER)


@needs_ipv6
@pytest.mark.parametrize('ips', [('::1', '127.0.0.1'), ('127.0.0.1', '::1')],
                         ids=['v6-v4', 'v4-v6'])
@pytest.mark.parametrize('roles', list(itertools.product(ROLES, repeat=2)),
                         ids=lambda roles: '-'.join(roles))
def test_two_addresses_in_every_order(places, run_loop, roles, ips):
    p = places(dict(zip(ips, roles)))
    client, log, state = run_race(p, list(ips), run_loop)
    check_race(p, list(ips), client, log, state)


@needs_ipv6
@pytest.mark.parametrize('ips', [('127.0.0.1', '::1', '127.0.0.2'),
                                 ('::1', '127.0.0.1', '::ffff:127.0.0.2')],
                         ids=['v4-v6-v4', 'v6-v4-v6'])
@pytest.mark.parametrize('roles', list(itertools.permutations(ROLES)),
                         ids=lambda roles: '-'.join(roles))
def test_three_addresses_in_every_order(places, run_loop, roles, ips):
    p = places(dict(zip(ips, roles)))
    client, log, state = run_race(p, list(ips), run_loop)
    check_race(p, list(ips), client, log, state)


def test_all_ipv4_never_refusing_answering(places, run_loop):
    # The same race without IPv6 (runs where ::1 is missing too).
    ips = ['127.0.0.1', '127.0.0.2', '127.0.0.3']
    p = places(dict(zip(ips, (NEVER, REFUSING, ANSWERING))))
    client, log, state = run_race(p, ips, run_loop)
    check_race(p, ips, client, log, state)


# -- order of the attempts -----------------------------------------------------------

def run_refused_race(ips, run_loop, lookup_result=None):
    """Race over refusing addresses only (all fail at once)."""
    roles = {ip: REFUSING for ip in ips}
    p = Places(roles)
    try:
        log = []
        result = lookup_result or [{'address': ip, 'family': family_of(ip)} for ip in ips]
        client = net.connect({'port': p.port, 'host': HOST, 'lookup': lookup_giving(result),
                              'autoSelectFamilyAttemptTimeout': ATTEMPT_MS})
        record(client, log)
        run_loop()
        return p.port, client, log
    finally:
        p.close_python()


@needs_ipv6
def test_families_alternate_starting_with_the_first_address_family(run_loop):
    ips = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '::1']
    port, client, log = run_refused_race(ips, run_loop)
    attempts = [entry[1] for entry in log if entry[0] == 'connectionAttempt']
    assert attempts == ['127.0.0.1', '::1', '127.0.0.2', '127.0.0.3']
    assert client.autoSelectFamilyAttemptedAddresses == [
        '127.0.0.1:%d' % port, '::1:%d' % port, '127.0.0.2:%d' % port, '127.0.0.3:%d' % port]
    err = log[-2][1]
    assert [e.address for e in err.errors] == attempts


@needs_ipv6
def test_an_ipv6_first_answer_puts_ipv6_first(run_loop):
    ips = ['127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.3']
    result = [{'address': ip, 'family': family_of(ip)}
              for ip in ['::1', '127.0.0.1', '127.0.0.2', '::ffff:127.0.0.3']]
    port, client, log = run_refused_race(ips, run_loop, result)
    attempts = [(entry[1], entry[3]) for entry in log if entry[0] == 'connectionAttempt']
    assert attempts == [('::1', 6), ('127.0.0.1', 4), ('::ffff:127.0.0.3', 6), ('127.0.0.2', 4)]


@needs_ipv6
def test_each_address_is_tried_once_though_looked_up_twice(run_loop):
    ips = ['127.0.0.1', '::1']
    result = [{'address': ip, 'family': family_of(ip)}
              for ip in ['127.0.0.1', '::1', '127.0.0.1', '::1', '127.0.0.1']]
    port, client, log = run_refused_race(ips, run_loop, result)
    # One 'lookup' per address in the answer, duplicates included...
    assert [entry[2] for entry in log if entry[0] == 'lookup'] == [r['address'] for r in result]
    # ...but one attempt per distinct address.
    assert [entry[1] for entry in log if entry[0] == 'connectionAttempt'] == ['127.0.0.1', '::1']
    err = log[-2][1]
    assert isinstance(err, net.AggregateError)
    assert len(err.errors) == 2


def test_every_lookup_event_comes_before_the_first_attempt(run_loop):
    ips = ['127.0.0.1', '127.0.0.2', '127.0.0.3']
    port, client, log = run_refused_race(ips, run_loop)
    names = [entry[0] for entry in log]
    assert names[:4] == ['lookup', 'lookup', 'lookup', 'connectionAttempt']
    assert log[:3] == [('lookup', None, ip, 4, HOST) for ip in ips]


def test_duplicates_of_one_address_connect_as_a_single_address(run_loop):
    # Two answers, one distinct address: Node connects as for one address,
    # so the error is that attempt's own, not an aggregate.
    ips = ['127.0.0.1']
    result = [{'address': '127.0.0.1', 'family': 4}] * 2
    port, client, log = run_refused_race(ips, run_loop, result)
    assert simplified(log) == [
        ('lookup', None, '127.0.0.1', 4, HOST), ('lookup', None, '127.0.0.1', 4, HOST),
        ('connectionAttempt', '127.0.0.1', port, 4),
        ('connectionAttemptFailed', '127.0.0.1', port, 4, 'ECONNREFUSED'),
        ('error', 'ECONNREFUSED'), ('close', True)]
    assert not isinstance(log[-2][1], net.AggregateError)


# -- errors --------------------------------------------------------------------

def test_every_address_refusing_is_an_aggregate_error_of_each_attempts_error(run_loop):
    ips = ['127.0.0.1', '127.0.0.2', '127.0.0.3']
    port, client, log = run_refused_race(ips, run_loop)
    assert [entry[0] for entry in log][-2:] == ['error', 'close']
    assert log[-1] == ('close', True)
    err = log[-2][1]
    assert isinstance(err, net.AggregateError)
    assert isinstance(err, net.NodeError)
    assert err.code == 'ECONNREFUSED'
    failed = [entry[4] for entry in log if entry[0] == 'connectionAttemptFailed']
    # The very errors given with 'connectionAttemptFailed', in order.
    assert list(err.errors) == failed
    for e, ip in zip(err.errors, ips):
        assert isinstance(e, ConnectionRefusedError)
        assert (e.code, e.syscall, e.address, e.port) == ('ECONNREFUSED', 'connect', ip, port)
        assert str(e) == 'connect ECONNREFUSED %s:%d' % (ip, port)


def test_a_timed_out_attempt_counts_as_etimedout_in_the_aggregate(places, run_loop):
    ips = ['127.0.0.1', '127.0.0.2']
    p = places({'127.0.0.1': NEVER, '127.0.0.2': REFUSING})
    client, log, state = run_race(p, ips, run_loop)
    err = log[-2][1]
    assert isinstance(err, net.AggregateError)
    assert err.code == 'ETIMEDOUT'
    timed_out, refused = err.errors
    assert (timed_out.code, timed_out.syscall, timed_out.address, timed_out.port) == (
        'ETIMEDOUT', 'connect', '127.0.0.1', p.port)
    assert timed_out.errno == errno.ETIMEDOUT   # pyuvnet: positive, as OSError
    assert str(timed_out) == 'connect ETIMEDOUT 127.0.0.1:%d' % p.port
    assert refused.code == 'ECONNREFUSED'


def test_a_single_address_fails_with_its_own_error(run_loop):
    port, client, log = run_refused_race(['127.0.0.1'], run_loop)
    assert simplified(log) == [
        ('lookup', None, '127.0.0.1', 4, HOST),
        ('connectionAttempt', '127.0.0.1', port, 4),
        ('connectionAttemptFailed', '127.0.0.1', port, 4, 'ECONNREFUSED'),
        ('error', 'ECONNREFUSED'), ('close', True)]
    err = log[-2][1]
    assert not isinstance(err, net.AggregateError)
    assert err is log[2][4]
    assert str(err) == 'connect ECONNREFUSED 127.0.0.1:%d' % port
