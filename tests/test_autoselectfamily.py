"""Happy Eyeballs (``autoSelectFamily``), as Node's lookupAndConnectMultiple
and internalConnectMultiple do it, on this machine's loopback only.

A custom ``lookup`` hands the socket several loopback addresses that share
one port number, and each address plays one part:

* answering: a pyuvnet server listens there;
* refusing: nothing listens there (a bound, not listening socket keeps the
  port ours), so the kernel answers a SYN with a RST;
* never answering: a listening socket with backlog 0 that is never accepted
  and whose accept queue is already full, so the kernel drops further SYNs
  and a connect to it stays pending.

127.0.0.1, 127.0.0.2, 127.0.0.3 and ::1 are all on Linux's loopback;
``::ffff:127.0.0.x`` serves as a second IPv6 address (an IPv6 socket reaches
the IPv4 listener through it).
"""
import errno
import itertools
import socket
import struct
import time

import pytest

import pyuvnet as net
from support import ipv6_loopback_available, needs_ipv6, whole_loopback_net

# The races bind several loopback addresses (127.0.0.2 and up), stall an
# attempt by filling an accept queue (Linux drops the SYNs; others reset
# them) and count SYN_SENT sockets in /proc/net/tcp: Linux only.
pytestmark = whole_loopback_net

ANSWERING, REFUSING, NEVER = 'answering', 'refusing', 'never'
HOST = 'multi.example'
ATTEMPT_MS = 200
EVENTS = ('lookup', 'connectionAttempt', 'connectionAttemptFailed',
          'connectionAttemptTimeout', 'connect', 'error', 'close')




def family_of(ip):
    return 6 if ':' in ip else 4


def listen_ip(ip):
    """Where the listener for ``ip`` goes: ::ffff:a.b.c.d is reached by an
    IPv4 socket on a.b.c.d."""
    return ip[len('::ffff:'):] if ip.startswith('::ffff:') else ip


def _os_family(ip):
    return socket.AF_INET6 if ':' in ip else socket.AF_INET


class Places:
    """Listeners on several loopback addresses with one port number.

    ``roles`` maps each address (as the lookup will give it) to ANSWERING,
    REFUSING or NEVER.  ``servers[ip]`` is the pyuvnet server of an
    answering address, ``accepted[ip]`` the sockets it got."""

    def __init__(self, roles, greeting=b'hello'):
        self.roles = dict(roles)
        self.servers = {}
        self.accepted = {ip: [] for ip in self.roles}
        self._python = []
        self._reserve()
        for ip, role in self.roles.items():
            if role == ANSWERING:
                self._answer(ip, greeting)
            elif role == NEVER:
                self._never_answer(ip)

    def _reserve(self):
        # Bind every address to one port (the first one's, from the OS);
        # on a clash with someone else's socket, start over with a new one.
        for _ in range(50):
            self.port = 0
            self._reserved = {}
            try:
                for ip in self.roles:
                    where = listen_ip(ip)
                    s = socket.socket(_os_family(where), socket.SOCK_STREAM)
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    self._python.append(s)
                    s.bind((where, self.port))
                    self.port = s.getsockname()[1]
                    self._reserved[ip] = s
                return
            except OSError as exc:
                self.close_python()
                if exc.errno != errno.EADDRINUSE:
                    raise
        raise AssertionError('no port free on all of %s' % list(self.roles))

    def _answer(self, ip, greeting):
        def on_connection(sock):
            self.accepted[ip].append(sock)
            sock.end(greeting)
        server = net.createServer(on_connection)
        server.listen(self.port, listen_ip(ip))
        self.servers[ip] = server
        # The server has the port now; the reservation can go.
        self._reserved.pop(ip).close()

    def _never_answer(self, ip):
        where = listen_ip(ip)
        s = self._reserved[ip]
        s.listen(0)
        # Fill the accept queue: the kernel drops SYNs from now on.
        for _ in range(3):
            filler = socket.socket(_os_family(where), socket.SOCK_STREAM)
            filler.setblocking(False)
            filler.connect_ex((where, self.port))
            self._python.append(filler)

    def lookup_result(self):
        return [{'address': ip, 'family': family_of(ip)} for ip in self.roles]

    def close_servers(self):
        for server in self.servers.values():
            server.close()

    def close_python(self):
        for s in self._python:
            s.close()
        self._python = []


@pytest.fixture
def places():
    made = []

    def make(roles, **kwargs):
        p = Places(roles, **kwargs)
        made.append(p)
        return p
    yield make
    for p in made:
        p.close_python()


@pytest.fixture
def restore_defaults():
    family = net.getDefaultAutoSelectFamily()
    timeout = net.getDefaultAutoSelectFamilyAttemptTimeout()
    yield
    net.setDefaultAutoSelectFamily(family)
    net.setDefaultAutoSelectFamilyAttemptTimeout(timeout)


def closed_port(host='127.0.0.1'):
    """A port nothing listens on (just released by a Python socket)."""
    try:
        s = socket.socket(_os_family(host), socket.SOCK_STREAM)
    except OSError:
        return 9
    try:
        s.bind((host, 0))
        return s.getsockname()[1]
    except OSError:
        return 9
    finally:
        s.close()


def lookup_giving(result, calls=None):
    """A dns.lookup-shaped function answering ``result`` (a list of
    {'address', 'family'}) on a later turn of the loop, honouring ``all``."""
    def lookup(hostname, options, callback):
        if calls is not None:
            calls.append((hostname, dict(options)))
        if options.get('all'):
            net.setImmediate(callback, None, [dict(entry) for entry in result])
        else:
            net.setImmediate(callback, None, result[0]['address'], result[0]['family'])
    return lookup


def record(sock, log, stamps=None):
    """Append (event, *args) for each of EVENTS; with ``stamps``, also the
    loop time of each."""
    def listener(name):
        def on_event(*args):
            log.append((name,) + args)
            if stamps is not None:
                stamps.append((name, net.get_loop().now()))
        return on_event
    for name in EVENTS:
        sock.on(name, listener(name))
    return log


def simplified(log):
    """Errors by their code, so logs compare as plain tuples."""
    return [tuple(getattr(a, 'code', a) if isinstance(a, BaseException) else a for a in entry)
            for entry in log]


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
    net.setDefaultAutoSelectFamilyAttemptTimeout(60)
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
    assert 60 <= times['connectionAttemptTimeout'] - times['connectionAttempt'] < 240
    assert ('connect',) in log
