"""pyuvnet.dns.promises: Node 20's ``dns.promises``, as asyncio awaitables.

    from pyuvnet import aio
    from pyuvnet.dns import promises as dns

    async def main():
        async with aio.attach():
            mx = await dns.resolveMx('example.com')

The surface is ``pyuvnet.dns``'s without callbacks: each call starts its
question at once (bad arguments raise there) and returns an
``asyncio.Future`` settled with what the callback would get (``lookup``:
``{'address', 'family'}``, or the list with ``all``; ``lookupService``:
``{'hostname', 'service'}``) or rejected with its error. Needs the asyncio
bridge on the running loop (``aio.attach()`` or ``aio.install()``).
"""
from .._internal import aio_bridge as aio
from ._lookup import (
    getDefaultResultOrder, lookup as _lookup, lookup_options, setDefaultResultOrder,
)
from .._internal.aliases import module_twins as _module_twins, twins as _twins
from ._resolver import RRTYPES as _RRTYPES, Resolver as _CallbackResolver, query_options
from ._codes import *  # noqa: F401,F403 (Node's error codes, in __all__)
from ._codes import CODES as _CODES
from ._default import default_resolver, set_default_servers
from ._service import (
    NOT_GIVEN as _NOT_GIVEN, check_service_args as _check_service_args,
    lookupService as _lookup_service,
)

__all__ = [
    'Resolver', 'lookup', 'lookupService', 'getServers', 'setServers', 'resolve', 'resolve4',
    'resolve6', 'resolveAny', 'resolveCaa', 'resolveCname', 'resolveMx', 'resolveNaptr',
    'resolveNs', 'resolvePtr', 'resolveSoa', 'resolveSrv', 'resolveTxt', 'reverse',
    'getDefaultResultOrder', 'setDefaultResultOrder',
] + _CODES


def _settle(ask, shape=None):
    """A future for ``ask(callback)``: the callback's error, or its result
    (``shape`` makes the callback's values into one)."""
    future = aio._bridge().loop.create_future()

    def callback(err, *values):
        if future.done():
            return
        if err is not None:
            future.set_exception(err)
        else:
            future.set_result(shape(*values) if shape else values[0])
    ask(callback)
    return future


def _promise_method(rrtype):
    def method(self, hostname):
        return _settle(lambda callback: self._ask(rrtype, hostname, None, callback))
    name = _RRTYPES[rrtype][1]
    method.__name__ = name
    method.__qualname__ = 'Resolver.' + name
    method.__doc__ = 'A future of :meth:`pyuvnet.dns.Resolver.%s`\'s answer.' % name
    return method


@_twins(bases=('dns.Resolver',))
class Resolver(_CallbackResolver):
    """Node's ``dns.promises.Resolver``: :class:`pyuvnet.dns.Resolver`
    whose questions return futures; ``cancel()`` rejects them with
    ECANCELLED."""

    def resolve(self, hostname, rrtype='A'):
        if not isinstance(rrtype, str):
            return super().resolve(hostname, rrtype, None)  # Node's type error
        return _settle(lambda callback: super(Resolver, self).resolve(hostname, rrtype, callback))

    def resolve4(self, hostname, options=None, **keywords):
        if keywords:
            options = query_options(options, None, keywords)[0]
        return _settle(lambda callback: self._ask('A', hostname, options, callback))

    def resolve6(self, hostname, options=None, **keywords):
        if keywords:
            options = query_options(options, None, keywords)[0]
        return _settle(lambda callback: self._ask('AAAA', hostname, options, callback))

    def reverse(self, ip):
        return _settle(lambda callback: super(Resolver, self).reverse(ip, callback))

    resolveAny = _promise_method('ANY')
    resolveCaa = _promise_method('CAA')
    resolveCname = _promise_method('CNAME')
    resolveMx = _promise_method('MX')
    resolveNaptr = _promise_method('NAPTR')
    resolveNs = _promise_method('NS')
    resolvePtr = _promise_method('PTR')
    resolveSoa = _promise_method('SOA')
    resolveSrv = _promise_method('SRV')
    resolveTxt = _promise_method('TXT')


def lookup(hostname, options=None, **keywords):
    """A future of ``{'address', 'family'}`` (a list of them with ``all``)."""
    if keywords:
        options = lookup_options(options, keywords)

    def shape(address, family=None):
        return address if isinstance(address, list) else {'address': address, 'family': family}
    return _settle(lambda callback: _lookup(hostname, options, callback), shape)


def lookupService(address=_NOT_GIVEN, port=_NOT_GIVEN):
    """A future of ``{'hostname', 'service'}`` (getnameinfo)."""
    _check_service_args(address, port, 'address', 'port')
    return _settle(lambda callback: _lookup_service(address, port, callback),
                   lambda hostname, service: {'hostname': hostname, 'service': service})


def getServers():
    """The default resolver's servers."""
    return default_resolver().getServers()


def setServers(servers):
    """Sets the default resolver's servers (a new default resolver, as
    pyuvnet.dns.setServers)."""
    set_default_servers(servers)


def resolve(hostname, rrtype='A'):
    """A future of the default resolver's records of type ``rrtype``."""
    return _settle(lambda callback: default_resolver().resolve(hostname, rrtype, callback))


def resolve4(hostname, options=None, **keywords):
    """A future of the default resolver's IPv4 addresses."""
    if keywords:
        options = query_options(options, None, keywords)[0]
    return _settle(lambda callback: default_resolver().resolve4(hostname, options, callback))


def resolve6(hostname, options=None, **keywords):
    """A future of the default resolver's IPv6 addresses."""
    if keywords:
        options = query_options(options, None, keywords)[0]
    return _settle(lambda callback: default_resolver().resolve6(hostname, options, callback))


def reverse(ip):
    """A future of the default resolver's names for an IP address."""
    return _settle(lambda callback: default_resolver().reverse(ip, callback))


def _default_method(name):
    def method(hostname):
        return _settle(lambda callback: getattr(default_resolver(), name)(hostname, callback))
    method.__name__ = method.__qualname__ = name
    method.__doc__ = 'A future of :meth:`Resolver.%s` on the default resolver.' % name
    return method


for _name in ('resolveAny', 'resolveCaa', 'resolveCname', 'resolveMx', 'resolveNaptr',
              'resolveNs', 'resolvePtr', 'resolveSoa', 'resolveSrv', 'resolveTxt'):
    globals()[_name] = _default_method(_name)

_module_twins(globals(), 'dns.promises', ('lookupService', 'getServers', 'setServers', 'resolveAny',
                                          'resolveCaa', 'resolveCname', 'resolveMx', 'resolveNaptr',
                                          'resolveNs', 'resolvePtr', 'resolveSoa', 'resolveSrv',
                                          'resolveTxt', 'getDefaultResultOrder',
                                          'setDefaultResultOrder'))
