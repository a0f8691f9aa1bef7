"""Node's own dns tests (test/parallel/test-dns-*.js) ported: each test
names its original. Node's mock server (dgram + common/dns.js) is the
responder of dns_support.py here; what Node 20 does was checked under
/usr/bin/node (Node 20's errno of a c-ares failure is undefined: None)."""
import pytest

import pyuvnet as net
from dns_support import AAAA, MX, NS, PTR, SOA, TXT, A, Responder
from support import assert_code

from pyuvnet import dns


def cancel_once_asked(resolver, responder, name, count=1):
    """resolver.cancel() once the responder has seen ``count`` questions
    for ``name`` (it never answers them)."""
    def check():
        if responder.count(None, name) >= count:
            net.clearInterval(timer)
            resolver.cancel()
    timer = net.setInterval(check, 5)


def test_channel_cancel(run_loop):
    # test-dns-channel-cancel.js: one question, then ten, each cancelled
    # once the server has them.
    silent = {'example%d.org' % i: 'silent' for i in range(11)}
    codes = []
    with Responder({}, silent) as responder:
        resolver = dns.Resolver()
        resolver.setServers([responder.server])

        def first(err, *rest):
            codes.append((err.code, err.syscall))
            for i in range(1, 11):
                resolver.resolve4('example%d.org' % i,
                                  lambda err, *rest: codes.append((err.code, err.syscall)))
            cancel_once_asked(resolver, responder, 'example10.org')
        resolver.resolve4('example0.org', first)
        cancel_once_asked(resolver, responder, 'example0.org')
        run_loop(10)
    assert codes == [('ECANCELLED', 'queryA')] * 11


def test_cancel_reverse_lookup(run_loop):
    # test-dns-cancel-reverse-lookup.js
    errs = []
    name = '89.67.45.123.in-addr.arpa'
    with Responder({}, {name: 'silent'}) as responder:
        resolver = dns.Resolver()
        resolver.setServers([responder.server])
        resolver.reverse('123.45.67.89', lambda err, *rest: errs.append(err))
        cancel_once_asked(resolver, responder, name)
        run_loop(10)
    err, = errs
    assert (err.code, err.errno, err.syscall, err.hostname) == (
        'ECANCELLED', None, 'getHostByAddr', '123.45.67.89')


def test_resolveany(run_loop):
    # test-dns-resolveany.js: the module's setServers, then resolveAny by
    # callback; the records without their TTLs (c-ares may change them).
    zone = {'example.org': [A('1.2.3.4', ttl=123), AAAA('::42', ttl=123),
                            MX(42, 'foobar.com', ttl=124), NS('foobar.org', ttl=457),
                            TXT('v=spf1 ~all', 'xyz'), PTR('baz.org', ttl=987),
                            SOA('ns1.example.com', 'admin.example.com', 156696742, 900, 900,
                                1800, 60)]}
    expected = [
        {'type': 'A', 'address': '1.2.3.4'}, {'type': 'AAAA', 'address': '::42'},
        {'type': 'MX', 'priority': 42, 'exchange': 'foobar.com'},
        {'type': 'NS', 'value': 'foobar.org'}, {'type': 'TXT', 'entries': ['v=spf1 ~all', 'xyz']},
        {'type': 'PTR', 'value': 'baz.org'},
        {'type': 'SOA', 'nsname': 'ns1.example.com', 'hostmaster': 'admin.example.com',
         'serial': 156696742, 'refresh': 900, 'retry': 900, 'expire': 1800, 'minttl': 60},
    ]
    answers = []
    saved = dns.getServers()
    with Responder(zone) as responder:
        try:
            dns.setServers([responder.server])
            dns.resolveAny('example.org', lambda err, records: answers.append((err, records)))
            run_loop(10)
        finally:
            dns.setServers(saved)
    err, records = answers[0]
    assert err is None
    assert [{k: v for k, v in r.items() if k != 'ttl'} for r in records] == expected


def test_setlocaladdress():
    # test-dns-setlocaladdress.js
    import pytest
    resolver = dns.Resolver()
    resolver.setLocalAddress('127.0.0.1')
    resolver.setLocalAddress('::1')
    for bad in (('bad',), (123,), ()):
        with pytest.raises(Exception):
            resolver.setLocalAddress(*bad)


@pytest.mark.parametrize('value', [None, 8080, '8.8.8.8', {'address': '8.8.8.8'}])
def test_setservers_type_check_of_the_list(value):
    # test-dns-setservers-type-check.js: what is no list, for the module's,
    # a Resolver's and the promises' setServers.
    from pyuvnet.dns import promises
    for set_servers in (dns.setServers, dns.Resolver().setServers, promises.setServers,
                        promises.Resolver().setServers):
        err = assert_code('ERR_INVALID_ARG_TYPE', lambda: set_servers(value), TypeError)
        assert str(err).startswith('The "servers" argument must be an instance of Array.')


@pytest.mark.parametrize('value', [None, 8080, {'address': '8.8.8.8'}])
def test_setservers_type_check_of_each_server(value):
    # test-dns-setservers-type-check.js: a list holding what is no string.
    from pyuvnet.dns import promises
    for set_servers in (dns.setServers, dns.Resolver().setServers, promises.setServers,
                        promises.Resolver().setServers):
        err = assert_code('ERR_INVALID_ARG_TYPE', lambda: set_servers([value]), TypeError)
        assert str(err).startswith('The "servers[0]" argument must be of type string.')


def test_resolvens_typeerror():
    # test-dns-resolvens-typeerror.js (regress-7070): a name that is no
    # string, and no callback, are TypeErrors at once (the promises' half
    # is in test_dns_promises.py, under the asyncio bridge).
    err = assert_code('ERR_INVALID_ARG_TYPE', lambda: dns.resolveNs([], print), TypeError)
    assert str(err).startswith('The "name" argument must be of type string')
    assert_code('ERR_INVALID_ARG_TYPE', lambda: dns.resolveNs('', None), TypeError)


def test_promises_exists():
    # test-dns-promises-exists.js: dns.promises is the module's attribute
    # and has the module's error codes.
    from pyuvnet.dns import promises
    assert dns.promises is promises
    for name in ('NODATA', 'FORMERR', 'SERVFAIL', 'NOTFOUND', 'NOTIMP', 'REFUSED', 'BADQUERY',
                 'BADNAME', 'BADFAMILY', 'BADRESP', 'CONNREFUSED', 'TIMEOUT', 'EOF', 'FILE',
                 'NOMEM', 'DESTRUCTION', 'BADSTR', 'BADFLAGS', 'NONAME', 'BADHINTS',
                 'NOTINITIALIZED', 'LOADIPHLPAPI', 'ADDRGETNETWORKPARAMS', 'CANCELLED'):
        assert getattr(promises, name) == getattr(dns, name)


def test_regress_6244(run_loop):
    # test-dns-regress-6244.js: resolve4 of an IP literal asks about it as a
    # name (the responder's NXDOMAIN here) and calls back, no crash.
    answers = []
    with Responder({}) as responder:
        resolver = dns.Resolver({'timeout': 200, 'tries': 2})
        resolver.setServers([responder.server])
        resolver.resolve4('127.0.0.1', lambda err, *rest: answers.append(err.code))
        run_loop(10)
    assert answers == ['ENOTFOUND']


@pytest.mark.parametrize('order', ['my_order', 4])
def test_set_default_order_refuses_an_unknown_order(order):
    # test-dns-set-default-order.js, its checks (the rest spies on Node's
    # internal getaddrinfo binding).
    from pyuvnet.dns import promises
    for set_order in (dns.setDefaultResultOrder, promises.setDefaultResultOrder):
        assert_code('ERR_INVALID_ARG_VALUE', lambda: set_order(order))
