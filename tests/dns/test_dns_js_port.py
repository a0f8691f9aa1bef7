"""Node's test/parallel/test-dns.js (its argument checks), ported case by
case; each expectation was run under /usr/bin/node 20 first. The answers
half of test-dns.js (resolveAny, SOA and TTLs from a mock server) is in
test_dns_node_exact.py."""
import asyncio
import math

import pytest

import pyuvnet as net
from aio_support import needs_backend_fd
from support import assert_code

from pyuvnet import aio, dns


def nop(*args):
    pass


def in_a_loop(call):
    """``call()`` under a running asyncio loop with the bridge attached,
    as a dns.promises caller runs it: what it raises at once."""
    async def main():
        async with aio.attach():
            return call()
    return asyncio.run(main())


@pytest.mark.parametrize('hostname', [{}, [], True, 1, nop], ids=['dict', 'list', 'True', '1', 'function'])
def test_lookup_refuses_a_hostname_that_is_neither_falsy_nor_a_string(hostname):
    """Node 20: dns.lookup({}, cb), lookup([]) ... throw ERR_INVALID_ARG_TYPE
    ("The "hostname" argument must be of type string"): an empty dict or
    list is an object there, not a missing name."""
    err = assert_code('ERR_INVALID_ARG_TYPE', lambda: dns.lookup(hostname, nop), TypeError)
    assert str(err).startswith('The "hostname" argument must be of type string. Received ')


@needs_backend_fd
@pytest.mark.parametrize('hostname', [{}, [], True, 1, nop], ids=['dict', 'list', 'True', '1', 'function'])
def test_promises_lookup_refuses_the_same_hostnames_at_once(hostname):
    assert_code('ERR_INVALID_ARG_TYPE', lambda: in_a_loop(lambda: dns.promises.lookup(hostname)),
                TypeError)


@pytest.mark.parametrize('hostname', ['', None, False, 0, 0.0, math.nan], ids=repr)
def test_lookup_of_a_falsy_hostname_is_no_address_of_family_4(hostname, run_loop):
    """Node 20: dns.lookup('' | null | undefined | 0 | NaN, cb) calls back
    (null, null, 4) on a later turn."""
    answers = []
    dns.lookup(hostname, lambda *args: answers.append(args))
    assert answers == []
    run_loop()
    assert answers == [(None, None, 4)]


def test_lookup_with_hints_no_flag_combination_is_invalid():
    """Node 20: hints (V4MAPPED | ADDRCONFIG) + 1 = 41 is ERR_INVALID_ARG_VALUE
    "The argument 'hints' is invalid. Received 41"."""
    hints = (dns.V4MAPPED | dns.ADDRCONFIG) + 1
    err = assert_code('ERR_INVALID_ARG_VALUE',
                      lambda: dns.lookup('nodejs.org', {'hints': hints}, nop), TypeError)
    assert str(err) == "The argument 'hints' is invalid. Received 41"


@pytest.mark.parametrize('args', [('nodejs.org',), ('nodejs.org', 4)], ids=repr)
def test_lookup_without_a_callback_is_refused(args):
    err = assert_code('ERR_INVALID_ARG_TYPE', lambda: dns.lookup(*args), TypeError)
    assert str(err).startswith('The "callback" argument must be of type function.')


@pytest.mark.parametrize('hints', [0, dns.ADDRCONFIG, dns.V4MAPPED, dns.ADDRCONFIG | dns.V4MAPPED])
def test_lookup_of_no_name_takes_every_valid_hint(hints, run_loop):
    answers = []
    dns.lookup('', {'hints': hints}, lambda *args: answers.append(args))
    run_loop()
    assert answers == [(None, None, 4)]


def test_lookup_service_tells_a_missing_argument_from_a_null_one():
    """Node 20 counts its arguments: lookupService('0.0.0.0') is
    ERR_MISSING_ARGS, but a null port is ERR_SOCKET_BAD_PORT ("Received
    null.") and a null callback ERR_INVALID_ARG_TYPE."""
    err = assert_code('ERR_MISSING_ARGS', lambda: dns.lookupService('0.0.0.0'), TypeError)
    assert str(err) == 'The "address", "port", and "callback" arguments must be specified'
    err = assert_code('ERR_SOCKET_BAD_PORT', lambda: dns.lookupService('0.0.0.0', None, nop),
                      ValueError)
    assert str(err).startswith('Port should be >= 0 and < 65536. Received ')
    err = assert_code('ERR_INVALID_ARG_TYPE', lambda: dns.lookupService('0.0.0.0', 80, None),
                      TypeError)
    assert str(err).startswith('The "callback" argument must be of type function.')


@pytest.mark.parametrize('port', [None, 65538, 'test'], ids=repr)
def test_lookup_service_refuses_a_bad_port_in_both_apis(port):
    for call in (lambda: dns.lookupService('0.0.0.0', port, nop),
                 lambda: dns.promises.lookupService('0.0.0.0', port)):
        err = assert_code('ERR_SOCKET_BAD_PORT', call, ValueError)
        assert str(err).startswith('Port should be >= 0 and < 65536. Received ')


def test_promises_lookup_service_names_its_two_arguments():
    """Node 20: dnsPromises.lookupService('0.0.0.0') is "The "address" and
    "port" arguments must be specified" (no callback there)."""
    err = assert_code('ERR_MISSING_ARGS', lambda: dns.promises.lookupService('0.0.0.0'), TypeError)
    assert str(err) == 'The "address" and "port" arguments must be specified'


def test_lookup_service_refuses_a_host_that_is_no_address_in_both_apis():
    for call in (lambda: dns.lookupService('fasdfdsaf', 0, nop),
                 lambda: dns.promises.lookupService('fasdfdsaf', 0)):
        err = assert_code('ERR_INVALID_ARG_VALUE', call, TypeError)
        assert str(err) == "The argument 'address' is invalid. Received 'fasdfdsaf'"


@pytest.mark.parametrize('server', [
    ' ', '\n', '\0', '1' * 12, ':' * 100000, '[' * 100000, '[' * 100000 + ']' * 100000 + 'a',
    'foobar', '127.0.0.1:va'], ids=lambda s: repr(s[:12]))
def test_set_servers_refuses_what_is_no_address_quickly(server):
    """Node 20: each is ERR_INVALID_IP_ADDRESS, "Invalid IP address: <it>"
    (the long ones check for a regular-expression blow-up); a ValueError
    here, as pyuvnet's ERR_SOCKET_BAD_PORT is (Node's TypeError and
    RangeError are classes Python has not)."""
    before = dns.getServers()
    err = assert_code('ERR_INVALID_IP_ADDRESS', lambda: dns.setServers([server]), ValueError)
    assert str(err) == 'Invalid IP address: ' + server
    assert dns.getServers() == before


def test_set_servers_forms_read_back_as_node_reads_them():
    before = dns.getServers()
    try:
        google6 = ['2001:4860:4860::8888', '2001:4860:4860::8844', '4.4.4.4']
        dns.setServers(google6)
        assert dns.getServers() == google6
        dns.setServers(['4.4.4.4:53', '[2001:4860:4860::8888]:53', '103.238.225.181:666',
                        '[fe80::483a:5aff:fee6:1f04]:666', '[fe80::483a:5aff:fee6:1f04]'])
        assert dns.getServers() == ['4.4.4.4', '2001:4860:4860::8888', '103.238.225.181:666',
                                    '[fe80::483a:5aff:fee6:1f04]:666', 'fe80::483a:5aff:fee6:1f04']
        dns.setServers([])
        assert dns.getServers() == []
    finally:
        dns.setServers(before)


@needs_backend_fd
def test_resolve_refuses_an_rrtype_that_is_no_string_in_both_apis():
    for call in (lambda: dns.resolve('example.com', [], nop),
                 lambda: in_a_loop(lambda: dns.promises.resolve('example.com', []))):
        err = assert_code('ERR_INVALID_ARG_TYPE', call, TypeError)
        assert str(err).startswith('The "rrtype" argument must be of type string. Received ')
