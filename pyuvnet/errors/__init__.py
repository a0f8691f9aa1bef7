"""Node's errors, spelled for Python.

Two families live here:

* Node's internal errors (``ERR_*``), one class per code. Each derives from
  :class:`NodeError` and from the Python builtin that matches Node's JS class
  (``TypeError`` -> ``TypeError``, ``RangeError`` -> ``ValueError``,
  ``Error`` -> ``RuntimeError``). The constructor takes what Node's message
  needs and builds Node's message text; ``.code`` is the class name.
* System errors made from libuv error codes (negative ints): instances of
  the ``OSError`` subclass Python would pick that are also a
  :class:`NodeSystemError`. They are made in ``pyuvnet/errors/_system_errors.py``
  and re-exported here, so ``errors.dns_exception`` and the rest keep one
  name for every error.

Both families derive from :class:`NodeError`, which lives below them in
``pyuvnet/errors/_node_error.py`` (re-exported here), so that this module imports
``system_errors`` and never the other way round.
"""
import warnings
import sys

from ._node_error import NodeError
from ._system_errors import _describe as _describe_uv
from ._system_errors import (
    NodeSystemError, SYSTEM_ERROR_CLASSES, uv_code, uv_err_name, uv_strerror,
    exception_with_host_port, uv_exception_with_host_port, errno_exception,
    uv_exception, dns_exception, conn_reset_exception,
)

__all__ = [
    'NodeError', 'NodeSystemError', 'AbortError', 'AggregateError',
    'ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_VALUE', 'ERR_MISSING_ARGS',
    'ERR_OUT_OF_RANGE', 'ERR_SOCKET_BAD_PORT', 'ERR_INVALID_IP_ADDRESS', 'ERR_DNS_SET_SERVERS_FAILED',
    'ERR_INVALID_ADDRESS', 'ERR_INVALID_ADDRESS_FAMILY', 'ERR_UNKNOWN_ENCODING',
    'ERR_INVALID_FD_TYPE', 'ERR_INVALID_HANDLE_TYPE',
    'ERR_SERVER_ALREADY_LISTEN', 'ERR_SERVER_NOT_RUNNING',
    'ERR_SOCKET_CLOSED', 'ERR_SOCKET_CLOSED_BEFORE_CONNECTION',
    'ERR_SOCKET_CONNECTION_TIMEOUT', 'ERR_STREAM_DESTROYED',
    'ERR_STREAM_NULL_VALUES', 'ERR_STREAM_PREMATURE_CLOSE', 'ERR_STREAM_WRITE_AFTER_END', 'ERR_STREAM_ALREADY_FINISHED',
    'ERR_STREAM_WRAP',
    'ERR_MULTIPLE_CALLBACK', 'ERR_UNHANDLED_ERROR', 'ERR_IP_BLOCKED',
    'ERR_STREAM_PUSH_AFTER_EOF', 'ERR_STREAM_UNSHIFT_AFTER_END_EVENT', 'ERR_STREAM_CANNOT_PIPE',
    'ERR_METHOD_NOT_IMPLEMENTED', 'ERR_INVALID_RETURN_VALUE',
    'SYSTEM_ERROR_CLASSES', 'uv_code', 'uv_err_name', 'uv_strerror',
    'exception_with_host_port', 'uv_exception_with_host_port',
    'errno_exception', 'uv_exception', 'dns_exception', 'conn_reset_exception',
    'ERR_IPC_CHANNEL_CLOSED', 'ERR_IPC_DISCONNECTED', 'ERR_IPC_ONE_PIPE', 'ERR_CHILD_PROCESS_IPC_REQUIRED', 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER', 'ERR_IPC_SYNC_FORK', 'ERR_UNKNOWN_SIGNAL', 'ERR_SOCKET_HANDLE_ADOPTED',
    'TimeoutOverflowWarning', 'KeepAliveWarning', 'warn_timeout_overflow',
    'ERR_BUFFER_OUT_OF_BOUNDS', 'ERR_SOCKET_BAD_TYPE', 'ERR_SOCKET_ALREADY_BOUND',
    'ERR_SOCKET_BAD_BUFFER_SIZE', 'ERR_SOCKET_BUFFER_SIZE', 'ERR_SOCKET_DGRAM_IS_CONNECTED',
    'ERR_SOCKET_DGRAM_NOT_CONNECTED', 'ERR_SOCKET_DGRAM_NOT_RUNNING',
]


# ---------------------------------------------------------------------------
# How Node describes values in messages, the Python way.

_SCALARS = (str, bytes, bytearray, bool, int, float, complex)


def _repr(value):
    """repr(), also for an int too long for Python to print (over 4,300
    digits: repr raises ValueError), shown by its size, and for what
    holds one."""
    try:
        return repr(value)
    except ValueError:
        if isinstance(value, int):
            return '<int of %d bits>' % value.bit_length()
        return '<%s holding an int too long to print>' % type(value).__name__


def _shorten(text, limit=28, keep=25):
    return text if len(text) <= limit else text[:keep] + '...'


def _describe_type(value):
    """Describe ``value`` as Node's ``determineSpecificType``, for Python.

    ``None`` -> ``'None'``; scalars -> ``"type str ('abc')"``,
    ``'type bool (True)'``, ``'type int (5)'`` (long values cut to 25
    characters and ``...``); functions -> ``'function name'``; classes ->
    ``'class Name'``; other objects -> ``'an instance of Name'``.
    """
    if value is None:
        return 'None'
    if isinstance(value, str):
        # Node cuts the text itself, then quotes it.
        return 'type %s (%r)' % (type(value).__name__, _shorten(value))
    if isinstance(value, _SCALARS):
        return 'type %s (%s)' % (type(value).__name__, _shorten(_repr(value)))
    if isinstance(value, type):
        return 'class %s' % value.__qualname__
    if callable(value) and hasattr(value, '__name__'):
        return 'function %s' % value.__name__
    return 'an instance of %s' % type(value).__name__


def _inspect_number(value):
    """Node's ERR_OUT_OF_RANGE rendering: big integers get ``_`` separators."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2 ** 32:
        return format(value, '_d') if value.bit_length() < 14000 else _repr(value)
    return repr(value)


def _format_list(items, conjunction):
    if len(items) <= 2:
        return (' %s ' % conjunction).join(items)
    return '%s, %s %s' % (', '.join(items[:-1]), conjunction, items[-1])


def _property_or_argument(name):
    return 'property' if '.' in name else 'argument'


# Node's kTypes: the expected names that read "of type X" (lower-cased).
_PRIMITIVE_TYPE_NAMES = frozenset((
    'string', 'function', 'number', 'object', 'Function', 'Object',
    'boolean', 'bigint', 'symbol',
))


def _is_class_name(name):
    return name[:1].isupper() and name.isalnum()


# ---------------------------------------------------------------------------
# Node's internal errors.

class ERR_INVALID_ARG_TYPE(NodeError, TypeError):
    """``ERR_INVALID_ARG_TYPE(name, expected, actual)``.

    ``expected`` is a type name or a list of them, in Node's vocabulary:
    ``'number'``, ``'string'``, ``'function'``, ``'boolean'``, ``'object'``,
    class names such as ``'AbortSignal'``, or other words.
    """

    def __init__(self, name, expected, actual):
        if isinstance(expected, str):
            expected = [expected]
        if name.endswith(' argument'):
            message = 'The %s must be ' % name
        else:
            message = 'The "%s" %s must be ' % (name, _property_or_argument(name))
        types, instances, other = [], [], []
        for item in expected:
            if item in _PRIMITIVE_TYPE_NAMES:
                types.append(item.lower())
            elif _is_class_name(item):
                instances.append(item)
            else:
                other.append(item)
        # With class names present, "object" reads better as "Object".
        if instances and 'object' in types:
            types.remove('object')
            instances.append('Object')
        parts = []
        if types:
            parts.append('%s %s' % ('one of type' if len(types) > 1 else 'of type',
                                    _format_list(types, 'or')))
        if instances:
            parts.append('an instance of ' + _format_list(instances, 'or'))
        if other:
            if len(other) > 1:
                parts.append('one of ' + _format_list(other, 'or'))
            else:
                parts.append(('an ' if other[0].lower() != other[0] else '') + other[0])
        message += ' or '.join(parts) + '. Received ' + _describe_type(actual)
        super().__init__(message)


class ERR_INVALID_ARG_VALUE(NodeError, TypeError, ValueError):
    """``ERR_INVALID_ARG_VALUE(name, value, reason='is invalid')``."""

    def __init__(self, name, value, reason='is invalid'):
        inspected = _repr(value)
        if len(inspected) > 128:
            inspected = inspected[:128] + '...'
        super().__init__("The %s '%s' %s. Received %s"
                         % (_property_or_argument(name), name, reason, inspected))


class ERR_MISSING_ARGS(NodeError, TypeError):
    """``ERR_MISSING_ARGS(*names)``; a name may be a list of alternatives."""

    def __init__(self, *names):
        if not names:
            raise TypeError('ERR_MISSING_ARGS needs at least one name')
        quoted = [' or '.join('"%s"' % n for n in name)
                  if isinstance(name, (list, tuple)) else '"%s"' % name
                  for name in names]
        plural = 's' if len(names) > 1 else ''
        super().__init__('The %s argument%s must be specified'
                         % (_format_list(quoted, 'and'), plural))


class ERR_OUT_OF_RANGE(NodeError, ValueError):
    """``ERR_OUT_OF_RANGE(name, range, received, replace_default_boolean=False)``.

    With ``replace_default_boolean`` the message starts with ``name`` itself
    instead of ``The value of "name" is out of range.``
    """

    def __init__(self, name, range, received, replace_default_boolean=False):
        start = name if replace_default_boolean else 'The value of "%s" is out of range.' % name
        super().__init__('%s It must be %s. Received %s'
                         % (start, range, _inspect_number(received)))


class ERR_SOCKET_BAD_PORT(NodeError, ValueError):
    """``ERR_SOCKET_BAD_PORT(name, port, allow_zero=True)``."""

    def __init__(self, name, port, allow_zero=True):
        super().__init__('%s should be %s 0 and < 65536. Received %s.'
                         % (name, '>=' if allow_zero else '>', _describe_type(port)))


class ERR_INVALID_IP_ADDRESS(NodeError, ValueError):
    """``ERR_INVALID_IP_ADDRESS(address)``."""
    _template = 'Invalid IP address: %s'


class ERR_DNS_SET_SERVERS_FAILED(NodeError, RuntimeError):
    """``ERR_DNS_SET_SERVERS_FAILED(reason, servers)``: c-ares refused a
    resolver's new servers (``'There are pending queries.'``)."""

    def __init__(self, reason, servers):
        super().__init__('c-ares failed to set servers: "%s" [%s]' % (reason, _repr(servers)))


class ERR_INVALID_ADDRESS_FAMILY(NodeError, ValueError):
    """``ERR_INVALID_ADDRESS_FAMILY(address_type, host, port)``; keeps ``.host``, ``.port``."""

    def __init__(self, address_type, host, port):
        self.host = host
        self.port = port
        super().__init__('Invalid address family: %s %s:%s' % (address_type, host, port))


class ERR_UNKNOWN_ENCODING(NodeError, TypeError, LookupError):
    """``ERR_UNKNOWN_ENCODING(encoding)``; also a LookupError, as Python's codecs raise."""
    _template = 'Unknown encoding: %s'


class ERR_INVALID_FD_TYPE(NodeError, TypeError):
    """``ERR_INVALID_FD_TYPE(type)``."""
    _template = 'Unsupported fd type: %s'


class ERR_INVALID_HANDLE_TYPE(NodeError, TypeError):
    """A handle that cannot be sent over IPC, or resetAndDestroy() on a pipe."""
    _template = 'This handle type cannot be sent'


# child_process and its IPC channel
class ERR_IPC_CHANNEL_CLOSED(NodeError, RuntimeError):
    """send() on a closed IPC channel."""
    _template = 'Channel closed'


class ERR_IPC_DISCONNECTED(NodeError, RuntimeError):
    """disconnect() of an IPC channel already disconnected."""
    _template = 'IPC channel is already disconnected'


class ERR_IPC_ONE_PIPE(NodeError, ValueError):
    """A stdio option with more than one 'ipc' entry."""
    _template = 'Child process can have only one IPC pipe'


class ERR_CHILD_PROCESS_IPC_REQUIRED(NodeError, ValueError):
    """fork() with a stdio option that lacks 'ipc'."""
    _template = "Forked processes must have an IPC channel, missing value 'ipc' in %s"


class ERR_CHILD_PROCESS_STDIO_MAXBUFFER(NodeError, ValueError):
    """``ERR_CHILD_PROCESS_STDIO_MAXBUFFER(stream)``: exec()'s output over maxBuffer."""
    _template = '%s maxBuffer length exceeded'


class ERR_IPC_SYNC_FORK(NodeError, ValueError):
    """An 'ipc' entry in the stdio of a synchronous child."""
    _template = 'IPC cannot be used with synchronous forks'


class ERR_UNKNOWN_SIGNAL(NodeError, TypeError):
    """kill() with a signal name or number that does not exist."""
    _template = 'Unknown signal: %s'


class ERR_SERVER_ALREADY_LISTEN(NodeError, RuntimeError):
    """listen() on a server that is already listening."""
    _template = 'Listen method has been called more than once without closing.'


class ERR_SERVER_NOT_RUNNING(NodeError, RuntimeError):
    """close() on a server that was not listening (to close()'s callback)."""
    _template = 'Server is not running.'


class ERR_SOCKET_CLOSED(NodeError, RuntimeError):
    """A closed BoundSocket used, a write on a socket whose connection is gone, or
    resetAndDestroy() on a socket with no connection."""
    _template = 'Socket is closed'


# dgram
class ERR_BUFFER_OUT_OF_BOUNDS(NodeError, IndexError, ValueError):
    """``ERR_BUFFER_OUT_OF_BOUNDS(name)``: an offset or length past a buffer's end."""
    _template = '"%s" is outside of buffer bounds'


class ERR_SOCKET_BAD_TYPE(NodeError, TypeError):
    """A dgram socket type other than 'udp4' or 'udp6'."""
    _template = 'Bad socket type specified. Valid types are: udp4, udp6'


class ERR_SOCKET_ALREADY_BOUND(NodeError, RuntimeError):
    """bind() on a dgram socket already bound (or binding)."""
    _template = 'Socket is already bound'


class ERR_SOCKET_BAD_BUFFER_SIZE(NodeError, TypeError):
    """A dgram buffer size that is not an unsigned 32-bit integer."""
    _template = 'Buffer size must be a positive integer'


class ERR_SOCKET_BUFFER_SIZE(NodeError, RuntimeError):
    """``ERR_SOCKET_BUFFER_SIZE(code, syscall)``: libuv refused to get or set
    a dgram socket's buffer size; ``errno``, ``syscall`` and ``info`` (the
    code's ``errno``/``code``/``message``/``syscall``) as Node's SystemError."""

    def __init__(self, code, syscall):
        name, text = _describe_uv(code)
        self.errno = code
        self.syscall = syscall
        self.info = {'errno': code, 'code': name, 'message': text, 'syscall': syscall}
        super().__init__('Could not get or set buffer size: %s returned %s (%s)'
                         % (syscall, name, text))


class ERR_SOCKET_DGRAM_IS_CONNECTED(NodeError, RuntimeError):
    """connect() on a connected dgram socket, or send() to an address from one."""
    _template = 'Already connected'


class ERR_SOCKET_DGRAM_NOT_CONNECTED(NodeError, RuntimeError):
    """disconnect() or remoteAddress() on a dgram socket not connected."""
    _template = 'Not connected'


class ERR_SOCKET_DGRAM_NOT_RUNNING(NodeError, RuntimeError):
    """A closed dgram socket used."""
    _template = 'Not running'


class ERR_SOCKET_HANDLE_ADOPTED(NodeError, RuntimeError):
    """A BoundSocket used after a server or socket adopted it."""
    _template = 'The bound socket has been adopted by a server or socket'


class ERR_SOCKET_CLOSED_BEFORE_CONNECTION(NodeError, RuntimeError):
    """An awaited connect: the socket closed before 'connect'."""
    _template = 'Socket closed before the connection was established'


class ERR_SOCKET_CONNECTION_TIMEOUT(NodeError, RuntimeError):
    """Every address of an autoSelectFamily connect timed out."""
    _template = 'Socket connection timeout'


class ERR_STREAM_DESTROYED(NodeError, RuntimeError):
    """``ERR_STREAM_DESTROYED(method)``, e.g. ``'write'``."""
    _template = 'Cannot call %s after a stream was destroyed'


class ERR_STREAM_NULL_VALUES(NodeError, TypeError):
    """``ERR_STREAM_NULL_VALUES()``: ``write(None)``."""
    _template = 'May not write null values to stream'


class ERR_STREAM_PREMATURE_CLOSE(NodeError, RuntimeError):
    """``ERR_STREAM_PREMATURE_CLOSE()``: a stream closed before it ended."""
    _template = 'Premature close'


class ERR_STREAM_WRITE_AFTER_END(NodeError, RuntimeError):
    """write() after end()."""
    _template = 'write after end'


class ERR_STREAM_ALREADY_FINISHED(NodeError, RuntimeError):
    """``ERR_STREAM_ALREADY_FINISHED(method)``."""
    _template = 'Cannot call %s after a stream was finished'


class ERR_STREAM_WRAP(NodeError, RuntimeError):
    """A stream carried by a TLS socket gave a str or object chunk."""
    _template = 'Stream has StringDecoder set or is in objectMode'


class ERR_MULTIPLE_CALLBACK(NodeError, RuntimeError):
    """A callback called more than once."""
    _template = 'Callback called multiple times'


class ERR_STREAM_PUSH_AFTER_EOF(NodeError, RuntimeError):
    """push() after push(None)."""
    _template = 'stream.push() after EOF'


class ERR_STREAM_CANNOT_PIPE(NodeError, RuntimeError):
    """pipe() called on a Writable, which has nothing to read."""
    _template = 'Cannot pipe, not readable'


class ERR_STREAM_UNSHIFT_AFTER_END_EVENT(NodeError, RuntimeError):
    """unshift() after 'end'."""
    _template = 'stream.unshift() after end event'


class ERR_METHOD_NOT_IMPLEMENTED(NodeError, RuntimeError):
    """``ERR_METHOD_NOT_IMPLEMENTED(method)``: a stream class without its
    ``_read()``/``_write()``/``_transform()``."""
    _template = 'The %s method is not implemented'


class ERR_INVALID_RETURN_VALUE(NodeError, TypeError):
    """``ERR_INVALID_RETURN_VALUE(expected, name, value)``: a function
    (a pipeline stage) returned the wrong kind of value."""

    def __init__(self, expected, name, value):
        super().__init__('Expected %s to be returned from the "%s" function but got %s.'
                         % (expected, name, _describe_type(value)))


class ERR_INVALID_ADDRESS(NodeError, ValueError):
    """An address text that is not an IP address of the requested family."""
    _template = 'Invalid socket address'


class ERR_IP_BLOCKED(NodeError, RuntimeError):
    """``ERR_IP_BLOCKED(ip)``."""
    _template = 'IP(%s) is blocked by net.BlockList'


class ERR_UNHANDLED_ERROR(NodeError, RuntimeError):
    """``ERR_UNHANDLED_ERROR(context=None)``: an ``'error'`` event nobody handled.

    ``context`` is the emitted value (not an exception), kept as ``.context``.
    """

    def __init__(self, context=None):
        self.context = context
        message = 'Unhandled error.'
        if context is not None:
            message += ' (%r)' % (context,)
        super().__init__(message)


class AbortError(NodeError, RuntimeError):
    """Node's ``AbortError``: an operation stopped by an ``AbortSignal``.

    ``cause`` (the signal's reason, any value as in Node) is kept as
    ``.cause``, and as ``__cause__`` when it is an exception.
    """

    code = 'ABORT_ERR'
    """Node's code of an abort, ``'ABORT_ERR'``."""

    def __init__(self, message='The operation was aborted', cause=None):
        super().__init__(message)
        self.cause = cause
        if isinstance(cause, BaseException):
            self.__cause__ = cause


class AggregateError(NodeError, RuntimeError):
    """Several errors at once (every Happy-Eyeballs attempt failed).

    ``.errors`` lists them in order; ``.code`` is the first one's code.
    Node's message is empty; when no message is given, this one joins the
    errors' messages so that a traceback says what went wrong.
    """

    def __init__(self, errors, message=None):
        self.errors = list(errors)
        self.code = getattr(self.errors[0], 'code', None) if self.errors else None
        if message is None:
            message = '; '.join(str(error) for error in self.errors)
        super().__init__(message)


class TimeoutOverflowWarning(RuntimeWarning):
    """Node's TimeoutOverflowWarning: a timer delay above 2**31-1 ms."""


class KeepAliveWarning(RuntimeWarning):
    """Newest Node's KeepAliveWarning: a keep-alive delay between 0 and
    1000 ms, which whole seconds cannot express."""


def warn_timeout_overflow(delay, outcome, stacklevel=2):
    """Warn as Node does: '<delay> does not fit into a 32-bit signed
    integer.' and, on the next line, what was done instead."""
    if delay == float('inf') or delay > sys.float_info.max:
        text = 'Infinity'
    elif isinstance(delay, float) and delay.is_integer() and delay < 1e21:
        text = '%d' % delay
    else:
        text = repr(delay) if isinstance(delay, float) else str(delay)  # 1e+300, as JS
    warnings.warn(TimeoutOverflowWarning(
        '%s does not fit into a 32-bit signed integer.\n%s' % (text, outcome)),
        stacklevel=stacklevel + 1)

