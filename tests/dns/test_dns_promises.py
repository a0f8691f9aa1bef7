"""dns.promises: the same questions as futures under asyncio (the bridge
attached), rejected with the same errors; cancel() rejects with ECANCELLED."""
import asyncio

import pytest

from aio_support import needs_backend_fd
from dns_records import MX_RECORDS

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
