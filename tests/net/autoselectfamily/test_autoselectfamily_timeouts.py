"""Happy Eyeballs (``autoSelectFamily``): the attempt timeout
(autoSelectFamilyAttemptTimeout: 250 ms by default, never under 10 ms,
counted from the attempt; a refused attempt does not wait for it), and the
losers of a race (a timed-out attempt closed once the next one wins,
nothing left knocking after destroy(), a late lookup answer ignored).

The places raced to and the lookup giving them: autoselectfamily_support.py.
"""
import socket
import struct
import time

import pytest

import pyuvnet as net
from autoselectfamily_support import (ANSWERING, HOST, NEVER, REFUSING, lookup_giving, record,
                                      simplified)
from autoselectfamily_support import places, restore_defaults  # noqa: F401 (fixtures)
from support import whole_loopback_net

# Several loopback addresses, stalled attempts, /proc/net/tcp: Linux only
# (autoselectfamily_support.py says why).
pytestmark = whole_loopback_net


# -- the attempt timeout ---------------------------------------------------------

def timed_race(places, run_loop, attempt_ms=None, roles=(NEVER, ANSWERING)):
    ips = ['127.0.0.1', '127.0.0.2'][:len(roles)]
    p = places(dict(zip(ips, roles)))
    options = {'port': p.port, 'host': HOST, 'lookup': lookup_giving(p.lookup_result())}
    if attempt_ms is not None:
        options['autoSelectFamilyAttemptTimeout'] = attempt_ms
    client = net.connect(options)
    log, stamps = [], []
    record(client, log, stamps)
    client.resume()
    client.on('close', lambda _: p.close_servers())
    run_loop(timeout=10)
    times = dict((name, t) for name, t in reversed(stamps))   # first of each
    return log, times['connectionAttemptTimeout'] - times['connectionAttempt']


def test_the_next_attempt_starts_after_the_attempt_timeout(places, run_loop):
    log, waited = timed_race(places, run_loop, attempt_ms=150)
    assert 150 <= waited < 1000
    assert [entry[0] for entry in log if entry[0] != 'lookup'] == [
        'connectionAttempt', 'connectionAttemptTimeout', 'connectionAttempt', 'connect', 'close']


def test_the_attempt_timeout_counts_from_the_attempt_after_a_busy_listener(places, run_loop):
    """Node 20 arms each attempt's timer with libuv's clock refreshed
    (getLibuvNow), so a 'connectionAttempt' listener that keeps the loop
    busy for 300 ms does not eat the next attempt's 150 ms."""
    p = places({'127.0.0.1': NEVER, '127.0.0.2': ANSWERING})
    client = net.connect({'port': p.port, 'host': HOST, 'autoSelectFamilyAttemptTimeout': 150,
                          'lookup': lookup_giving(p.lookup_result())})
    stamps = {}

    def on_attempt(ip, port, family):
        if ip == '127.0.0.1':
            time.sleep(0.3)
            stamps['armed'] = time.monotonic()
    client.on('connectionAttempt', on_attempt)
    client.on('connectionAttemptTimeout', lambda *args: stamps.setdefault('timeout', time.monotonic()))
    client.resume()
    client.on('close', lambda _: p.close_servers())
    run_loop(timeout=10)
    assert (stamps['timeout'] - stamps['armed']) * 1000 >= 148


@pytest.mark.parametrize('attempt_ms', [1, 5, 9])
def test_an_attempt_timeout_below_10_ms_is_10_ms(places, run_loop, attempt_ms):
    log, waited = timed_race(places, run_loop, attempt_ms=attempt_ms)
    assert 10 <= waited < 500


def test_the_default_attempt_timeout_is_250_ms(places, run_loop, restore_defaults):
    assert net.getDefaultAutoSelectFamilyAttemptTimeout() == 250
    log, waited = timed_race(places, run_loop)
    assert 250 <= waited < 1200


def test_set_default_attempt_timeout_applies_to_later_connects(places, run_loop, restore_defaults):
    net.setDefaultAutoSelectFamilyAttemptTimeout(60)
    assert net.getDefaultAutoSelectFamilyAttemptTimeout() == 60
    log, waited = timed_race(places, run_loop)
    assert 60 <= waited < 240


def test_the_option_wins_over_the_default_attempt_timeout(places, run_loop, restore_defaults):
    net.setDefaultAutoSelectFamilyAttemptTimeout(2000)
    log, waited = timed_race(places, run_loop, attempt_ms=50)
    assert 50 <= waited < 1000


def test_a_refused_attempt_does_not_wait_for_the_timeout(places, run_loop):
    p = places({'127.0.0.1': REFUSING, '127.0.0.2': ANSWERING})
    client = net.connect({'port': p.port, 'host': HOST, 'lookup': lookup_giving(p.lookup_result()),
                          'autoSelectFamilyAttemptTimeout': 2000})
    log, stamps = [], []
    record(client, log, stamps)
    client.resume()
    client.on('close', lambda _: p.close_servers())
    run_loop(timeout=5)
    times = dict((name, t) for name, t in reversed(stamps))
    assert times['connect'] - times['connectionAttempt'] < 1000
    assert 'connectionAttemptTimeout' not in times


# -- the winner and the losers --------------------------------------------------------

def _hex_address(ip):
    if ':' in ip:
        packed = socket.inet_pton(socket.AF_INET6, ip)
        return ''.join('%08X' % struct.unpack('<I', packed[i:i + 4]) for i in range(0, 16, 4))
    return '%08X' % struct.unpack('<I', socket.inet_aton(ip))


def syn_sent_to(ip, port):
    """Sockets on this machine in SYN_SENT towards ip:port (/proc/net/tcp*)."""
    wanted = '%s:%04X' % (_hex_address(ip), port)
    count = 0
    for table in ('/proc/net/tcp', '/proc/net/tcp6'):
        try:
            with open(table) as f:
                lines = f.readlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[2] == wanted and fields[3] == '02':
                count += 1
    return count


def test_a_timed_out_attempt_is_closed_when_the_next_one_wins(places, run_loop):
    p = places({'127.0.0.1': NEVER, '127.0.0.2': ANSWERING})
    baseline = syn_sent_to('127.0.0.1', p.port)
    seen = {}
    client = net.connect({'port': p.port, 'host': HOST, 'lookup': lookup_giving(p.lookup_result()),
                          'autoSelectFamilyAttemptTimeout': 100})

    def on_timeout(*args):
        # The given-up attempt is still there when its timeout is emitted...
        seen['at_timeout'] = syn_sent_to('127.0.0.1', p.port)

    def on_connect():
        net.setTimeout(lambda: (seen.__setitem__('after_connect', syn_sent_to('127.0.0.1', p.port)),
                                client.destroy()), 20)
    client.on('connectionAttemptTimeout', on_timeout)
    client.on('connect', on_connect)
    client.on('close', lambda _: p.close_servers())
    run_loop()
    assert seen['at_timeout'] == baseline + 1
    # ...and gone once the next one has won: nothing keeps knocking.
    assert seen['after_connect'] == baseline


def test_destroy_while_racing_stops_the_attempts(places, run_loop):
    ips = ['127.0.0.1', '127.0.0.2', '127.0.0.3']
    p = places(dict(zip(ips, (NEVER, NEVER, ANSWERING))))
    baseline = syn_sent_to('127.0.0.1', p.port)
    log = []
    client = net.connect({'port': p.port, 'host': HOST, 'lookup': lookup_giving(p.lookup_result()),
                          'autoSelectFamilyAttemptTimeout': 100})
    record(client, log)
    seen = {}
    client.once('connectionAttempt', lambda *a: net.setTimeout(client.destroy, 30))

    def later():
        seen['syn_sent'] = syn_sent_to('127.0.0.1', p.port)
        p.close_servers()
    # Well past the first attempt's timeout: nothing more may happen.
    client.on('close', lambda _: net.setTimeout(later, 300))
    run_loop()
    assert simplified(log)[-1] == ('close', False)
    names = [entry[0] for entry in log]
    assert names.count('connectionAttempt') == 1
    assert 'connectionAttemptTimeout' not in names
    assert 'error' not in names and 'connect' not in names
    assert p.accepted['127.0.0.3'] == []
    assert seen['syn_sent'] == baseline
    assert client.destroyed


def test_destroy_before_the_lookup_answers_ignores_the_answer(run_loop):
    log = []
    answered = []

    def lookup(hostname, options, callback):
        def answer():
            answered.append(True)
            callback(None, [{'address': '127.0.0.1', 'family': 4}, {'address': '127.0.0.2', 'family': 4}])
        net.setTimeout(answer, 30)
    client = net.connect({'port': 9, 'host': HOST, 'lookup': lookup})
    record(client, log)
    net.setImmediate(client.destroy)
    run_loop()
    assert answered == [True]
    assert log == [('close', False)]
