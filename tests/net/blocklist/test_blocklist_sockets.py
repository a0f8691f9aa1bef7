"""The blockList option: a server closes blocked peers silently (no
'connection', no 'drop'), a socket refuses to connect to a blocked address
with ERR_IP_BLOCKED, as Node's lib/net.js does (onconnection,
internalConnect, internalConnectMultiple).  Loopback only: 127.0.0.1,
127.0.0.2 and ::1 are all local addresses on Linux."""

import pytest

import pyuvnet as net
from support import needs_ipv6, event_names as names, record_events, whole_loopback_net

EVENTS = ('lookup', 'connectionAttempt', 'connectionAttemptFailed', 'connect',
          'end', 'error', 'close')
HOST = 'blocked.example'


def record(sock, log):
    return record_events(sock, log, EVENTS)


def turned_away(log):
    """A client the server closed at once: connected (the handshake is the
    kernel's), then the server's end, then a clean close."""
    return names(log) == ['connectionAttempt', 'connect', 'end', 'close'] and log[-1] == ('close', False)


def blocking(*addresses):
    bl = net.BlockList()
    for address in addresses:
        bl.addAddress(address, 'ipv6' if ':' in address else 'ipv4')
    return bl


def watched_server(listening_server, host='127.0.0.1', **options):
    """A server that greets whoever it serves and logs 'connection', 'drop'
    and 'error'."""
    log = []

    def on_connection(sock):
        log.append(('connection', sock.remoteAddress))
        sock.end(b'welcome')
    server, port = listening_server(on_connection, host=host, **options)
    server.on('drop', lambda *a: log.append(('drop',) + a))
    server.on('error', lambda err: log.append(('error', err)))
    return server, port, log


def visit(port, host='127.0.0.1', **options):
    """Connect (from ``localAddress`` if given) and read all; returns
    (socket, its event log, the bytes received)."""
    log, got = [], []
    client = net.connect(dict(options, port=port, host=host))
    record(client, log)
    client.on('data', got.append)
    return client, log, got


# -- servers -------------------------------------------------------------------

def test_a_blocked_peer_is_closed_without_connection_or_drop(listening_server, run_loop):
    server, port, server_log = watched_server(listening_server, blockList=blocking('127.0.0.1'))
    client, log, got = visit(port)
    counts = []

    def after_close(_):
        server.getConnections(lambda err, n: counts.append((err, n)))
        server.close()
    client.on('close', after_close)
    run_loop()
    assert server_log == []
    # The TCP handshake is the kernel's: the client connects, then sees the
    # server's end, and closes cleanly.
    assert turned_away(log), log
    assert got == []
    assert counts == [(None, 0)]


@whole_loopback_net
def test_an_unblocked_local_address_is_served(listening_server, run_loop):
    server, port, server_log = watched_server(listening_server, blockList=blocking('127.0.0.1'))
    client, log, got = visit(port, localAddress='127.0.0.2')
    client.on('close', lambda _: server.close())
    run_loop()
    assert server_log == [('connection', '127.0.0.2')]
    assert b''.join(got) == b'welcome'
    assert log[-1] == ('close', False)


@whole_loopback_net
def test_only_the_blocked_address_is_turned_away(listening_server, run_loop):
    server, port, server_log = watched_server(listening_server, blockList=blocking('127.0.0.2'))
    results = {}

    def second(_):
        client, log, got = visit(port, localAddress='127.0.0.2')
        results['blocked'] = (log, got)
        client.on('close', lambda _: server.close())
    client, log, got = visit(port)
    results['allowed'] = (log, got)
    client.on('close', second)
    run_loop()
    assert server_log == [('connection', '127.0.0.1')]
    assert b''.join(results['allowed'][1]) == b'welcome'
    assert results['blocked'][1] == []
    assert turned_away(results['blocked'][0])


@pytest.mark.parametrize('rule', [
    ('addSubnet', ('127.0.0.0', 8, 'ipv4')),
    ('addRange', ('127.0.0.0', '127.0.0.5', 'ipv4')),
    ('addAddress', ('::ffff:127.0.0.1', 'ipv6')),
    ('addSubnet', ('::ffff:0:0', 96, 'ipv6')),
], ids=['ipv4-subnet', 'ipv4-range', 'mapped-address', 'mapped-subnet'])
def test_every_kind_of_rule_applies_to_peers(listening_server, run_loop, rule):
    method, args = rule
    bl = net.BlockList()
    getattr(bl, method)(*args)
    server, port, server_log = watched_server(listening_server, blockList=bl)
    client, log, got = visit(port)
    client.on('close', lambda _: server.close())
    run_loop()
    assert server_log == []
    assert turned_away(log), log


@needs_ipv6
def test_ipv4_rules_block_ipv4_peers_of_a_dual_stack_server(listening_server, run_loop):
    # On '::' an IPv4 peer is ::ffff:127.0.0.1; the IPv4 rule still applies.
    server, port, server_log = watched_server(listening_server, host='::', blockList=blocking('127.0.0.1'))
    results = {}

    def then_ipv6(_):
        client, log, got = visit(port, host='::1')
        results['ipv6'] = (log, got)
        client.on('close', lambda _: server.close())
    client, log, got = visit(port, host='127.0.0.1')
    results['ipv4'] = (log, got)
    client.on('close', then_ipv6)
    run_loop()
    assert turned_away(results['ipv4'][0])
    assert b''.join(results['ipv6'][1]) == b'welcome'
    assert server_log == [('connection', '::1')]


@needs_ipv6
def test_an_ipv6_rule_blocks_an_ipv6_peer(listening_server, run_loop):
    server, port, server_log = watched_server(listening_server, host='::1', blockList=blocking('::1'))
    client, log, got = visit(port, host='::1')
    client.on('close', lambda _: server.close())
    run_loop()
    assert server_log == []
    assert turned_away(log), log


def test_rules_added_after_listen_apply_to_later_peers(listening_server, run_loop):
    bl = net.BlockList()
    server, port, server_log = watched_server(listening_server, blockList=bl)
    results = {}

    def block_then_retry(_):
        bl.addAddress('127.0.0.1')
        client, log, got = visit(port)
        results['after'] = log
        client.on('close', lambda _: server.close())
    client, log, got = visit(port)
    results['before'] = got
    client.on('close', block_then_retry)
    run_loop()
    assert b''.join(results['before']) == b'welcome'
    assert server_log == [('connection', '127.0.0.1')]
    assert turned_away(results['after'])


@whole_loopback_net
def test_blocked_peers_do_not_count_against_max_connections(listening_server, run_loop):
    server, port, server_log = watched_server(listening_server, blockList=blocking('127.0.0.1'))
    server.maxConnections = 1
    done = []

    def allowed(_):
        client, log, got = visit(port, localAddress='127.0.0.2')
        client.on('close', lambda _: (done.append(got), server.close()))
    client, log, got = visit(port)
    client.on('close', allowed)
    run_loop()
    assert server_log == [('connection', '127.0.0.2')]
    assert b''.join(done[0]) == b'welcome'


def test_a_server_with_a_blocklist_closes_when_asked(listening_server, run_loop):
    server, port, server_log = watched_server(listening_server, blockList=blocking('127.0.0.1'))
    closed = []
    server.on('close', lambda: closed.append(True))
    client, log, got = visit(port)
    client.on('close', lambda _: server.close())
    run_loop()
    assert closed == [True]
    assert not server.listening


def test_a_pipe_server_with_a_blocklist_serves_pipe_clients(run_loop, tmp_path):
    # Pipes have no peer address: Node checks TCP peers only.
    path = str(tmp_path / 'bl.sock')
    served = []
    server = net.createServer({'blockList': blocking('127.0.0.1')},
                              lambda sock: (served.append(True), sock.end(b'pipe')))
    server.listen(path)
    got = []
    client = net.connect(path)
    client.on('data', got.append)
    client.on('close', lambda _: server.close())
    run_loop()
    assert served == [True]
    assert b''.join(got) == b'pipe'


# -- sockets -------------------------------------------------------------------

def check_ip_blocked(err, ip):
    assert isinstance(err, net.NodeError)
    assert err.code == 'ERR_IP_BLOCKED'
    assert str(err) == 'IP(%s) is blocked by net.BlockList' % ip


def test_connecting_to_a_blocked_ip_is_err_ip_blocked(listening_server, run_loop):
    server, port, server_log = watched_server(listening_server)
    client, log, got = visit(port, blockList=blocking('127.0.0.1'))
    client.on('close', lambda _: net.setTimeout(server.close, 50))
    run_loop()
    assert names(log)[-2:] == ['error', 'close']
    assert 'connect' not in names(log)
    assert 'connectionAttemptFailed' not in names(log)
    check_ip_blocked(log[-2][1], '127.0.0.1')
    assert log[-1] == ('close', True)
    # Nothing reached the server.
    assert server_log == []
    assert client.destroyed


def test_a_blocked_single_connect_still_emits_its_connection_attempt(run_loop):
    # Node's internalConnect emits 'connectionAttempt' before it checks.
    client, log, got = visit(9, blockList=blocking('127.0.0.1'))
    run_loop()
    assert names(log) == ['connectionAttempt', 'error', 'close']
    assert log[0] == ('connectionAttempt', '127.0.0.1', 9, 4)


def test_the_error_comes_after_connect_returns(run_loop):
    sock = net.Socket({'blockList': blocking('127.0.0.1')})
    sock.connect(9, '127.0.0.1')
    # Listeners added after connect() still hear it.
    errors_seen = []
    sock.on('error', errors_seen.append)
    run_loop()
    assert len(errors_seen) == 1
    check_ip_blocked(errors_seen[0], '127.0.0.1')


def test_an_unblocked_address_connects_normally(listening_server, run_loop):
    server, port, server_log = watched_server(listening_server)
    client, log, got = visit(port, blockList=blocking('127.0.0.2'))
    client.on('close', lambda _: server.close())
    run_loop()
    assert b''.join(got) == b'welcome'
    assert names(log) == ['connectionAttempt', 'connect', 'end', 'close']


@pytest.mark.parametrize('rule, host', [
    (('127.0.0.0', 8, 'ipv4'), '127.0.0.9'),
    (('127.0.0.0', 8, 'ipv4'), '::ffff:127.0.0.9'),
    (('::', 0, 'ipv6'), '127.0.0.1'),
], ids=['subnet', 'subnet-mapped-host', 'all-ipv6'])
def test_subnet_rules_apply_to_destinations(run_loop, rule, host):
    bl = net.BlockList()
    bl.addSubnet(*rule)
    client, log, got = visit(9, host=host, blockList=bl)
    run_loop()
    check_ip_blocked(log[-2][1], host)


def test_an_ipv4_rule_blocks_the_ipv4_mapped_destination(run_loop):
    client, log, got = visit(9, host='::ffff:127.0.0.1', blockList=blocking('127.0.0.1'))
    run_loop()
    check_ip_blocked(log[-2][1], '::ffff:127.0.0.1')


@needs_ipv6
def test_an_ipv6_rule_blocks_an_ipv6_destination(listening_server, run_loop):
    server, port, server_log = watched_server(listening_server, host='::1')
    client, log, got = visit(port, host='::1', blockList=blocking('::1'))
    client.on('close', lambda _: net.setTimeout(server.close, 50))
    run_loop()
    check_ip_blocked(log[-2][1], '::1')
    assert server_log == []


def test_a_looked_up_address_is_checked(listening_server, run_loop):
    server, port, server_log = watched_server(listening_server)
    client, log, got = visit(port, host='localhost', family=4, blockList=blocking('127.0.0.1'))
    client.on('close', lambda _: net.setTimeout(server.close, 50))
    run_loop()
    assert log[0] == ('lookup', None, '127.0.0.1', 4, 'localhost')
    check_ip_blocked(log[-2][1], '127.0.0.1')
    assert server_log == []


def lookup_giving(*addresses):
    result = [{'address': a, 'family': 6 if ':' in a else 4} for a in addresses]

    def lookup(hostname, options, callback):
        if options.get('all'):
            net.setImmediate(callback, None, result)
        else:
            net.setImmediate(callback, None, result[0]['address'], result[0]['family'])
    return lookup


@pytest.mark.parametrize('auto', [True, False])
def test_a_single_looked_up_address_that_is_blocked(run_loop, auto):
    client, log, got = visit(9, host=HOST, blockList=blocking('127.0.0.1'),
                             lookup=lookup_giving('127.0.0.1'), autoSelectFamily=auto)
    run_loop()
    err = log[-2][1]
    check_ip_blocked(err, '127.0.0.1')
    assert not isinstance(err, net.AggregateError)


def test_a_race_skips_a_blocked_address_for_the_next(run_loop):
    # Node's internalConnectMultiple: a blocked address is a failed attempt
    # ('connectionAttemptFailed' with ERR_IP_BLOCKED, no 'connectionAttempt'),
    # and the race goes on.
    seen = []
    server = net.createServer(lambda sock: (seen.append(sock.localAddress), sock.end(b'second')))
    server.listen(0, '127.0.0.2')
    port = server.address().port
    blocked = net.createServer(lambda sock: (seen.append(sock.localAddress), sock.end(b'first')))
    blocked.listen(port, '127.0.0.1')
    client, log, got = visit(port, host=HOST, blockList=blocking('127.0.0.1'),
                             lookup=lookup_giving('127.0.0.1', '127.0.0.2'))
    attempted = []
    client.on('connect', lambda: attempted.append(client.autoSelectFamilyAttemptedAddresses))
    client.on('close', lambda _: (server.close(), blocked.close()))
    run_loop()
    assert seen == ['127.0.0.2']
    assert b''.join(got) == b'second'
    assert names(log) == ['lookup', 'lookup', 'connectionAttemptFailed', 'connectionAttempt',
                          'connect', 'end', 'close']
    failed = log[2]
    assert failed[1:4] == ('127.0.0.1', port, 4)
    check_ip_blocked(failed[4], '127.0.0.1')
    assert log[3] == ('connectionAttempt', '127.0.0.2', port, 4)
    # Only real attempts are listed.
    assert attempted == [['127.0.0.2:%d' % port]]


def test_a_race_over_blocked_addresses_only_fails_with_err_ip_blocked(run_loop):
    client, log, got = visit(9, host=HOST, blockList=blocking('127.0.0.1', '127.0.0.2'),
                             lookup=lookup_giving('127.0.0.1', '127.0.0.2'))
    run_loop()
    assert names(log) == ['lookup', 'lookup', 'connectionAttemptFailed', 'connectionAttemptFailed',
                          'error', 'close']
    err = log[-2][1]
    assert isinstance(err, net.AggregateError)
    assert err.code == 'ERR_IP_BLOCKED'
    assert [e.code for e in err.errors] == ['ERR_IP_BLOCKED', 'ERR_IP_BLOCKED']
    assert [str(e) for e in err.errors] == ['IP(127.0.0.1) is blocked by net.BlockList',
                                            'IP(127.0.0.2) is blocked by net.BlockList']
    assert log[-1] == ('close', True)


# -- argument checks -----------------------------------------------------------

@pytest.mark.parametrize('value', [{}, [], 'x', 1, object()])
def test_a_blocklist_that_is_not_a_blocklist_is_err_invalid_arg_type(value):
    for make in (lambda: net.Socket({'blockList': value}),
                 lambda: net.createServer({'blockList': value}),
                 lambda: net.connect({'port': 9, 'host': '127.0.0.1', 'blockList': value})):
        with pytest.raises(net.NodeError) as info:
            make()
        assert info.value.code == 'ERR_INVALID_ARG_TYPE'
        assert 'options.blockList' in str(info.value)


def test_a_blocklist_instance_is_accepted_and_none_means_none():
    net.Socket({'blockList': net.BlockList()})
    net.Socket({'blockList': None})
    net.createServer({'blockList': None})
    server = net.createServer({'blockList': net.BlockList()})
    assert not server.listening
