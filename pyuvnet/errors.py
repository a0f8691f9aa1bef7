"""Node's errors, spelled for Python.

Two families live here:

* Node's internal errors (``ERR_*``), one class per code. Each derives from
  :class:`NodeError` and from the Python builtin that matches Node's JS class
  (``TypeError`` -> ``TypeError``, ``RangeError`` -> ``ValueError``,
  ``Error`` -> ``RuntimeError``). The constructor takes what Node's message
  needs and builds Node's message text; ``.code`` is the class name.
* System errors made from libuv error codes (negative ints). They are
  instances of the ``OSError`` subclass Python itself would pick for the
  errno (``ConnectionRefusedError``, ``BrokenPipeError``, ...) that is also a
  :class:`NodeSystemError`, carrying Node's fields (``code``, ``errno``,
  ``syscall``, ``address``, ``port``, ``path``, ``dest``). ``str(err)`` is
  exactly Node's message, e.g. ``connect ECONNREFUSED 127.0.0.1:9``.

Nothing here needs the libuv extension: libuv's codes are -errno on Unix and
libuv's own fixed numbers elsewhere, and both are known from the table below.
"""
import errno as _errno
import os
import warnings
import socket
import sys

__all__ = [
    'NodeError', 'NodeSystemError', 'AbortError', 'AggregateError',
    'ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_VALUE', 'ERR_MISSING_ARGS',
    'ERR_OUT_OF_RANGE', 'ERR_SOCKET_BAD_PORT', 'ERR_INVALID_IP_ADDRESS',
    'ERR_INVALID_ADDRESS', 'ERR_INVALID_ADDRESS_FAMILY', 'ERR_UNKNOWN_ENCODING',
    'ERR_INVALID_FD_TYPE', 'ERR_INVALID_HANDLE_TYPE',
    'ERR_SERVER_ALREADY_LISTEN', 'ERR_SERVER_NOT_RUNNING',
    'ERR_SOCKET_CLOSED', 'ERR_SOCKET_CLOSED_BEFORE_CONNECTION',
    'ERR_SOCKET_CONNECTION_TIMEOUT', 'ERR_STREAM_DESTROYED',
    'ERR_STREAM_NULL_VALUES', 'ERR_STREAM_PREMATURE_CLOSE', 'ERR_STREAM_WRITE_AFTER_END', 'ERR_STREAM_ALREADY_FINISHED',
    'ERR_MULTIPLE_CALLBACK', 'ERR_UNHANDLED_ERROR', 'ERR_IP_BLOCKED',
    'SYSTEM_ERROR_CLASSES', 'uv_err_name', 'uv_strerror',
    'exception_with_host_port', 'uv_exception_with_host_port',
    'errno_exception', 'uv_exception', 'dns_exception',
    'TimeoutOverflowWarning', 'KeepAliveWarning', 'warn_timeout_overflow',
]


class NodeError(Exception):
    """Base of every error pyuvnet raises with a Node error code.

    ``code`` is Node's code string. A subclass named ``ERR_*`` gets its
    class name as ``code``. A subclass may set ``_template``, a ``%``-format
    string taking exactly the constructor's positional arguments (as Node's
    ``'Cannot call %s after a stream was destroyed'``); without one, the
    arguments are passed to ``Exception`` unchanged.
    """

    code = None
    _template = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__name__.startswith('ERR_'):
            cls.code = cls.__name__

    def __init__(self, *args):
        if self._template is not None:
            args = (self._template % args,)
        super().__init__(*args)


# ---------------------------------------------------------------------------
# How Node describes values in messages, the Python way.

_SCALARS = (str, bytes, bytearray, bool, int, float, complex)


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
        return 'type %s (%s)' % (type(value).__name__, _shorten(repr(value)))
    if isinstance(value, type):
        return 'class %s' % value.__qualname__
    if callable(value) and hasattr(value, '__name__'):
        return 'function %s' % value.__name__
    return 'an instance of %s' % type(value).__name__


def _inspect_number(value):
    """Node's ERR_OUT_OF_RANGE rendering: big integers get ``_`` separators."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2 ** 32:
        return format(value, '_d')
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
        inspected = repr(value)
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
    _template = 'This handle type cannot be sent'


# child_process and its IPC channel
class ERR_IPC_CHANNEL_CLOSED(NodeError, RuntimeError):
    _template = 'Channel closed'


class ERR_IPC_DISCONNECTED(NodeError, RuntimeError):
    _template = 'IPC channel is already disconnected'


class ERR_IPC_ONE_PIPE(NodeError, ValueError):
    _template = 'Child process can have only one IPC pipe'


class ERR_CHILD_PROCESS_IPC_REQUIRED(NodeError, ValueError):
    _template = "Forked processes must have an IPC channel, missing value 'ipc' in %s"


class ERR_UNKNOWN_SIGNAL(NodeError, TypeError):
    _template = 'Unknown signal: %s'


class ERR_SERVER_ALREADY_LISTEN(NodeError, RuntimeError):
    _template = 'Listen method has been called more than once without closing.'


class ERR_SERVER_NOT_RUNNING(NodeError, RuntimeError):
    _template = 'Server is not running.'


class ERR_SOCKET_CLOSED(NodeError, RuntimeError):
    _template = 'Socket is closed'


class ERR_SOCKET_HANDLE_ADOPTED(NodeError, RuntimeError):
    _template = 'The bound socket has been adopted by a server or socket'


class ERR_SOCKET_CLOSED_BEFORE_CONNECTION(NodeError, RuntimeError):
    _template = 'Socket closed before the connection was established'


class ERR_SOCKET_CONNECTION_TIMEOUT(NodeError, RuntimeError):
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
    _template = 'write after end'


class ERR_STREAM_ALREADY_FINISHED(NodeError, RuntimeError):
    """``ERR_STREAM_ALREADY_FINISHED(method)``."""
    _template = 'Cannot call %s after a stream was finished'


class ERR_MULTIPLE_CALLBACK(NodeError, RuntimeError):
    _template = 'Callback called multiple times'


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


# ---------------------------------------------------------------------------
# libuv error codes.

# libuv's error names with the number libuv uses where the platform has no
# such errno (always on Windows; always for libuv's own EOF, UNKNOWN, EAI_*)
# and libuv's message for each, as uv_strerror() returns it.
_UV_ERRORS = (
    ('E2BIG', -4093, 'argument list too long'),
    ('EACCES', -4092, 'permission denied'),
    ('EADDRINUSE', -4091, 'address already in use'),
    ('EADDRNOTAVAIL', -4090, 'address not available'),
    ('EAFNOSUPPORT', -4089, 'address family not supported'),
    ('EAGAIN', -4088, 'resource temporarily unavailable'),
    ('EAI_ADDRFAMILY', -3000, 'address family not supported'),
    ('EAI_AGAIN', -3001, 'temporary failure'),
    ('EAI_BADFLAGS', -3002, 'bad ai_flags value'),
    ('EAI_BADHINTS', -3013, 'invalid value for hints'),
    ('EAI_CANCELED', -3003, 'request canceled'),
    ('EAI_FAIL', -3004, 'permanent failure'),
    ('EAI_FAMILY', -3005, 'ai_family not supported'),
    ('EAI_MEMORY', -3006, 'out of memory'),
    ('EAI_NODATA', -3007, 'no address'),
    ('EAI_NONAME', -3008, 'unknown node or service'),
    ('EAI_OVERFLOW', -3009, 'argument buffer overflow'),
    ('EAI_PROTOCOL', -3014, 'resolved protocol is unknown'),
    ('EAI_SERVICE', -3010, 'service not available for socket type'),
    ('EAI_SOCKTYPE', -3011, 'socket type not supported'),
    ('EALREADY', -4084, 'connection already in progress'),
    ('EBADF', -4083, 'bad file descriptor'),
    ('EBUSY', -4082, 'resource busy or locked'),
    ('ECANCELED', -4081, 'operation canceled'),
    ('ECHARSET', -4080, 'invalid Unicode character'),
    ('ECONNABORTED', -4079, 'software caused connection abort'),
    ('ECONNREFUSED', -4078, 'connection refused'),
    ('ECONNRESET', -4077, 'connection reset by peer'),
    ('EDESTADDRREQ', -4076, 'destination address required'),
    ('EEXIST', -4075, 'file already exists'),
    ('EFAULT', -4074, 'bad address in system call argument'),
    ('EFBIG', -4036, 'file too large'),
    ('EHOSTUNREACH', -4073, 'host is unreachable'),
    ('EINTR', -4072, 'interrupted system call'),
    ('EINVAL', -4071, 'invalid argument'),
    ('EIO', -4070, 'i/o error'),
    ('EISCONN', -4069, 'socket is already connected'),
    ('EISDIR', -4068, 'illegal operation on a directory'),
    ('ELOOP', -4067, 'too many symbolic links encountered'),
    ('EMFILE', -4066, 'too many open files'),
    ('EMSGSIZE', -4065, 'message too long'),
    ('ENAMETOOLONG', -4064, 'name too long'),
    ('ENETDOWN', -4063, 'network is down'),
    ('ENETUNREACH', -4062, 'network is unreachable'),
    ('ENFILE', -4061, 'file table overflow'),
    ('ENOBUFS', -4060, 'no buffer space available'),
    ('ENODEV', -4059, 'no such device'),
    ('ENOENT', -4058, 'no such file or directory'),
    ('ENOMEM', -4057, 'not enough memory'),
    ('ENONET', -4056, 'machine is not on the network'),
    ('ENOPROTOOPT', -4035, 'protocol not available'),
    ('ENOSPC', -4055, 'no space left on device'),
    ('ENOSYS', -4054, 'function not implemented'),
    ('ENOTCONN', -4053, 'socket is not connected'),
    ('ENOTDIR', -4052, 'not a directory'),
    ('ENOTEMPTY', -4051, 'directory not empty'),
    ('ENOTSOCK', -4050, 'socket operation on non-socket'),
    ('ENOTSUP', -4049, 'operation not supported on socket'),
    ('EOVERFLOW', -4026, 'value too large for defined data type'),
    ('EPERM', -4048, 'operation not permitted'),
    ('EPIPE', -4047, 'broken pipe'),
    ('EPROTO', -4046, 'protocol error'),
    ('EPROTONOSUPPORT', -4045, 'protocol not supported'),
    ('EPROTOTYPE', -4044, 'protocol wrong type for socket'),
    ('ERANGE', -4034, 'result too large'),
    ('EROFS', -4043, 'read-only file system'),
    ('ESHUTDOWN', -4042, 'cannot send after transport endpoint shutdown'),
    ('ESPIPE', -4041, 'invalid seek'),
    ('ESRCH', -4040, 'no such process'),
    ('ETIMEDOUT', -4039, 'connection timed out'),
    ('ETXTBSY', -4038, 'text file is busy'),
    ('EXDEV', -4037, 'cross-device link not permitted'),
    ('UNKNOWN', -4094, 'unknown error'),
    ('EOF', -4095, 'end of file'),
    ('ENXIO', -4033, 'no such device or address'),
    ('EMLINK', -4032, 'too many links'),
    ('EHOSTDOWN', -4031, 'host is down'),
    ('EREMOTEIO', -4030, 'remote I/O error'),
    ('ENOTTY', -4029, 'inappropriate ioctl for device'),
    ('EFTYPE', -4028, 'inappropriate file type or format'),
    ('EILSEQ', -4027, 'illegal byte sequence'),
    ('ESOCKTNOSUPPORT', -4025, 'socket type not supported'),
    ('ENODATA', -4024, 'no data available'),
    ('EUNATCH', -4023, 'protocol driver not attached'),
    ('ENOEXEC', -4022, 'exec format error'),
)


def _uv_code(name, fallback):
    # As libuv's uv/errno.h: -errno where the platform defines the errno
    # (never on Windows), else libuv's fixed number.
    number = getattr(_errno, name, None)
    if number is None or sys.platform == 'win32':
        return fallback
    return -number


_BY_CODE = {}
for _name, _fallback, _message in _UV_ERRORS:
    _BY_CODE.setdefault(_uv_code(_name, _fallback), (_name, _message))
del _name, _fallback, _message


def _describe(code):
    """(name, message) of a libuv code; 'UNKNOWN' when nobody knows it."""
    known = _BY_CODE.get(code)
    if known is not None:
        return known
    # A raw -errno libuv passed through without a name of its own.
    name = _errno.errorcode.get(-code) if sys.platform != 'win32' else None
    if name is None:
        return _BY_CODE[-4094]
    message = os.strerror(-code)
    return name, message[:1].lower() + message[1:]


def uv_err_name(code):
    """libuv's name of error ``code``: ``uv_err_name(-111) == 'ECONNREFUSED'`` on Linux.

    A code neither libuv nor the platform knows reads ``'UNKNOWN'``.
    """
    return _describe(code)[0]


def uv_strerror(code):
    """libuv's message for error ``code``: ``'connection refused'``."""
    return _describe(code)[1]


class NodeSystemError(NodeError):
    """Mixin of every system error pyuvnet raises (always with an OSError subclass).

    Fields as Node's: ``code`` (``'ECONNREFUSED'``), ``errno`` (positive, the
    platform's errno when Python knows the name, else ``-uv_code``),
    ``syscall``, and where they apply ``address``, ``port``, ``path``,
    ``dest``, ``hostname`` (``None`` otherwise). ``uv_code`` is libuv's raw
    negative code; ``strerror`` libuv's message. ``str(err)`` is Node's
    message, without Python's ``[Errno N]`` prefix.
    """

    uv_code = None
    syscall = None
    address = None
    port = None
    path = None
    dest = None
    hostname = None

    def __str__(self):
        # Built here with Node's message as the only argument; anything else
        # (an instance made by hand) reads as OSError would.
        if len(self.args) == 1:
            return str(self.args[0])
        return super().__str__()


def _system_error_bases():
    # The one table: every OSError subclass Python maps an errno to, plus
    # OSError itself and socket.gaierror for libuv's getaddrinfo codes.
    bases = {OSError, socket.gaierror}
    bases.update(type(OSError(number, '')) for number in _errno.errorcode)
    return bases


SYSTEM_ERROR_CLASSES = {
    base: type(base.__name__, (NodeSystemError, base), {
        '__module__': __name__,
        '__qualname__': base.__name__,
        '__doc__': '%s raised by pyuvnet, with Node\'s fields (see NodeSystemError).'
                   % base.__name__,
    })
    for base in _system_error_bases()
}
"""Builtin OSError subclass -> pyuvnet's subclass of it (and of NodeSystemError)."""


def _system_error(code, message, syscall, **fields):
    name, uvmsg = _describe(code)
    python_errno = getattr(_errno, name, None)
    if name.startswith('EAI_'):
        base = socket.gaierror
    elif python_errno is not None:
        # Exactly the subclass OSError(errno, ...) itself would be.
        base = type(OSError(python_errno, ''))
    else:
        base = OSError
    err = SYSTEM_ERROR_CLASSES[base](message)
    err.code = name
    err.errno = python_errno if python_errno is not None else -code
    err.strerror = uvmsg
    err.uv_code = code
    err.syscall = syscall
    for key, value in fields.items():
        if value is not None:
            setattr(err, key, value)
    return err


def _host_port_details(address, port):
    if port and port > 0:
        return ' %s:%s' % (address, port)
    if address:
        return ' ' + address
    return ''


def exception_with_host_port(code, syscall, address=None, port=None, additional=None):
    """Node's exceptionWithHostPort: ``connect ECONNREFUSED 127.0.0.1:9``.

    ``address:port`` is appended when ``port`` > 0, else ``address`` when
    given; ``additional`` (the local address) adds `` - Local (additional)``.
    """
    details = _host_port_details(address, port)
    if additional:
        details += ' - Local (%s)' % additional
    return _system_error(code, '%s %s%s' % (syscall, uv_err_name(code), details), syscall,
                         address=address, port=port or None)


def uv_exception_with_host_port(code, syscall, address=None, port=None):
    """Node's uvExceptionWithHostPort: ``listen EADDRINUSE: address already in use 127.0.0.1:8080``."""
    name, uvmsg = _describe(code)
    return _system_error(code, '%s %s: %s%s' % (syscall, name, uvmsg,
                                               _host_port_details(address, port)),
                         syscall, address=address, port=port or None)


def errno_exception(code, syscall, original=None):
    """Node's errnoException: ``write EPIPE`` (``write EPIPE original`` with ``original``)."""
    message = '%s %s' % (syscall, uv_err_name(code))
    if original:
        message += ' ' + original
    return _system_error(code, message, syscall)


def uv_exception(code, syscall, path=None, dest=None):
    """Node's uvException: ``ENOENT: no such file or directory, connect '/tmp/x.sock'``.

    ``dest`` adds `` -> 'dest'``.
    """
    name, uvmsg = _describe(code)
    message = '%s: %s, %s' % (name, uvmsg, syscall)
    if path:
        message += " '%s'" % path
    if dest:
        message += " -> '%s'" % dest
    return _system_error(code, message, syscall, path=path or None, dest=dest or None)


def dns_exception(code, syscall, hostname=None):
    """Node's dnsException for a failed lookup: ``getaddrinfo ENOTFOUND example.invalid``.

    libuv's EAI_NODATA and EAI_NONAME read ``ENOTFOUND``, as in Node; the
    error keeps ``hostname``.
    """
    name = uv_err_name(code)
    if name in ('EAI_NODATA', 'EAI_NONAME'):
        name = 'ENOTFOUND'
    message = '%s %s' % (syscall, name)
    if hostname:
        message += ' ' + hostname
    err = _system_error(code, message, syscall, hostname=hostname)
    err.code = name
    return err


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
