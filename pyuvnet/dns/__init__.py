"""pyuvnet.dns: Node 20's ``dns`` module.

``lookup`` is getaddrinfo (libuv's thread pool), ``lookupService``
getnameinfo, as Node's; ``resolve*``, ``reverse``, ``Resolver`` and the
servers are c-ares, Node's own resolver, compiled into pyuvnet and driven
by the loop (a query holds no thread). The module-level functions use one
default :class:`Resolver` with the system's servers. Records are dicts with
Node's keys; failures are ``OSError``\\s with Node's ``code``
(``ENOTFOUND``, ``ENODATA``, ``ETIMEOUT``, ...), ``syscall`` and
``hostname``. ``pyuvnet.dns.promises`` has the same surface as awaitables.
See docs/DNS.md.
"""
from ._lookup import (
    ADDRCONFIG, ALL, V4MAPPED, getDefaultResultOrder, lookup, setDefaultResultOrder,
)
from .._internal.aliases import module_twins as _module_twins
from ._codes import *  # noqa: F401,F403 (Node's error codes, in __all__)
from ._default import default_resolver, set_default_servers
from ._resolver import Resolver
from ._service import lookupService

__all__ = [
    'lookup', 'lookupService', 'Resolver', 'getServers', 'setServers', 'resolve',
    'resolve4', 'resolve6', 'resolveAny', 'resolveCaa', 'resolveCname', 'resolveMx',
    'resolveNaptr', 'resolveNs', 'resolvePtr', 'resolveSoa', 'resolveSrv', 'resolveTxt',
    'reverse', 'getDefaultResultOrder', 'setDefaultResultOrder', 'ADDRCONFIG', 'V4MAPPED',
    'ALL', 'NODATA', 'FORMERR', 'SERVFAIL', 'NOTFOUND', 'NOTIMP', 'REFUSED', 'BADQUERY',
    'BADNAME', 'BADFAMILY', 'BADRESP', 'CONNREFUSED', 'TIMEOUT', 'EOF', 'FILE', 'NOMEM',
    'DESTRUCTION', 'BADSTR', 'BADFLAGS', 'NONAME', 'BADHINTS', 'NOTINITIALIZED',
    'LOADIPHLPAPI', 'ADDRGETNETWORKPARAMS', 'CANCELLED',
]


def getServers():
    """The default resolver's servers (:meth:`Resolver.getServers`)."""
    return default_resolver().getServers()


def setServers(servers):
    """The default resolver's servers (:meth:`Resolver.setServers`). As in
    Node, a new default resolver takes them, so questions in flight finish
    on the old one."""
    set_default_servers(servers)


def resolve(hostname, rrtype=None, callback=None):
    """:meth:`Resolver.resolve` on the default resolver."""
    return default_resolver().resolve(hostname, rrtype, callback)


def resolve4(hostname, options=None, callback=None, **keywords):
    """:meth:`Resolver.resolve4` on the default resolver."""
    default_resolver().resolve4(hostname, options, callback, **keywords)


def resolve6(hostname, options=None, callback=None, **keywords):
    """:meth:`Resolver.resolve6` on the default resolver."""
    default_resolver().resolve6(hostname, options, callback, **keywords)


def _default_method(name):
    def method(hostname, callback):
        return getattr(default_resolver(), name)(hostname, callback)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = ':meth:`Resolver.%s` on the default resolver.' % name
    return method


resolveAny = _default_method('resolveAny')
resolveCaa = _default_method('resolveCaa')
resolveCname = _default_method('resolveCname')
resolveMx = _default_method('resolveMx')
resolveNaptr = _default_method('resolveNaptr')
resolveNs = _default_method('resolveNs')
resolvePtr = _default_method('resolvePtr')
resolveSoa = _default_method('resolveSoa')
resolveSrv = _default_method('resolveSrv')
resolveTxt = _default_method('resolveTxt')
reverse = _default_method('reverse')

_module_twins(globals(), 'dns', ('lookupService', 'getServers', 'setServers', 'resolveAny',
                                 'resolveCaa', 'resolveCname', 'resolveMx', 'resolveNaptr',
                                 'resolveNs', 'resolvePtr', 'resolveSoa', 'resolveSrv',
                                 'resolveTxt', 'getDefaultResultOrder', 'setDefaultResultOrder'))


def __getattr__(name):
    # dns.promises, as Node's attribute, imported at first use: it needs
    # asyncio, which the rest of this module does not.
    if name == 'promises':
        import importlib
        return importlib.import_module(__name__ + '.promises')
    raise AttributeError('module %r has no attribute %r' % (__name__, name))
