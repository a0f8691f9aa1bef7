"""Node's ``dns.Resolver`` over a c-ares channel (``_uv.ChannelCore``, the
C in ``pyuvnet/uv/dns/``): the questions, their errors and their servers.

A query's answer is parsed in C into Node's records, and the C calls
back; this module checks the arguments as Node 20 does and names the
failures as Node does (``queryMx ENODATA example.com``: ``code``,
``syscall``, ``hostname``: ``resolver_exception``, which the C calls). A
callback never runs inside the call that asked: an answer c-ares gives
at once (a name it refuses) waits for the next check phase, as Node
queues every answer.
"""
import socket

from .. import _uv, errors, isIP
from .._internal.aliases import twins
from .._internal.options import OptionSpec, normalize_options
from ..errors import NodeError, SYSTEM_ERROR_CLASSES
from .._internal.validate import validate_function, validate_string
from ._servers import node_servers, packed_servers

__all__ = ['Resolver', 'RRTYPES', 'resolver_exception', 'query_options']

# rrtype -> (c-ares' query type, the method Node's resolve() dispatches to,
# Node's syscall name).
RRTYPES = {
    'A': (1, 'resolve4', 'queryA'),
    'AAAA': (28, 'resolve6', 'queryAaaa'),
    'ANY': (255, 'resolveAny', 'queryAny'),
    'CAA': (257, 'resolveCaa', 'queryCaa'),
    'CNAME': (5, 'resolveCname', 'queryCname'),
    'MX': (15, 'resolveMx', 'queryMx'),
    'NAPTR': (35, 'resolveNaptr', 'queryNaptr'),
    'NS': (2, 'resolveNs', 'queryNs'),
    'PTR': (12, 'resolvePtr', 'queryPtr'),
    'SOA': (6, 'resolveSoa', 'querySoa'),
    'SRV': (33, 'resolveSrv', 'querySrv'),
    'TXT': (16, 'resolveTxt', 'queryTxt'),
}

_RESOLVER_OPTIONS = OptionSpec({'timeout': 'any', 'tries': 'any'})
_QUERY_OPTIONS = OptionSpec({'ttl': 'any'})     # Node reads options.ttl as a truth value
_UV_EINVAL = errors.uv_code('EINVAL')
_INT32_MAX = 2 ** 31 - 1


def resolver_exception(code, syscall, hostname):
    """Node's dnsException for a c-ares failure: ``queryA ENOTFOUND x.test``,
    with ``code``, ``syscall`` and ``hostname``; ``errno`` is None, as
    Node's is undefined."""
    err = SYSTEM_ERROR_CLASSES[OSError]('%s %s %s' % (syscall, code, hostname))
    err.code = code
    err.errno = None
    err.syscall = syscall
    err.hostname = hostname
    return err


def query_options(options, callback, keywords):
    """(options, callback) of resolve4()/resolve6() given ``keywords``
    (``ttl=True``) beside or instead of the options dict."""
    if callback is None and callable(options):
        options, callback = None, options
    return normalize_options(options, keywords, _QUERY_OPTIONS), callback


def _invalid_arg_value(message):
    """ERR_INVALID_ARG_VALUE with the message Node's binding gives it."""
    err = errors.ERR_INVALID_ARG_VALUE.__new__(errors.ERR_INVALID_ARG_VALUE)
    NodeError.__init__(err, message)
    return err


def _validate_int(options, key, minimum):
    value = options.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise errors.ERR_INVALID_ARG_TYPE('options.' + key, 'number', value)
    if value != int(value):
        raise errors.ERR_OUT_OF_RANGE('options.' + key, 'an integer', value)
    if not minimum <= value <= _INT32_MAX:
        raise errors.ERR_OUT_OF_RANGE('options.' + key, '>= %d && <= %d' % (minimum, _INT32_MAX),
                                      value)
    return int(value)


def _to_ascii(name):
    """Node's toASCII of a name with non-ASCII labels: punycode (as given
    when IDNA refuses it)."""
    try:
        return name.encode('idna').decode('ascii')
    except UnicodeError:
        return name


@twins('getServers', 'setServers', 'setLocalAddress', 'resolveAny', 'resolveCaa', 'resolveCname',
       'resolveMx', 'resolveNaptr', 'resolveNs', 'resolvePtr', 'resolveSoa', 'resolveSrv',
       'resolveTxt', row='dns.Resolver')
class Resolver:
    """Node's ``dns.Resolver([options])``: its own c-ares channel and servers.

    ``options``: ``timeout`` (each try's ms; -1, the default, is c-ares'
    own) and ``tries`` (per server, default 4). It starts with the system's
    servers (``/etc/resolv.conf``); ``setServers()`` changes them for this
    resolver alone. Every method calls back on a later turn; bad arguments
    raise at once.
    """

    def __init__(self, options=None, **kwargs):
        options = normalize_options(options, kwargs, _RESOLVER_OPTIONS)
        timeout = _validate_int(options, 'timeout', -1)
        tries = _validate_int(options, 'tries', 1)
        self._core = _uv.ChannelCore(resolver_exception, -1 if timeout is None else timeout,
                                     4 if tries is None else tries)

    # -- servers -----------------------------------------------------------

    def getServers(self):
        """The servers asked, as Node lists them: ``['1.2.3.4', '[::1]:5353']``."""
        return node_servers(self._core.get_servers())

    def setServers(self, servers):
        """Ask these servers (IPv4 or IPv6, with an optional port:
        ``'1.2.3.4:5353'``, ``'[::1]:5353'``) in order; ``[]`` asks none."""
        packed = packed_servers(servers)
        if self._core.pending:
            raise errors.ERR_DNS_SET_SERVERS_FAILED('There are pending queries.', [list(servers)])
        status = self._core.set_servers(packed)
        if status:
            raise resolver_exception(_uv.CARES_CODES[status], 'setServers', '')

    def setLocalAddress(self, ipv4=None, ipv6=None):
        """The source addresses of this resolver's queries; either argument
        may be of either family, one of each at most."""
        validate_string(ipv4, 'ipv4')
        if ipv6 is not None:
            validate_string(ipv6, 'ipv6')
        first = isIP(ipv4)
        if not first:
            raise _invalid_arg_value('Invalid IP address.')
        packed = {first: _pack(ipv4, first)}
        if ipv6 is not None:
            second = isIP(ipv6)
            if not second:
                raise _invalid_arg_value('Invalid IP address.')
            if second == first:
                raise _invalid_arg_value('Cannot specify two IPv%d addresses.' % first)
            packed[second] = _pack(ipv6, second)
        # Node: a family not given goes back to any address.
        self._core.set_local_address(packed.get(4, b'\0' * 4), packed.get(6, b'\0' * 16))

    def cancel(self):
        """Ends every query in flight; their callbacks get ECANCELLED."""
        self._core.cancel()

    # -- questions ---------------------------------------------------------

    def _ask(self, rrtype, name, options, callback):
        if callback is None and callable(options):
            options, callback = None, options
        # The checks inline (the validators only to raise): this runs per question.
        if not isinstance(name, str):
            validate_string(name, 'name')
        if not callable(callback):
            validate_function(callback, 'callback')
        qtype, _method, syscall = RRTYPES[rrtype]
        ttl = options is not None and bool(options.get('ttl'))
        _uv.cares_query(self._core, name if name.isascii() else _to_ascii(name), qtype, ttl,
                        callback, syscall, name)

    def resolve(self, hostname, rrtype=None, callback=None):
        """Records of type ``rrtype`` (``'A'``, the default, ``'MX'``, ...)
        as the ``resolve*`` method of that type gives them."""
        if callback is None and callable(rrtype):
            rrtype, callback = 'A', rrtype
        elif not isinstance(rrtype, str):
            raise errors.ERR_INVALID_ARG_TYPE('rrtype', 'string', rrtype)
        if rrtype not in RRTYPES:
            raise errors.ERR_INVALID_ARG_VALUE('rrtype', rrtype)
        self._ask(rrtype, hostname, None, callback)

    def resolve4(self, hostname, options=None, callback=None, **keywords):
        """IPv4 addresses; with ``{'ttl': True}`` (or ``ttl=True``)
        ``{'address', 'ttl'}`` dicts."""
        if keywords:
            options, callback = query_options(options, callback, keywords)
        self._ask('A', hostname, options, callback)

    def resolve6(self, hostname, options=None, callback=None, **keywords):
        """IPv6 addresses; with ``{'ttl': True}`` (or ``ttl=True``)
        ``{'address', 'ttl'}`` dicts."""
        if keywords:
            options, callback = query_options(options, callback, keywords)
        self._ask('AAAA', hostname, options, callback)

    def resolveAny(self, hostname, callback):
        """Every record, each a dict with its ``'type'``."""
        self._ask('ANY', hostname, None, callback)

    def resolveCaa(self, hostname, callback):
        """``[{'critical': 0, 'issue': 'ca.example'}, ...]``."""
        self._ask('CAA', hostname, None, callback)

    def resolveCname(self, hostname, callback):
        """The canonical name, as a one-element list."""
        self._ask('CNAME', hostname, None, callback)

    def resolveMx(self, hostname, callback):
        """``[{'exchange': ..., 'priority': ...}, ...]``."""
        self._ask('MX', hostname, None, callback)

    def resolveNaptr(self, hostname, callback):
        """``[{'flags', 'service', 'regexp', 'replacement', 'order', 'preference'}, ...]``."""
        self._ask('NAPTR', hostname, None, callback)

    def resolveNs(self, hostname, callback):
        """The name servers' names."""
        self._ask('NS', hostname, None, callback)

    def resolvePtr(self, hostname, callback):
        """The PTR records' names."""
        self._ask('PTR', hostname, None, callback)

    def resolveSoa(self, hostname, callback):
        """One dict: ``nsname``, ``hostmaster``, ``serial``, ``refresh``,
        ``retry``, ``expire``, ``minttl``."""
        self._ask('SOA', hostname, None, callback)

    def resolveSrv(self, hostname, callback):
        """``[{'name', 'port', 'priority', 'weight'}, ...]``."""
        self._ask('SRV', hostname, None, callback)

    def resolveTxt(self, hostname, callback):
        """One list of str chunks per TXT record."""
        self._ask('TXT', hostname, None, callback)

    def reverse(self, ip, callback):
        """The host names of an IP address (the hosts file, then PTR)."""
        validate_string(ip, 'name')
        validate_function(callback, 'callback')
        family = isIP(ip)
        if not family:
            raise errors.dns_exception(_UV_EINVAL, 'getHostByAddr', ip)
        _uv.cares_get_host_by_addr(self._core, _pack(ip, family), family, callback, ip)


def _pack(address, family):
    return socket.inet_pton(socket.AF_INET if family == 4 else socket.AF_INET6, address)
