"""Node's ``dns.lookup`` over getaddrinfo (libuv's, on its thread pool), and
the default result order ``dns.setDefaultResultOrder()`` sets.

Node's ``lookup`` is getaddrinfo, not c-ares: the same
``_uv.getaddrinfo`` net resolves a host with before connecting.
"""
import socket
from collections.abc import Mapping

from .. import _uv, errors, isIP
from .._internal.options import OptionSpec, normalize_options
from .._internal.validate import validate_boolean, validate_function, validate_number, validate_one_of

__all__ = ['lookup', 'lookup_options', 'getDefaultResultOrder', 'setDefaultResultOrder',
           'in_order', 'ADDRCONFIG', 'V4MAPPED', 'ALL']

# getaddrinfo's hints: the system's AI_* values, as Node's dns module
# exports them (32, 8 and 16 on Linux), handed to getaddrinfo as they are.
ADDRCONFIG = socket.AI_ADDRCONFIG
V4MAPPED = socket.AI_V4MAPPED
ALL = socket.AI_ALL

_ORDERS = ('verbatim', 'ipv4first', 'ipv6first')
_EAI_NONAME = errors.uv_code('EAI_NONAME')     # getaddrinfo found nothing
_default_order = 'verbatim'     # Node 17 and later


def getDefaultResultOrder():
    """The order lookup() gives addresses in unless told: ``'verbatim'``
    (getaddrinfo's), ``'ipv4first'`` or ``'ipv6first'``."""
    return _default_order


def setDefaultResultOrder(order):
    """Sets :func:`getDefaultResultOrder`'s value (one of the three names)."""
    global _default_order
    _default_order = validate_one_of(order, 'dnsOrder', _ORDERS)


def in_order(found, order):
    """``[(address, family), ...]`` sorted as ``order`` says (stable)."""
    if order == 'ipv4first':
        return sorted(found, key=lambda entry: entry[1] != 4)
    if order == 'ipv6first':
        return sorted(found, key=lambda entry: entry[1] != 6)
    return found


def _options(options, callback):
    """(family, hints, all, order) from lookup()'s second argument, as
    Node 20 checks it."""
    family, hints, all_, order = 0, 0, False, _default_order
    if isinstance(options, (int, float)) and not isinstance(options, bool):
        validate_function(callback, 'callback')
        family = validate_one_of(options, 'family', (0, 4, 6))
    elif options is not None and not isinstance(options, dict):
        raise errors.ERR_INVALID_ARG_TYPE('options', ['integer', 'Object'], options)
    else:
        validate_function(callback, 'callback')
        options = options or {}
        if options.get('hints') is not None:
            hints = int(validate_number(options['hints'], 'options.hints')) & 0xFFFFFFFF
            if hints & ~(ADDRCONFIG | V4MAPPED | ALL):
                raise errors.ERR_INVALID_ARG_VALUE('hints', hints)
        if options.get('family') is not None:
            family = {'IPv4': 4, 'IPv6': 6}.get(options['family'])
            if family is None:
                family = validate_one_of(options['family'], 'options.family', (0, 4, 6))
        if options.get('all') is not None:
            all_ = validate_boolean(options['all'], 'options.all')
        if options.get('verbatim') is not None:
            verbatim = validate_boolean(options['verbatim'], 'options.verbatim')
            order = 'verbatim' if verbatim else 'ipv4first'
        if options.get('order') is not None:
            order = validate_one_of(options['order'], 'options.order', _ORDERS)
    return family, hints, all_, order


# Checked as Node checks them, in _options(); here only their names.
_LOOKUP_OPTIONS = OptionSpec({'family': 'any', 'hints': 'any', 'all': 'any', 'verbatim': 'any',
                              'order': 'any'})


def lookup_options(options, keywords):
    """lookup()'s options dict from ``keywords`` (``family=6``,
    ``all=True``) beside the options dict or family number."""
    if options is not None and not isinstance(options, Mapping):
        if isinstance(options, bool) or not isinstance(options, (int, float)):
            raise errors.ERR_INVALID_ARG_TYPE('options', ['integer', 'Object'], options)
        options = {'family': options}
    return normalize_options(options, keywords, _LOOKUP_OPTIONS)


def _is_js_falsy(hostname):
    """Whether Node's ``if (hostname)`` lets ``hostname`` through as no
    name: None, '', False, 0 and NaN; an empty dict or list is an object
    there, refused as a hostname that is no string."""
    if hostname is None or hostname == '':
        return True
    if isinstance(hostname, (int, float)):
        return not hostname or hostname != hostname
    return False


def lookup(hostname, options=None, callback=None, **keywords):
    """Node's ``dns.lookup(hostname[, options], callback)``: getaddrinfo.

    ``options`` is a family (0, 4, 6) or a dict with ``family`` (also
    ``'IPv4'``/``'IPv6'``), ``hints``, ``all``, ``verbatim`` and ``order``,
    or the same as keywords (``lookup(name, callback, family=6)``).
    ``callback(err, address, family)``, or ``callback(err, [{'address',
    'family'}, ...])`` with ``all``, runs on a later turn; a failure is
    Node's ``getaddrinfo ENOTFOUND host`` error (``code``, ``hostname``,
    ``syscall``). Bad arguments raise at once.
    """
    if callable(options) and callback is None:
        options, callback = None, options
    if keywords:
        options = lookup_options(options, keywords)
    no_host = _is_js_falsy(hostname)
    if not no_host and not isinstance(hostname, str):
        raise errors.ERR_INVALID_ARG_TYPE('hostname', 'string', hostname)
    family, hints, all_, order = _options(options, callback)
    if no_host:
        if all_:
            _uv.nextTick(callback, None, [])
        else:
            _uv.nextTick(callback, None, None, 6 if family == 6 else 4)
        return
    matched = isIP(hostname)
    if matched:
        if all_:
            _uv.nextTick(callback, None, [{'address': hostname, 'family': matched}])
        else:
            _uv.nextTick(callback, None, hostname, matched)
        return

    def found(status, entries):
        if status < 0 or not entries:
            callback(errors.dns_exception(status if status < 0 else _EAI_NONAME,
                                          'getaddrinfo', hostname))
            return
        entries = in_order(entries, order)
        if all_:
            callback(None, [{'address': address, 'family': fam} for address, fam in entries])
        else:
            callback(None, entries[0][0], family or entries[0][1])
    status = _uv.getaddrinfo(hostname, family, hints, found)
    if status < 0:
        _uv.nextTick(found, status, [])

