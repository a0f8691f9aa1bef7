"""How a Socket gets connected: connect()'s arguments, the host lookup, the
order of the addresses, and Node's Happy Eyeballs attempts with their timers.

:func:`normalize_connect_args` turns connect()'s three call forms into one
options dict.  :func:`plan_tcp_connect` checks a TCP connect's options and
returns a :class:`ConnectPlan`, which then drives the socket from the lookup
to its first connected address.  The socket keeps its per-connection state
machine; the plan only calls its ``emit``, ``destroy`` and the libuv
functions of ``pyuvnet._uv``, and the socket reports each attempt's outcome
back through :meth:`ConnectPlan.attempt_failed` and
:meth:`ConnectPlan.connected`.

Events a plan emits on its socket, in Node's order:
  'lookup'(err, address, family, host)  for each looked-up address
  'connectionAttempt'(ip, port, family) an attempt starts
  'connectionAttemptFailed'(ip, port, family, error)
  'connectionAttemptTimeout'(ip, port, family)
"""
import os
import socket as _socket
from collections.abc import Mapping

import pyuvnet._uv as _uv
from .. import errors
from .._internal.options import OptionSpec, normalize_options
from ._addresses import isIP
from .._internal.records import Record
from .._internal import validate as validate

__all__ = [
    'SOCKET_RULES', 'CONNECT_RULES', 'CREATE_CONNECTION_OPTIONS',
    'normalize_connect_args', 'plan_tcp_connect', 'ConnectPlan',
    'interleave_families', 'defaults',
    'getDefaultAutoSelectFamily', 'setDefaultAutoSelectFamily',
    'getDefaultAutoSelectFamilyAttemptTimeout', 'setDefaultAutoSelectFamilyAttemptTimeout',
]

# The options of Socket() ...
SOCKET_RULES = {
    'fd': 'integer', 'allowHalfOpen': 'boolean', 'readable': 'boolean',
    'writable': 'boolean', 'signal': 'object',
    # Node takes these two for their truth (Boolean()): 1 and 'true' are on.
    'noDelay': 'any', 'keepAlive': 'any',
    'keepAliveInitialDelay': 'number', 'typeOfService': 'number',
    'blockList': 'object', 'onread': 'object', 'highWaterMark': 'any',
    'readableHighWaterMark': 'any', 'writableHighWaterMark': 'any',
    'handle': 'object',
}

# ... and of connect(); connect() and createConnection() take both sets in
# one dict.
CONNECT_RULES = {
    'port': ('number', 'string'), 'host': 'string', 'localAddress': 'string',
    'localPort': 'number', 'family': ('number', 'string'), 'hints': 'number',
    'lookup': 'function', 'noDelay': 'any', 'keepAlive': 'any',
    'keepAliveInitialDelay': 'number', 'autoSelectFamily': 'boolean',
    'autoSelectFamilyAttemptTimeout': 'number', 'timeout': 'number',
    'path': 'string', 'onread': 'object',
}

CREATE_CONNECTION_OPTIONS = OptionSpec(dict(SOCKET_RULES, **CONNECT_RULES))

_ETIMEDOUT = errors.uv_code('ETIMEDOUT')
_EAI_NONAME = errors.uv_code('EAI_NONAME')
# connect()'s family may also be named, as in Node.
_FAMILY_NAMES = {'IPv4': 4, 'IPv6': 6}
# The getaddrinfo hints dns.lookup accepts: ADDRCONFIG, V4MAPPED, ALL.
_LOOKUP_HINTS = _socket.AI_ADDRCONFIG | _socket.AI_V4MAPPED | _socket.AI_ALL


def normalize_connect_args(args, kwargs):
    """Node's normalizeArgs for connect(): (options dict, listener)."""
    args = list(args)
    listener = None
    if args and callable(args[-1]):
        listener = args.pop()
    for spelling in ('connectListener', 'connect_listener'):
        given = kwargs.pop(spelling, None)
        if given is not None:
            # Named as a listener, it must be one: Node's once('connect', 0)
            # says so (a positional non-function is ignored, as in Node).
            validate.validate_function(given, 'listener')
            listener = given
    if not args:
        options = normalize_options(None, kwargs, CREATE_CONNECTION_OPTIONS)
    elif isinstance(args[0], dict):
        options = normalize_options(args[0], kwargs, CREATE_CONNECTION_OPTIONS)
    elif isinstance(args[0], str) and validate.is_pipe_name(args[0]):
        options = {'path': args[0]}
    else:
        # The port is checked as options.port is (a bool is a type error).
        options = normalize_options({'port': args[0]}, kwargs, CREATE_CONNECTION_OPTIONS)
        # As Node: only a string is a host; anything else is ignored.
        if len(args) > 1 and isinstance(args[1], str):
            options['host'] = args[1]
    if 'path' not in options and options.get('port') is None:
        raise errors.ERR_MISSING_ARGS(['options', 'port', 'path'])
    return options, listener


def _is_ip(host):
    return isIP(host) != 0


def plan_tcp_connect(sock, options):
    """Check a TCP connect's options (raising Node's error for a bad one)
    and return the plan that will connect ``sock``; nothing starts before
    :meth:`ConnectPlan.start`."""
    port = validate.validate_port(options['port'], 'options.port')
    host = options.get('host') or 'localhost'
    local_address = options.get('localAddress')
    if local_address is not None and not _is_ip(local_address):
        raise errors.ERR_INVALID_IP_ADDRESS(local_address)
    local_port = options.get('localPort')
    if local_port is not None:
        local_port = validate.validate_port(local_port, 'options.localPort')
    if sock._bound_handle and (local_address is not None or local_port is not None):
        raise errors.ERR_INVALID_ARG_VALUE(
            'options', {'localAddress': local_address, 'localPort': local_port},
            'cannot set localAddress or localPort: the adopted BoundSocket is bound already')
    family = _FAMILY_NAMES.get(options.get('family'), options.get('family', 0))
    if family not in (0, 4, 6) or isinstance(family, bool):
        raise errors.ERR_INVALID_ARG_VALUE('options.family', family, 'must be one of: 0, 4, 6')
    hints = validate.validate_int32(options.get('hints', 0), 'options.hints')
    lookup = options.get('lookup')
    if lookup is None and not _is_ip(host) and hints & ~_LOOKUP_HINTS:
        # What dns.lookup checks (a custom lookup checks for itself).
        raise errors.ERR_INVALID_ARG_VALUE('hints', hints)
    if family not in (4, 6) and hints == 0 and os.name != 'nt':
        hints = _socket.AI_ADDRCONFIG
    auto = options.get('autoSelectFamily')
    if auto is None:
        auto = defaults.auto_select_family
    attempt_timeout = options.get('autoSelectFamilyAttemptTimeout')
    if attempt_timeout is None:
        attempt_timeout = defaults.auto_select_family_attempt_timeout
    else:
        # Node raises values below 10 ms to 10.
        attempt_timeout = max(10, validate.validate_int32(
            attempt_timeout, 'options.autoSelectFamilyAttemptTimeout', 1))
    race = auto and family == 0 and local_address is None and not sock._bound_handle
    return ConnectPlan(sock, host, port, local_address, local_port, race, attempt_timeout,
                       lookup, {'family': family, 'hints': hints})


class ConnectPlan:
    """Where a TCP connect() is going and how far it got.  It drives its
    socket from the lookup through each attempt; a plan the socket has
    dropped (destroyed, or connecting anew) does nothing more."""

    def __init__(self, sock, host, port, local_address, local_port, race, timeout,
                 lookup, dns_options):
        self.sock = sock
        self.host = host
        self.port = port
        self.local_address = local_address
        self.local_port = local_port
        self.race = race            # autoSelectFamily applies
        self.timeout = timeout      # ms per attempt before the next starts
        self.lookup = lookup        # a custom lookup function, or None
        self.dns_options = dns_options
        self.single = False         # one address: its error is the error
        self.attempts = []          # [(ip, family)], in order
        self.current = 0            # attempts started so far
        self.errors = []
        self.attempted = None       # 'ip:port' of each raced address
        self.timer = None

    def _active(self):
        sock = self.sock
        return sock is not None and not sock._destroyed and sock.connecting and sock._connect_plan is self

    def cancel_timer(self):
        if self.timer is not None:
            self.timer.close()
            self.timer = None

    # -- lookup ------------------------------------------------------------

    def start(self):
        """Resolve the host (unless it is an IP address) and connect."""
        if not self._active():
            return
        if _is_ip(self.host):
            self._connect_single(self.host, isIP(self.host))
            return
        dns_options = dict(self.dns_options)
        if self.race:
            dns_options['all'] = True
        if self.lookup is not None:
            try:
                self.lookup(self.host, dns_options, self.on_lookup_result)
            except Exception as exc:
                # Node would throw from connect(), which here has returned.
                self.sock.destroy(exc)
        else:
            status = _uv.getaddrinfo(self.host, dns_options['family'], dns_options['hints'],
                                     self._on_getaddrinfo)
            if status < 0:
                self._on_getaddrinfo(status, [])

    def _on_getaddrinfo(self, status, found):
        if status < 0 or not found:
            self.on_lookup_result(errors.dns_exception(
                status if status < 0 else _EAI_NONAME, 'getaddrinfo', self.host))
        elif self.race:
            self.on_lookup_result(None, [Record(address=a, family=f) for a, f in found])
        else:
            # dns.lookup without ``all``: the first address.
            self.on_lookup_result(None, *found[0])

    def on_lookup_result(self, err, address=None, family=None):
        """The lookup callback, in Node's shapes: (err), (err, [{address,
        family}, ...]) with ``all``, or (err, address, family).  As Node:
        'lookup' for each address; a racing connect skips entries that are
        no IP address of family 4 or 6, and fails only when none is."""
        if not self._active():
            return
        sock = self.sock
        if err is not None:
            sock.emit('lookup', err, None, None, self.host)
            sock.destroy(err)
            return
        if isinstance(address, (list, tuple)):
            if not self.race:
                # Node: a list answers only a lookup that asked for all.
                sock.emit('lookup', None, address, family, self.host)
                if self._active():
                    sock.destroy(errors.ERR_INVALID_IP_ADDRESS(address))
                return
            entries = [_address_and_family(entry) for entry in address]
        else:
            entries = [(address, family)]
        for ip, ip_family in entries:
            sock.emit('lookup', None, ip, ip_family, self.host)
            if not self._active():
                return      # a 'lookup' listener destroyed the socket
        valid = [entry for entry in entries if self._address_error(*entry) is None]
        if not valid:
            sock.destroy(self._address_error(*entries[0]) if entries else
                         errors.dns_exception(_EAI_NONAME, 'getaddrinfo', self.host))
            return
        attempts = interleave_families(valid)
        if len(attempts) == 1:
            self._connect_single(*attempts[0])
        else:
            self.attempts = attempts
            self.attempted = ()
            self._next_attempt()

    def _address_error(self, ip, family):
        """Why a looked-up address cannot be connected to, or None."""
        if not isinstance(ip, str) or not isIP(ip):
            return errors.ERR_INVALID_IP_ADDRESS(ip)
        if family not in (4, 6) or isinstance(family, bool):
            return errors.ERR_INVALID_ADDRESS_FAMILY(family, self.host, self.port)
        return None

    # -- attempts ----------------------------------------------------------

    def _connect_single(self, ip, family):
        """One address: its failure is the socket's error."""
        self.attempts = [(ip, family)]
        self.single = True
        self._next_attempt()

    def _next_attempt(self):
        """Node's Happy Eyeballs: try each address in turn; an attempt still
        pending after ``autoSelectFamilyAttemptTimeout`` is given up
        ('connectionAttemptTimeout') for the next; all failing destroys the
        socket with an AggregateError of every attempt's error.  A single
        address is Node's plain connect: its error is the socket's."""
        sock = self.sock
        if self.current == len(self.attempts):
            if not self.errors:
                sock.destroy(errors.ERR_SOCKET_CONNECTION_TIMEOUT())
            else:
                sock.destroy(errors.AggregateError(self.errors))
            return
        ip, family = self.attempts[self.current]
        self.current += 1
        if self.current > 1:
            # The first attempt keeps the handle the socket has (an fd it
            # wraps, bound where its owner wanted); later ones start afresh.
            sock._abandon_handle()
        if self.local_address is not None or self.local_port is not None:
            local_ip = self.local_address or ('::' if family == 6 else '0.0.0.0')
            try:
                status = _uv.tcp_bind(sock, local_ip, self.local_port or 0)
            except errors.NodeError as err:
                # An address isIP() takes and libuv does not: an 'error'
                # event, never an exception out of run().
                self._give_up_attempt(err)
                return
            if status < 0:
                # Node: a bind error, with no attempt events.
                self._give_up_attempt(
                    errors.exception_with_host_port(status, 'bind', local_ip, self.local_port))
                return
        block_list = sock._block_list
        blocked = block_list is not None and block_list.check(ip, 'ipv%d' % family)
        if not self.single:
            if blocked:
                err = errors.ERR_IP_BLOCKED(ip)
                sock.emit('connectionAttemptFailed', ip, self.port, family, err)
                self._give_up_attempt(err)
                return
            self.attempted += ('%s:%d' % (ip, self.port),)
        sock.emit('connectionAttempt', ip, self.port, family)
        if not self._active():
            return      # a 'connectionAttempt' listener destroyed the socket
        if blocked:
            sock.destroy(errors.ERR_IP_BLOCKED(ip))
            return
        try:
            status = _uv.tcp_connect(sock, ip, self.port)
        except errors.NodeError as err:
            self._give_up_attempt(err)
            return
        if status < 0:
            self.attempt_failed(status)
        elif self.current < len(self.attempts):
            self.timer = _uv.setTimeout(self._attempt_timed_out, self.timeout, ip, family)

    def _give_up_attempt(self, err):
        """An attempt failed with ``err``: the socket's error when it was the
        only address, else one of the race's errors."""
        if self.single:
            self.sock.destroy(err)
            return
        self.errors.append(err)
        if self._active():
            self._next_attempt()

    def _attempt_timed_out(self, ip, family):
        self.timer = None
        self.sock.emit('connectionAttemptTimeout', ip, self.port, family)
        self.errors.append(errors.exception_with_host_port(_ETIMEDOUT, 'connect', ip, self.port))
        if self._active():
            self._next_attempt()

    def attempt_failed(self, status):
        """The current attempt failed with libuv ``status``:
        'connectionAttemptFailed', then the next attempt or the error."""
        self.cancel_timer()
        ip, family = self.attempts[self.current - 1]
        if self.local_address is not None and self.local_port is not None:
            # Node names the local end only when both halves were given.
            err = errors.exception_with_host_port(
                status, 'connect', ip, self.port, '%s:%d' % (self.local_address, self.local_port))
            err.localAddress = self.local_address
            err.localPort = self.local_port
        else:
            err = errors.exception_with_host_port(status, 'connect', ip, self.port)
        self.sock.emit('connectionAttemptFailed', ip, self.port, family, err)
        self._give_up_attempt(err)

    def connected(self):
        """The current attempt succeeded: no further attempt starts. The
        plan lets go of its socket, which keeps the plan (its attempted
        addresses): no cycle is left for the GC to free."""
        self.cancel_timer()
        self.sock = None


def _address_and_family(entry):
    """(address, family) of one entry of a lookup's list: a dict or an
    object with those attributes; what has neither is (None, None), an
    invalid address (Node reads ``entry.address`` as undefined)."""
    if isinstance(entry, Mapping):
        return entry.get('address'), entry.get('family')
    return getattr(entry, 'address', None), getattr(entry, 'family', None)


def interleave_families(candidates):
    """Node's order for Happy Eyeballs: each address once, the first
    address's family first, then alternating families."""
    first_family = candidates[0][1]
    same, other = [], []
    for entry in candidates:
        bucket = same if entry[1] == first_family else other
        if entry not in bucket:
            bucket.append(entry)
    ordered = []
    for i in range(max(len(same), len(other))):
        ordered.extend(bucket[i] for bucket in (same, other) if i < len(bucket))
    return ordered


class _Defaults:
    """net.getDefaultAutoSelectFamily() and friends."""
    auto_select_family = True
    auto_select_family_attempt_timeout = 250


defaults = _Defaults()


def getDefaultAutoSelectFamily():
    """The autoSelectFamily connect() uses when not given (True, as Node 20)."""
    return defaults.auto_select_family


def setDefaultAutoSelectFamily(value):
    """Set that default for later connects (a bool, else ERR_INVALID_ARG_TYPE)."""
    defaults.auto_select_family = validate.validate_boolean(value, 'value')


def getDefaultAutoSelectFamilyAttemptTimeout():
    """The ms each address of a Happy Eyeballs race gets when the option is
    not given (250)."""
    return defaults.auto_select_family_attempt_timeout


def setDefaultAutoSelectFamilyAttemptTimeout(value):
    """Set that default: an integer >= 1 (ERR_INVALID_ARG_TYPE /
    ERR_OUT_OF_RANGE otherwise); below 10 counts as 10, as in Node."""
    value = validate.validate_int32(value, 'value', 1)
    # Node raises values below 10 ms to 10.
    defaults.auto_select_family_attempt_timeout = max(value, 10)
