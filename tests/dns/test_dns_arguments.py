"""Bad arguments raise at once with Node 20's error code and message
(pinned under /usr/bin/node); setServers()' forms and getServers()' way
of listing them; setLocalAddress()' rules."""
import pytest

from pyuvnet import dns, errors


def raised(call):
    with pytest.raises(errors.NodeError) as info:
        call()
    return info.value.code, str(info.value)


def test_name_must_be_a_string():
    assert raised(lambda: dns.Resolver().resolve(5, lambda *a: None)) == (
        'ERR_INVALID_ARG_TYPE',
        'The "name" argument must be of type string. Received type int (5)')


def test_unknown_rrtype_is_invalid():
    assert raised(lambda: dns.Resolver().resolve('a', 'BAD', lambda *a: None)) == (
        'ERR_INVALID_ARG_VALUE', "The argument 'rrtype' is invalid. Received 'BAD'")
    assert raised(lambda: dns.Resolver().resolve('a', 5, lambda *a: None))[0] == \
        'ERR_INVALID_ARG_TYPE'


def test_callback_is_required():
    assert raised(lambda: dns.Resolver().resolve4('a')) == (
        'ERR_INVALID_ARG_TYPE',
        'The "callback" argument must be of type function. Received None')


def test_servers_must_be_a_list_of_ip_strings():
    resolver = dns.Resolver()
    assert raised(lambda: resolver.setServers('1.2.3.4'))[0] == 'ERR_INVALID_ARG_TYPE'
    assert raised(lambda: resolver.setServers(['1.2.3.x'])) == (
        'ERR_INVALID_IP_ADDRESS', 'Invalid IP address: 1.2.3.x')
    assert raised(lambda: resolver.setServers([5])) == (
        'ERR_INVALID_ARG_TYPE',
        'The "servers[0]" argument must be of type string. Received type int (5)')


def test_servers_forms_are_listed_as_node_lists_them():
    resolver = dns.Resolver()
    resolver.setServers(['1.2.3.4', '1.2.3.5:5353', '::1', '[::2]:53', '[::3]:5353', '[1.2.3.6]:99'])
    assert resolver.getServers() == ['1.2.3.4', '1.2.3.5:5353', '::1', '::2', '[::3]:5353',
                                     '1.2.3.6:99']
    resolver.setServers([])
    assert resolver.getServers() == []


def test_timeout_and_tries_are_checked():
    assert raised(lambda: dns.Resolver({'timeout': 'x'}))[0] == 'ERR_INVALID_ARG_TYPE'
    assert raised(lambda: dns.Resolver({'timeout': -5})) == (
        'ERR_OUT_OF_RANGE', 'The value of "options.timeout" is out of range. '
        'It must be >= -1 && <= 2147483647. Received -5')
    assert raised(lambda: dns.Resolver(tries=0))[0] == 'ERR_OUT_OF_RANGE'
    assert raised(lambda: dns.Resolver({'tries': 1.5})) == (
        'ERR_OUT_OF_RANGE', 'The value of "options.tries" is out of range. '
        'It must be an integer. Received 1.5')


def test_set_local_address_rules():
    resolver = dns.Resolver()
    assert raised(lambda: resolver.setLocalAddress('x')) == (
        'ERR_INVALID_ARG_VALUE', 'Invalid IP address.')
    assert raised(lambda: resolver.setLocalAddress('1.2.3.4', '1.2.3.5')) == (
        'ERR_INVALID_ARG_VALUE', 'Cannot specify two IPv4 addresses.')
    assert raised(lambda: resolver.setLocalAddress(5))[0] == 'ERR_INVALID_ARG_TYPE'
    resolver.setLocalAddress('::1')
    resolver.setLocalAddress('127.0.0.1', '::1')


def test_reverse_of_a_non_address_is_einval_at_once():
    with pytest.raises(OSError) as info:
        dns.Resolver().reverse('x', lambda *a: None)
    assert (info.value.code, info.value.syscall, str(info.value)) == (
        'EINVAL', 'getHostByAddr', 'getHostByAddr EINVAL x')


def test_lookup_service_arguments():
    assert raised(lambda: dns.lookupService('127.0.0.1', 80)) == (
        'ERR_MISSING_ARGS', 'The "address", "port", and "callback" arguments must be specified')
    assert raised(lambda: dns.lookupService('x', 80, lambda *a: None)) == (
        'ERR_INVALID_ARG_VALUE', "The argument 'address' is invalid. Received 'x'")
    assert raised(lambda: dns.lookupService('127.0.0.1', 70000, lambda *a: None)) == (
        'ERR_SOCKET_BAD_PORT', 'Port should be >= 0 and < 65536. Received type int (70000).')


def test_result_order():
    assert dns.getDefaultResultOrder() == 'verbatim'
    assert raised(lambda: dns.setDefaultResultOrder('x')) == (
        'ERR_INVALID_ARG_VALUE', "The argument 'dnsOrder' must be one of: 'verbatim', "
        "'ipv4first', 'ipv6first'. Received 'x'")
    try:
        dns.setDefaultResultOrder('ipv4first')
        assert dns.getDefaultResultOrder() == 'ipv4first'
    finally:
        dns.setDefaultResultOrder('verbatim')


def test_error_code_constants_are_nodes():
    assert (dns.NODATA, dns.CANCELLED, dns.ADDRGETNETWORKPARAMS, dns.TIMEOUT) == (
        'ENODATA', 'ECANCELLED', 'EADDRGETNETWORKPARAMS', 'ETIMEOUT')


def test_timeout_bounds_are_node_20s():
    # Node's test-dns-channel-timeout.js (Node 20 accepts 0).
    for ctor in (dns.Resolver, dns.promises.Resolver):
        for timeout in (True, False, '', '2'):
            assert raised(lambda: ctor({'timeout': timeout}))[0] == 'ERR_INVALID_ARG_TYPE'
        for timeout in (-2, 4.2, 2 ** 32):
            assert raised(lambda: ctor({'timeout': timeout}))[0] == 'ERR_OUT_OF_RANGE'
        for timeout in (-1, 0, 1):
            ctor({'timeout': timeout})


def test_set_servers_refused_while_questions_are_in_flight(run_loop):
    # Node's test-dns-setserver-when-querying.js, against a refused port.
    from support import refused_port
    resolver = dns.Resolver({'timeout': 100, 'tries': 1})
    resolver.setServers(['127.0.0.1:%d' % refused_port()])
    resolver.resolve4('x.test', lambda err, *rest: None)
    code, message = raised(lambda: resolver.setServers(['127.0.0.1:10']))
    assert code == 'ERR_DNS_SET_SERVERS_FAILED'
    assert message.startswith('c-ares failed to set servers: "There are pending queries." [')
    saved = dns.getServers()
    try:
        dns.setServers(['127.0.0.1:%d' % refused_port()])
        dns.resolve4('x.test', lambda err, *rest: None)
        dns.setServers(['127.0.0.1:%d' % refused_port()])     # the module's: no error
        run_loop()
    finally:
        dns.setServers(saved)
