"""dns.promises: the same questions as futures under asyncio (the bridge
attached), rejected with the same errors; cancel() rejects with ECANCELLED."""
import asyncio

import pytest

from aio_support import needs_backend_fd
from dns_records import MX_RECORDS
from dns_support import Responder

from pyuvnet import aio, dns

pytestmark = needs_backend_fd


def run(coro):
    async def main():
        async with aio.attach():
            return await asyncio.wait_for(coro(), 10)
    return asyncio.run(main())


def test_promises_is_the_modules_attribute():
    from pyuvnet.dns import promises
    assert dns.promises is promises


def test_resolver_questions_are_futures(responder):
    async def main():
        resolver = dns.promises.Resolver({'timeout': 200, 'tries': 2})
        resolver.setServers([responder.server])
        mx = await resolver.resolveMx('a.test')
        a = await resolver.resolve4('a.test', {'ttl': True})
        soa = await resolver.resolve('a.test', 'SOA')
        names = await resolver.reverse('10.0.0.1')
        with pytest.raises(OSError) as info:
            await resolver.resolve_txt('nx.test')
        return mx, a, soa['serial'], names, info.value.code
    assert run(main) == (MX_RECORDS, [{'address': '10.0.0.1', 'ttl': 60},
                                      {'address': '10.0.0.2', 'ttl': 61}],
                         7, ['a.test', 'b.test'], 'ENOTFOUND')


def test_cancel_rejects_with_ecancelled(responder):
    async def main():
        resolver = dns.promises.Resolver({'timeout': 5000, 'tries': 1})
        resolver.setServers([responder.server])
        waiting = resolver.resolve4('silent.test')
        resolver.cancel()
        with pytest.raises(OSError) as info:
            await waiting
        return info.value.code
    assert run(main) == 'ECANCELLED'


def test_lookup_and_lookup_service_shapes():
    async def main():
        one = await dns.promises.lookup('127.0.0.1')
        every = await dns.promises.lookup('::1', {'all': True})
        service = await dns.promises.lookupService('127.0.0.1', 22)
        return one, every, sorted(service)
    assert run(main) == ({'address': '127.0.0.1', 'family': 4},
                         [{'address': '::1', 'family': 6}], ['hostname', 'service'])


def test_bad_arguments_raise_at_the_call():
    async def main():
        with pytest.raises(TypeError):
            dns.promises.Resolver().resolve4(5)
        return True
    assert run(main)


def test_resolvens_typeerror_of_the_promises():
    # test-dns-resolvens-typeerror.js: dnsPromises.resolveNs([]) throws at
    # once, before any future.
    from pyuvnet.dns import promises
    from pyuvnet.errors import NodeError

    async def main():
        try:
            promises.resolveNs([])
        except NodeError as err:
            return err
    err = run(main)
    assert (err.code, isinstance(err, TypeError)) == ('ERR_INVALID_ARG_TYPE', True)
    assert str(err).startswith('The "name" argument must be of type string')


def test_channel_cancel_promise():
    # test-dns-channel-cancel-promise.js: one question's future, then ten,
    # each rejected with ECANCELLED (syscall and hostname kept) once the
    # server has them.
    silent = {'example%d.org' % i: 'silent' for i in range(11)}

    async def cancelled(resolver, responder, names):
        futures = [resolver.resolve4(name) for name in names]
        for _ in range(1000):
            if responder.count(None, names[-1]):
                break
            await asyncio.sleep(0.005)
        resolver.cancel()
        found = []
        for name, future in zip(names, futures):
            try:
                await future
            except OSError as err:
                found.append((err.code, err.syscall, err.hostname == name))
        return found

    async def main():
        with Responder({}, silent) as responder:
            resolver = dns.promises.Resolver()
            resolver.setServers([responder.server])
            return (await cancelled(resolver, responder, ['example0.org'])
                    + await cancelled(resolver, responder,
                                      ['example%d.org' % i for i in range(1, 11)]))
    assert run(main) == [('ECANCELLED', 'queryA', True)] * 11


def test_lookupservice_promises():
    # test-dns-lookupService-promises.js, its loopback half (the other asks
    # getnameinfo about 192.0.2.1, which may go to the system's servers).
    async def main():
        return await dns.promises.lookupService('127.0.0.1', 22)
    found = run(main)
    assert found['service'] in ('ssh', '22')
    assert isinstance(found['hostname'], str) and found['hostname']


def test_lookup_promises_options_deprecated():
    # test-dns-lookup-promises-options-deprecated.js: each bad option
    # throws at once, as a dict or (pyuvnet's) as a keyword.
    from pyuvnet.errors import NodeError
    bad = [({'hints': '-1'}, 'ERR_INVALID_ARG_TYPE'), ({'hints': -1}, 'ERR_INVALID_ARG_VALUE'),
           ({'family': '6'}, 'ERR_INVALID_ARG_VALUE'), ({'all': 'true'}, 'ERR_INVALID_ARG_TYPE'),
           ({'verbatim': 'true'}, 'ERR_INVALID_ARG_TYPE'),
           ({'order': 'true'}, 'ERR_INVALID_ARG_VALUE')]

    def code(call):
        try:
            call()
        except NodeError as err:
            return err.code

    async def main():
        return ([code(lambda: dns.promises.lookup('127.0.0.1', options)) for options, _ in bad]
                + [code(lambda: dns.promises.lookup('127.0.0.1', **options)) for options, _ in bad]
                + [code(lambda: dns.promises.lookup('127.0.0.1', '6'))])
    assert run(main) == [expected for _, expected in bad] * 2 + ['ERR_INVALID_ARG_TYPE']
