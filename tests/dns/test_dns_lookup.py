"""dns.lookup (getaddrinfo, as Node's) and dns.lookupService (getnameinfo):
an IP address answered without a lookup, 'localhost' from this machine's
hosts file, the all/family/order options, and failures as Node names them
(``getaddrinfo ENOTFOUND name``)."""
import socket

from pyuvnet import dns


def localhost_addresses():
    found = []
    for entry in socket.getaddrinfo('localhost', 0, 0, socket.SOCK_STREAM):
        if entry[4][0] not in found:
            found.append(entry[4][0])
    return found


def test_an_ip_address_is_answered_on_the_next_tick(ask):
    seen = []
    dns.lookup('127.0.0.1', lambda *args: seen.append(args))
    assert seen == []
    assert ask(dns, 'lookup', '::1') == (None, ('::1', 6))
    assert ask(dns, 'lookup', '10.1.2.3', {'all': True}) == (
        None, [{'address': '10.1.2.3', 'family': 4}])


def test_localhost_gives_getaddrinfos_first_address(ask):
    first = localhost_addresses()[0]
    err, (address, family) = ask(dns, 'lookup', 'localhost')
    assert (err, address, family) == (None, first, 6 if ':' in first else 4)


def test_all_gives_every_address_in_order(ask):
    found = localhost_addresses()
    err, records = ask(dns, 'lookup', 'localhost', {'all': True})
    assert records == [{'address': a, 'family': 6 if ':' in a else 4} for a in found]
    err, records = ask(dns, 'lookup', 'localhost', {'all': True, 'order': 'ipv4first'})
    assert [r['family'] for r in records] == sorted(r['family'] for r in records)


def test_family_4_gives_ipv4(ask):
    assert ask(dns, 'lookup', 'localhost', 4) == (None, ('127.0.0.1', 4))
    assert ask(dns, 'lookup', 'localhost', {'family': 'IPv4'}) == (None, ('127.0.0.1', 4))


def test_unknown_name_is_enotfound(ask):
    err, _ = ask(dns, 'lookup', 'no-such-host.invalid')
    assert (err.code, err.syscall, err.hostname) == ('ENOTFOUND', 'getaddrinfo',
                                                     'no-such-host.invalid')
    assert str(err) == 'getaddrinfo ENOTFOUND no-such-host.invalid'


def test_no_hostname_answers_null(ask):
    assert ask(dns, 'lookup', '') == (None, (None, 4))
    assert ask(dns, 'lookup', None, {'all': True}) == (None, [])


def test_lookup_service_gives_host_and_service(ask):
    host, service = socket.getnameinfo(('127.0.0.1', 22), socket.NI_NAMEREQD)
    assert ask(dns, 'lookupService', '127.0.0.1', 22) == (None, (host, service))


def test_net_connect_takes_dns_lookup_as_its_lookup(listening_server, run_loop):
    import pyuvnet as net
    got = []
    server, port = listening_server(lambda sock: sock.end(b'hi'))
    sock = net.connect({'port': port, 'host': 'localhost', 'lookup': dns.lookup,
                        'family': 4})
    sock.on('data', got.append)
    sock.on('close', lambda had_error: server.close())
    run_loop()
    assert b''.join(got) == b'hi'


def test_lookup_arguments_as_node_20_checks_them():
    # test-dns-lookup.js's validation, pinned under /usr/bin/node.
    import pytest
    from pyuvnet import errors

    def raised(*args):
        with pytest.raises(errors.NodeError) as info:
            dns.lookup(*args)
        return info.value.code, str(info.value)
    noop = lambda *args: None  # noqa: E731
    assert raised(5, noop)[0] == 'ERR_INVALID_ARG_TYPE'
    assert raised('nodejs.org', {'hints': 100}, noop) == (
        'ERR_INVALID_ARG_VALUE', "The argument 'hints' is invalid. Received 100")
    assert raised('nodejs.org', {'family': 20}, noop) == (
        'ERR_INVALID_ARG_VALUE', "The property 'options.family' must be one of: 0, 4, 6. Received 20")
    assert raised('nodejs.org', 20, noop) == (
        'ERR_INVALID_ARG_VALUE', "The argument 'family' must be one of: 0, 4, 6. Received 20")
    assert raised('nodejs.org', {'all': 'x'}, noop)[0] == 'ERR_INVALID_ARG_TYPE'
    assert raised('nodejs.org', {'verbatim': 'x'}, noop)[0] == 'ERR_INVALID_ARG_TYPE'
    assert raised('nodejs.org', {'order': 'x'}, noop) == (
        'ERR_INVALID_ARG_VALUE', "The property 'options.order' must be one of: 'verbatim', "
        "'ipv4first', 'ipv6first'. Received 'x'")
    assert raised('nodejs.org', {})[0] == 'ERR_INVALID_ARG_TYPE'
    assert raised('nodejs.org', 'x', noop)[0] == 'ERR_INVALID_ARG_TYPE'


def test_lookup_of_nothing_and_of_an_address(ask):
    # test-dns-lookup.js: false with all gives [], an address itself.
    assert ask(dns, 'lookup', False, {'hints': 0, 'family': 0, 'all': True}) == (None, [])
    assert ask(dns, 'lookup', '127.0.0.1', {'family': 4, 'hints': 0, 'all': False}) == (
        None, ('127.0.0.1', 4))
    assert ask(dns, 'lookup', '', {'family': 6}) == (None, (None, 6))
