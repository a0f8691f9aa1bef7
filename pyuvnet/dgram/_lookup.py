"""How a dgram socket resolves the address it binds, connects or sends to:
Node's lookup4/lookup6 (``lookup(address or the loopback, 4 or 6, cb)``)
over ``dns.lookup``'s shape; by default an IP literal answers on the next
tick, as Node's dns.lookup does, and a name goes to getaddrinfo."""
import sys

from pyuvnet import _uv, errors
from pyuvnet import isIP
from ._errors import node_errno

LOOPBACK = {4: '127.0.0.1', 6: '::1'}
_EAI_NONAME = errors.uv_code('EAI_NONAME')     # getaddrinfo found nothing


def default_lookup(hostname, family, callback):
    """``dns.lookup(hostname, family, callback)`` for one address:
    ``callback(err, address, family)``, never synchronously."""
    found = isIP(hostname)
    if found:
        _uv.nextTick(callback, None, hostname, found)
        return

    def answered(status, addresses):
        if status < 0:
            callback(node_errno(errors.dns_exception(status, 'getaddrinfo', hostname)))
        elif not addresses:
            callback(node_errno(errors.dns_exception(_EAI_NONAME, 'getaddrinfo', hostname)))
        else:
            callback(None, *addresses[0])

    status = _uv.getaddrinfo(hostname, family, 0, answered)
    if status < 0:
        _uv.nextTick(callback, node_errno(errors.dns_exception(status, 'getaddrinfo', hostname)))


def program_dns_lookup():
    """The function the program has put in place of ``dns.lookup``, None
    while it is pyuvnet's own: Node's dgram reads ``dns.lookup`` when each
    socket is made (newHandle).  Read from ``sys.modules``, not imported:
    dns's face brings in the asyncio layer, which dgram's core stays
    below, and a dns module never imported cannot have been replaced."""
    face = sys.modules.get('pyuvnet.dns')
    if face is None:
        return None
    current = face.lookup
    return None if current is sys.modules['pyuvnet.dns._lookup'].lookup else current


def resolver(lookup, family):
    """The ``(address, callback)`` lookup of a socket of ``family`` (4 or
    6), over ``lookup`` (a dns.lookup-shaped function, None for the
    default)."""
    lookup = default_lookup if lookup is None else lookup
    loopback = LOOPBACK[family]

    def resolve(address, callback):
        lookup(address or loopback, family, callback)
    return resolve
